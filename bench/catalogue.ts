// Wall time of the catalogue on both lab clusters (issue 4): the full catalogue and the P0 subset,
// one after the other in the same bench run, against their goals (warm lab: < 60 s and < 20 s).
// Where the time goes, per run:
//  - cluster: the share of the wall time during which the lab API servers were serving at least
//    one of the run's requests (union of [received, done] of its audit events; exec and
//    port-forward streams count for as long as they are open, so protocol traffic through tunnels
//    is in it). Needs the lab's audit log (lab/cluster/audit.ts).
//  - framework: the rest: process start, config, vitest collection and imports, check code,
//    reporters, and the sleeps between polls while the cluster converges.
//  - vitest's own breakdown (transform/setup/import/tests, summed over workers) as it prints it.
import { newRunId } from '../helpers/run/ids.js';
import { auditLogDir } from '../lab/cluster/audit.js';
import { labPaths } from '../lab/core/paths.js';
import { LAB_CLUSTERS } from '../lab/core/topology.js';
import { assertAuditLog, readRunRequests, type ApiRequest } from './api-requests.js';
import { measurePvTest } from './proc.js';
import type { Benchmark, BenchResult, BenchRow } from './registry.js';

/** Total length of the union of [start, end] intervals clipped to [from, to]. */
export function unionMs(intervals: [number, number][], from: number, to: number): number {
  const clipped = intervals
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as [number, number])
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let cur: [number, number] | undefined;
  for (const iv of clipped) {
    if (cur && iv[0] <= cur[1]) cur[1] = Math.max(cur[1], iv[1]);
    else {
      if (cur) total += cur[1] - cur[0];
      cur = [...iv];
    }
  }
  return total + (cur ? cur[1] - cur[0] : 0);
}

/** vitest's "Duration 12.3s (transform 1s, setup 2ms, import 3s, tests 4s, environment 0ms)". */
export function vitestBreakdown(stdout: string): string | undefined {
  // vitest colours its summary even with FORCE_COLOR=0 in the child: strip the escape codes first
  // eslint-disable-next-line no-control-regex -- matching ESC is the point
  const plain = stdout.replace(/\x1b\[[0-9;]*m/g, '');
  const m = /Duration\s+\S+\s+\(([^)]*)\)/.exec(plain);
  return m?.[1];
}

interface Slice {
  label: string;
  grep?: string;
  goalS: number;
}

const SLICES: Slice[] = [
  { label: 'full catalogue', goalS: 60 },
  { label: 'P0 subset', grep: 'P0', goalS: 20 },
];

export const catalogueBenchmark: Benchmark = {
  name: 'catalogue',
  description: 'wall time of the full catalogue and of P0 on both lab clusters; framework vs cluster share',
  async run(root): Promise<BenchResult> {
    const paths = labPaths(root);
    for (const c of LAB_CLUSTERS) assertAuditLog(auditLogDir(paths, c));
    const rows: BenchRow[] = [];
    const notes: string[] = [];
    for (const s of SLICES) {
      const runId = newRunId();
      const from = Date.now();
      const m = await measurePvTest(
        root,
        ['--env', 'lab', ...(s.grep ? ['--grep', s.grep] : [])],
        { PV_RUN_ID: runId },
        30 * 60_000,
      );
      const to = Date.now();
      const reqs: ApiRequest[] = [];
      for (const c of LAB_CLUSTERS) reqs.push(...(await readRunRequests(auditLogDir(paths, c), runId)));
      const busy = unionMs(
        reqs
          .filter((r) => r.receivedMs !== undefined && r.doneMs !== undefined)
          .map((r) => [r.receivedMs!, r.doneMs!]),
        from,
        to,
      );
      const wallS = m.wallMs / 1000;
      const clusterPct = (100 * busy) / (to - from);
      const summary = /(\d+) passed, (\d+) failed, (\d+) skipped/g;
      const counts = [...m.stdout.matchAll(summary)].map((x) => `${x[1]}/${x[2]}/${x[3]}`).join(' + ');
      notes.push(
        `${s.label}: run ${runId} exit ${m.code}, ${wallS.toFixed(1)} s wall, passed/failed/skipped per cluster ${counts || 'n/a'}`,
        `    cluster busy ${(busy / 1000).toFixed(1)} s (${clusterPct.toFixed(0)}%: ${reqs.length} API requests incl. exec/port-forward streams), framework and the rest ${(100 - clusterPct).toFixed(0)}%`,
        `    vitest: ${vitestBreakdown(m.stdout) ?? 'no duration line'}`,
      );
      if (m.code !== 0 && m.code !== 1)
        notes.push(`    (exit ${m.code}: ${m.stderr.trim().split('\n').slice(-1)[0] ?? ''})`);
      rows.push({ metric: `${s.label} wall s / goal s`, ours: wallS, baseline: s.goalS, goal: 1 });
    }
    notes.push('goals (issue 4, warm lab): full catalogue < 60 s, P0 < 20 s; a ratio below 1 meets the goal');
    return { rows, notes };
  },
};
