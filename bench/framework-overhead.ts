// Issue 2's benchmark: the framework's own overhead. 100 trivial checks (10 files x 10) over two
// clusters through `pnpm test` (bin/test.ts: config, tags, fixtures, identity guard, JUnit, run.json)
// against vitest running the same 100 trivial tests bare in two projects.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultMaxWorkers } from '../helpers/check/workers.js';
import { twoClusterConfig } from '../test/unit/harness.js';
import { measure, measurePvTest, type Measured } from './proc.js';
import type { Benchmark, BenchResult } from './registry.js';

const FILES = 10;
const PER_FILE = 10;
const REPEATS = Number(process.env.PV_BENCH_REPEATS ?? 3);

function generate(root: string, dir: string): void {
  const checkImport = path.join(root, 'helpers/check/index.js');
  for (let f = 0; f < FILES; f++) {
    const fw: string[] = [`import { expect } from 'vitest';`, `import { check } from '${checkImport}';`];
    const bare: string[] = [`import { expect, test } from 'vitest';`];
    for (let i = 0; i < PER_FILE; i++) {
      const id = `BENCH-${String(f * PER_FILE + i + 1).padStart(3, '0')}`;
      fw.push(
        `check({ id: '${id}', title: 'trivial', priority: 'P2', component: 'framework', clusters: ['infra', 'apps'], story: 'STORY-VALIDATE-NETWORKING' }, () => { expect(${i} + 1).toBe(${i + 1}); });`,
      );
      bare.push(`test('${id} trivial', () => { expect(${i} + 1).toBe(${i + 1}); });`);
    }
    writeFileSync(path.join(dir, 'fw', `f${f}.test.ts`), `${fw.join('\n')}\n`);
    writeFileSync(path.join(dir, 'bare', `f${f}.test.ts`), `${bare.join('\n')}\n`);
  }
  // bare vitest: the same two projects, nothing else (a plain object: the file lives outside the repo)
  writeFileSync(
    path.join(dir, 'bare', 'vitest.config.mjs'),
    // as many workers as pnpm test gives two clusters: the comparison is of overhead, not of parallelism
    `export default { test: { maxWorkers: ${defaultMaxWorkers(2)}, projects: ['infra', 'apps'].map((name) => ({ test: { name, include: ['${dir}/bare/*.test.ts'] } })) } };\n`,
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export const frameworkOverhead: Benchmark = {
  name: 'framework-overhead',
  description:
    '100 trivial checks over two clusters: pnpm test vs bare vitest (wall time, peak RSS of the process tree)',
  async run(root): Promise<BenchResult> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pv-bench-'));
    mkdirSync(path.join(dir, 'fw'));
    mkdirSync(path.join(dir, 'bare'));
    generate(root, dir);
    const lab = path.join(root, '.lab', 'kubeconfig');
    const useLab = process.env.PV_BENCH_LAB !== '0' && existsSync(lab) && (await labAnswers(root, lab));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      FORCE_COLOR: '0',
      PV_SUITES: `${dir}/fw/*.test.ts`,
      PV_RUN_ID: undefined,
      PV_RUN_DIR: undefined,
    };
    env.PV_CONFIG = await twoClusterConfig({
      dir,
      env: 'bench',
      kubeconfig: lab,
      contexts: { infra: 'lab-infra', apps: 'lab-apps' },
    });
    const notes: string[] = [];
    if (useLab) notes.push('identity proven against the lab API servers');
    else {
      env.PV_IDENTITY = 'skip';
      notes.push(
        '!!! lab not up: PV_IDENTITY=skip (bench-only; identity NOT proven, so the guard round trip is not measured) !!!',
      );
    }

    const fw: Measured[] = [];
    const bare: Measured[] = [];
    for (let i = 0; i < REPEATS; i++) {
      // alternate the order so warm caches favour neither side
      const pair = async (first: 'fw' | 'bare') => {
        for (const which of first === 'fw' ? (['fw', 'bare'] as const) : (['bare', 'fw'] as const)) {
          const m =
            which === 'fw'
              ? await measurePvTest(root, [], env)
              : await measure(
                  process.execPath,
                  [
                    path.join(root, 'node_modules/vitest/vitest.mjs'),
                    'run',
                    '--config',
                    path.join(dir, 'bare/vitest.config.mjs'),
                  ],
                  {
                    cwd: root,
                    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
                  },
                );
          const ok =
            which === 'fw' ? /PASSED: 200 check\(s\)/.test(m.stdout) : /Tests\s+200 passed/.test(m.stdout);
          if (m.code !== 0 || !ok) {
            throw new Error(
              `${which} run failed (exit ${m.code}):\n${m.stdout.slice(-2000)}\n${m.stderr.slice(-2000)}`,
            );
          }
          (which === 'fw' ? fw : bare).push(m);
        }
      };
      await pair(i % 2 === 0 ? 'fw' : 'bare');
    }
    rmSync(dir, { recursive: true, force: true });
    const fwWall = median(fw.map((m) => m.wallMs));
    const bareWall = median(bare.map((m) => m.wallMs));
    const fwMem = median(fw.map((m) => m.peakRssMb));
    const bareMem = median(bare.map((m) => m.peakRssMb));
    return {
      rows: [
        { metric: 'wall time (s, median)', ours: fwWall / 1000, baseline: bareWall / 1000, goal: 1.5 },
        { metric: 'peak RSS of process tree (MB, median)', ours: fwMem, baseline: bareMem, goal: 1.5 },
      ],
      notes: [
        ...notes,
        `${REPEATS} repeat(s) each, ${FILES * PER_FILE} checks x 2 clusters = 200 test executions per run`,
        'peak RSS = largest sum over the process tree (main, workers, and for pnpm test its preflight child)',
      ],
    };
  },
};

async function labAnswers(root: string, kubeconfig: string): Promise<boolean> {
  const { createClusterHandle, proveIdentity } = await import('../helpers/cluster/index.js');
  try {
    for (const name of ['infra', 'apps']) {
      await proveIdentity(
        createClusterHandle({ name, context: `lab-${name}`, kubeconfig, requestTimeoutMs: 5_000 }),
        { timeoutMs: 8_000 },
      );
    }
    return true;
  } catch {
    void root;
    return false;
  }
}
