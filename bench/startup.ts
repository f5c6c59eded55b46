// Issue 16's benchmark: what a small read-only selection costs us against its yardsticks, side by
// side in one run (alternating order, PV_BENCH_REPEATS rounds):
//  - ours:  pnpm test --env lab --grep P0 -- -t 'BOOT-CORE-0(0[1-9]|1[01])|STO-CEPH-001'
//           (12 checks x 2 clusters, identity proof, sweep, evidence, JUnit, run.json);
//  - bare:  vitest alone running the same API requests, one test per check and cluster, each
//           asserting its responses, with the same client library (two projects, as ours);
//  - floor: one plain Node process making the same API requests.
// The requests are the run's own, read from the lab API servers' audit logs by its User-Agent
// (bench/api-requests.ts). And where our time goes: each process of the run marks its phases
// (PV_TIMINGS, bin/timings.mjs), with vitest's own transform/setup/import/tests line.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { newRunId } from '../helpers/run/ids.js';
import { auditLogDir } from '../lab/cluster/audit.js';
import { labPaths } from '../lab/core/paths.js';
import { LAB_CLUSTERS, TOPOLOGY } from '../lab/core/topology.js';
import { percentile } from '../helpers/clients/latency.js';
import { assertAuditLog, readRunRequests, type ApiRequest } from './api-requests.js';
import { vitestBreakdown } from './catalogue.js';
import { measure, measurePvTest, type Measured } from './proc.js';
import type { Benchmark, BenchResult, BenchRow } from './registry.js';
import { ratioInterval } from './stats.js';

const REPEATS = Number(process.env.PV_BENCH_REPEATS ?? 5);
export const STARTUP_ARGS = [
  '--env',
  'lab',
  '--grep',
  'P0',
  '--',
  '-t',
  'BOOT-CORE-0(0[1-9]|1[01])|STO-CEPH-001',
];
const EXPECTED_CHECKS = 24;

interface Mark {
  pid: number;
  phase: string;
  atMs: number;
}

/**
 * The phases of one run as [label, ms], consecutive in time (so they add up to the wall time); from
 * the marks of bin/launch.mjs, the preflight and bin/test.ts. The preflight child runs while the
 * main process loads vitest: a phase counts from the mark before it, whichever process set it, so
 * a preflight phase after `bin/test.ts bundle load` is only the part the run waited for.
 */
export function phaseBreakdown(marks: Mark[], startedMs: number, endedMs: number): [string, number][] {
  const first = (phase: string, pid?: number) =>
    marks.find((m) => m.phase === phase && (pid === undefined || m.pid === pid));
  const launcher = first('launcher loaded');
  if (!launcher) return [];
  const mainPid = launcher.pid;
  const child = marks.find((m) => m.phase === 'launcher loaded' && m.pid !== mainPid)?.pid;
  const points: [string, number | undefined][] = [
    ['spawn and node start-up', first('node started', mainPid)?.atMs],
    ['launcher (compile-cache lookup)', launcher.atMs],
    [
      'preflight: node start-up, config',
      child === undefined ? undefined : first('preflight: selection resolved', child)?.atMs,
    ],
    [
      'preflight: identity proof and sweep',
      child === undefined ? undefined : first('preflight: identities proven, leftovers swept', child)?.atMs,
    ],
    ['preflight: exit', first('preflight done', mainPid)?.atMs],
    ['vitest/node load', first('vitest/node loaded', mainPid)?.atMs],
    ['bin/test.ts bundle load', first('bin/test.ts loaded', mainPid)?.atMs],
    ['selection (config load)', first('selection resolved', mainPid)?.atMs],
    ['vitest created (its config, projects)', first('vitest created', mainPid)?.atMs],
    ['checks: workers, imports, checks, reporters', first('checks finished', mainPid)?.atMs],
    ['vitest close (teardowns, cleanup)', first('vitest closed', mainPid)?.atMs],
    ['verdict, run.json, summary', first('run.json and summary written', mainPid)?.atMs],
  ];
  const out: [string, number][] = [];
  let prev = startedMs;
  const reached = points.filter((p): p is [string, number] => p[1] !== undefined);
  for (const [label, at] of reached.sort((a, b) => a[1] - b[1])) {
    out.push([label, Math.max(0, at - prev)]);
    prev = at;
  }
  out.push(['exit', Math.max(0, endedMs - prev)]);
  return out;
}

/** The bare vitest side: per cluster one file, a test per check doing that check's requests. */
function writeBare(
  root: string,
  dir: string,
  kubeconfig: string,
  byCluster: Map<string, ApiRequest[]>,
): string {
  const replay = path.join(root, 'bench/startup-replay.mjs');
  for (const [context, reqs] of byCluster) {
    const groups = new Map<string, string[]>();
    for (const r of reqs) {
      const key = r.check ?? 'framework';
      groups.set(key, [...(groups.get(key) ?? []), r.uri]);
    }
    const framework = groups.get('framework') ?? [];
    groups.delete('framework');
    const lines = [
      `import { afterAll, beforeAll, expect, test } from 'vitest';`,
      `import { clientFor } from ${JSON.stringify(replay)};`,
      `let c;`,
      `beforeAll(async () => {`,
      `  c = await clientFor(${JSON.stringify(kubeconfig)}, ${JSON.stringify(context)});`,
      `  for (const u of ${JSON.stringify(framework)}) expect(await c.get(u)).toBeLessThan(400);`,
      `});`,
      `afterAll(() => c.close());`,
      ...[...groups].map(
        ([check, uris]) =>
          `test(${JSON.stringify(check)}, async () => { for (const u of ${JSON.stringify(uris)}) expect(await c.get(u)).toBeLessThan(400); });`,
      ),
    ];
    writeFileSync(path.join(dir, `${context}.test.mjs`), `${lines.join('\n')}\n`);
  }
  const config = path.join(dir, 'vitest.config.mjs');
  writeFileSync(
    config,
    `export default { test: { projects: ${JSON.stringify(
      [...byCluster.keys()].map((context) => ({
        test: { name: context, include: [path.join(dir, `${context}.test.mjs`)], exclude: [] },
      })),
    )} } };\n`,
  );
  return config;
}

const median = (xs: number[]) => percentile(xs, 50);

export const startupBenchmark: Benchmark = {
  name: 'startup',
  description:
    'a small read-only P0 selection (12 checks x 2 clusters): pnpm test vs bare vitest vs a plain Node process making the same API requests',
  async run(root): Promise<BenchResult> {
    const paths = labPaths(root);
    for (const c of LAB_CLUSTERS) assertAuditLog(auditLogDir(paths, c));
    const kubeconfig = path.join(root, '.lab', 'kubeconfig');
    // under node_modules: the generated files resolve vitest and client-node from the repo
    const cache = path.join(root, 'node_modules/.cache/platform-validation');
    mkdirSync(cache, { recursive: true });
    const dir = mkdtempSync(path.join(cache, 'bench-startup-'));
    try {
      // one run of ours first: its requests are the yardsticks' (and it warms the caches both ways)
      const runId = newRunId();
      const first = await measurePvTest(root, STARTUP_ARGS, { PV_RUN_ID: runId });
      assertPassed('ours', first);
      const byCluster = new Map<string, ApiRequest[]>();
      for (const c of LAB_CLUSTERS) {
        const reqs = (await readRunRequests(auditLogDir(paths, c), runId)).sort(
          (a, b) => (a.receivedMs ?? 0) - (b.receivedMs ?? 0),
        );
        const writes = reqs.filter((r) => !['get', 'list'].includes(r.verb));
        if (writes.length) {
          throw new Error(
            `the selection is not read-only: ${writes.map((r) => `${r.verb} ${r.uri}`).join(', ')}`,
          );
        }
        byCluster.set(TOPOLOGY[c].context, reqs);
      }
      const bareConfig = writeBare(root, dir, kubeconfig, byCluster);
      const plan = path.join(dir, 'floor.json');
      writeFileSync(
        plan,
        JSON.stringify({
          kubeconfig,
          clusters: [...byCluster].map(([context, reqs]) => ({ context, uris: reqs.map((r) => r.uri) })),
        }),
      );
      const plain = { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' };
      const sides = {
        ours: async () => {
          const timings = path.join(dir, `timings-${Date.now()}.jsonl`);
          const m = await measurePvTest(root, STARTUP_ARGS, { PV_TIMINGS: timings });
          assertPassed('ours', m);
          return { m, timings };
        },
        bare: async () => {
          const m = await measure(
            process.execPath,
            [path.join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', bareConfig],
            { cwd: root, env: plain },
          );
          if (m.code !== 0 || !/Tests\s+\d+ passed/.test(m.stdout)) throw failed('bare vitest', m);
          return { m };
        },
        floor: async () => {
          const m = await measure(process.execPath, [path.join(root, 'bench/startup-floor.mjs'), plan], {
            cwd: root,
            env: plain,
          });
          if (m.code !== 0) throw failed('floor', m);
          return { m };
        },
      };
      const runs: Record<keyof typeof sides, Measured[]> = { ours: [], bare: [], floor: [] };
      const timings: Timed[] = [];
      const orders: (keyof typeof sides)[][] = [
        ['ours', 'bare', 'floor'],
        ['floor', 'bare', 'ours'],
        ['bare', 'ours', 'floor'],
      ];
      for (let i = 0; i < REPEATS; i++) {
        for (const side of orders[i % orders.length]!) {
          const startedMs = Date.now();
          const r = await sides[side]();
          runs[side].push(r.m);
          if ('timings' in r && typeof r.timings === 'string')
            timings.push({ file: r.timings, startedMs, m: r.m });
        }
      }
      const rows: BenchRow[] = [];
      const wall = (s: keyof typeof sides) => runs[s].map((m) => m.wallMs / 1000);
      const cpu = (s: keyof typeof sides) => runs[s].map((m) => m.cpuMs / 1000);
      const rss = (s: keyof typeof sides) => runs[s].map((m) => m.peakRssMb);
      for (const base of ['bare', 'floor'] as const) {
        rows.push({
          metric: `wall s, median (vs ${base})`,
          ours: median(wall('ours')),
          baseline: median(wall(base)),
          goal: base === 'bare' ? 1.2 : undefined,
          ci: ratioInterval(wall('ours'), wall(base), 50),
        });
        rows.push({
          metric: `CPU user+sys s, median (vs ${base})`,
          ours: median(cpu('ours')),
          baseline: median(cpu(base)),
          ci: ratioInterval(cpu('ours'), cpu(base), 50),
        });
        rows.push({
          metric: `peak RSS of tree MB, median (vs ${base})`,
          ours: median(rss('ours')),
          baseline: median(rss(base)),
        });
      }
      const total = [...byCluster.values()].reduce((n, r) => n + r.length, 0);
      const notes = [
        `ours: pnpm test ${STARTUP_ARGS.join(' ')}; ${REPEATS} rounds, order rotated; ${EXPECTED_CHECKS} checks`,
        `the run's API requests (audit log, run ${runId}): ${[...byCluster].map(([c, r]) => `${c} ${r.length}`).join(', ')}; ${total} replayed by bare vitest and by the floor`,
        `medians: ours ${median(wall('ours')).toFixed(2)} s / ${median(cpu('ours')).toFixed(2)} s CPU, bare ${median(wall('bare')).toFixed(2)} s / ${median(cpu('bare')).toFixed(2)} s CPU, floor ${median(wall('floor')).toFixed(2)} s / ${median(cpu('floor')).toFixed(2)} s CPU`,
        ...breakdownNotes(timings),
      ];
      return { rows, notes };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

interface Timed {
  file: string;
  startedMs: number;
  m: Measured;
}

/** The breakdown of our median run (by wall time), phase by phase. */
function breakdownNotes(timings: Timed[]): string[] {
  const sorted = [...timings].sort((a, b) => a.m.wallMs - b.m.wallMs);
  const mid = sorted[Math.floor(sorted.length / 2)];
  if (!mid) return [];
  const { file, startedMs, m } = mid;
  const marks = readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Mark);
  const phases = phaseBreakdown(marks, startedMs, startedMs + m.wallMs);
  return [
    `where our median run's ${(m.wallMs / 1000).toFixed(2)} s go (PV_TIMINGS marks):`,
    ...phases.map(([label, ms]) => `    ${label.padEnd(46)} ${(ms / 1000).toFixed(2).padStart(6)} s`),
    `    vitest's own line (summed over workers): ${vitestBreakdown(m.stdout) ?? 'n/a'}`,
  ];
}

function failed(side: string, m: Measured): Error {
  return new Error(
    `${side} run failed (exit ${m.code}):\n${m.stdout.slice(-1500)}\n${m.stderr.slice(-1500)}`,
  );
}

function assertPassed(side: string, m: Measured): void {
  if (m.code !== 0 || !new RegExp(`PASSED: ${EXPECTED_CHECKS} check\\(s\\)`).test(m.stdout))
    throw failed(side, m);
}
