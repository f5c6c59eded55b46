// How the wall time of a run grows with the number of checks: generated trivial-read checks (each
// reads ConfigMap flux-system/cluster-settings through its cluster handle) at 1x, 2x and 4x the
// catalogue's size, over both lab clusters, through `pnpm test`. Ratio = wall(kx) / wall(1x);
// linear growth would be k, the goal is well under it (fixed costs amortised).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { twoClusterConfig } from '../test/unit/harness.js';
import { measurePvTest } from './proc.js';
import type { Benchmark, BenchResult } from './registry.js';

/** Checks in the catalogue (ids declared in suites/), the 1x size. */
function catalogueSize(root: string): number {
  let n = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.test.ts'))
        n += (readFileSync(path.join(d, e.name), 'utf8').match(/^\s+id: '[A-Z0-9-]+',$/gm) ?? []).length;
    }
  };
  walk(path.join(root, 'suites'));
  return n;
}

function generate(root: string, dir: string, checks: number, perFile: number): void {
  mkdirSync(dir, { recursive: true });
  const imp = path.join(root, 'helpers/check/index.js');
  const k8s = path.join(root, 'helpers/reads/k8s.js');
  for (let f = 0; f * perFile < checks; f++) {
    const lines = [
      `import { expect } from 'vitest';`,
      `import { check } from '${imp}';`,
      `import { handle } from '${k8s}';`,
    ];
    for (let i = f * perFile; i < Math.min(checks, (f + 1) * perFile); i++) {
      lines.push(
        `check({ id: 'SCALE-${String(i + 1).padStart(4, '0')}', title: 'trivial read', priority: 'P2', component: 'framework', clusters: ['infra', 'apps'], story: 'STORY-VALIDATE-NETWORKING' }, async ({ cluster }) => { const cm = await cluster.core.readNamespacedConfigMap({ namespace: 'flux-system', name: 'cluster-settings' }); expect(cm.data?.CLUSTER).toBeTruthy(); });`,
      );
    }
    writeFileSync(path.join(dir, `s${f}.test.ts`), `${lines.join('\n')}\n`);
  }
}

export const scalingBenchmark: Benchmark = {
  name: 'scaling',
  description:
    'wall time of a run with 1x, 2x, 4x the catalogue size in trivial-read checks (both lab clusters)',
  async run(root): Promise<BenchResult> {
    const base = catalogueSize(root);
    const perFile = Math.max(1, Math.round(base / 12)); // about the catalogue's files per cluster
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'pv-bench-scale-'));
    const lab = path.join(root, '.lab', 'kubeconfig');
    const config = await twoClusterConfig({
      dir: tmp,
      env: 'lab',
      kubeconfig: lab,
      contexts: { infra: 'lab-infra', apps: 'lab-apps' },
    });
    const wall: Record<number, number> = {};
    for (const k of [1, 2, 4]) {
      const dir = path.join(tmp, `x${k}`);
      generate(root, dir, base * k, perFile);
      const m = await measurePvTest(
        root,
        [],
        {
          PV_CONFIG: config,
          PV_SUITES: `${dir}/*.test.ts`,
          PV_RUN_ID: undefined,
        },
        1_800_000, // 4x on a loaded 2-core machine exceeded measure()'s 5 min default
      );
      if (m.code !== 0)
        throw new Error(`run with ${base * k} checks exited ${m.code}:\n${m.stdout.slice(-1500)}`);
      wall[k] = m.wallMs / 1000;
    }
    return {
      notes: [
        `1x = ${base} checks (the catalogue's size) x 2 clusters, ${perFile} per file; wall: ${[1, 2, 4].map((k) => `${k}x ${wall[k]!.toFixed(1)} s`).join(', ')}`,
        'ratio = wall(kx) / wall(1x); linear growth would be 2x and 4x',
      ],
      rows: [
        { metric: 'wall s 2x checks / 1x', ours: wall[2]!, baseline: wall[1]!, goal: 2 },
        { metric: 'wall s 4x checks / 1x', ours: wall[4]!, baseline: wall[1]!, goal: 4 },
      ],
    };
  },
};
