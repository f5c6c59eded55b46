// Per-check trend over the last N runs: the current run(s) plus the newest past run dirs found next
// to it under docs/qa/evidence/. A past run that cannot be read is skipped with a warning: history
// must never block today's decision.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkKey, type CheckResult, type Priority } from './model.js';
import { junitFilesIn, loadRuns, type RunDir } from './run.js';
import { cellOutcome, type CellOutcome } from './trace.js';
import type { Waiver } from './waivers.js';

export interface TrendRun {
  runId: string;
  startedAt?: string;
  passed: number;
  failed: number;
  skipped: number;
  current: boolean;
}

export interface CheckTrend {
  key: string;
  id: string;
  cluster: string;
  priority: Priority;
  /** Oldest first, aligned with Trend.runs; 'absent' when the check was not in that run. */
  outcomes: (CellOutcome | 'absent')[];
}

/** One baseline metric across the runs of the window (values aligned with Trend.runs). */
export interface MetricTrend {
  key: string;
  metric: string;
  cluster: string;
  op: string;
  /** Target of the newest run that measured it. */
  target?: number;
  values: (number | undefined)[];
}

export interface Trend {
  runs: TrendRun[];
  checks: CheckTrend[];
  metrics: MetricTrend[];
  warnings: string[];
}

export const SYMBOL: Record<CellOutcome | 'absent', string> = {
  passed: 'P',
  failed: 'F',
  waived: 'W',
  skipped: 'S',
  absent: '-',
};

function sortKey(r: { runId: string; startedAt?: string }): string {
  return r.startedAt ?? r.runId;
}

function isDir(p: string): boolean {
  return existsSync(p) && !lstatSync(p).isSymbolicLink() && lstatSync(p).isDirectory();
}

/**
 * Past runs under `root` (default: the parent of the current run dir), each a list of run dirs:
 * a dir with junit-*.xml is one run; a dir whose subdirs hold junit-*.xml is one sharded run (CI
 * downloads each shard into its own subdir). The current run and `latest` are left out.
 */
export function pastRuns(current: RunDir[], root?: string): string[][] {
  const base = root ?? dirname(current[0]!.dir);
  const currentDirs = current.map((r) => r.dir);
  if (!isDir(base)) return [];
  const out: string[][] = [];
  for (const name of readdirSync(base)) {
    const p = join(base, name);
    if (!isDir(p) || currentDirs.some((d) => d === p || d.startsWith(`${p}/`))) continue;
    if (junitFilesIn(p).length > 0) {
      out.push([p]);
      continue;
    }
    const shards = readdirSync(p)
      .map((n) => join(p, n))
      .filter((q) => isDir(q) && junitFilesIn(q).length > 0);
    if (shards.length) out.push(shards);
  }
  return out;
}

export function buildTrend(
  current: RunDir[],
  currentChecks: CheckResult[],
  waivers: Waiver[],
  n: number,
  historyRoot?: string,
): Trend {
  const warnings: string[] = [];
  const past: { run: RunDir; checks: CheckResult[] }[] = [];
  // A trend compares like with like: runs of another environment (or the framework's self-tests)
  // living in the same evidence dir are left out.
  const env = current[0]!.runJson?.env;
  for (const dirs of pastRuns(current, historyRoot)) {
    try {
      const loaded = loadRuns(dirs);
      const first = loaded.runs[0]!;
      if (env !== undefined && first.runJson?.env !== undefined && first.runJson.env !== env) continue;
      past.push({
        run: { ...first, runId: [...new Set(loaded.runs.map((r) => r.runId))].join('+') },
        checks: loaded.checks,
      });
    } catch (e) {
      warnings.push(`history: skipped ${dirs.join(', ')}: ${(e as Error).message}`);
    }
  }
  const currentStart = current.map((r) => r.runJson?.startedAt ?? r.runId).sort()[0]!;
  const keep = Math.max(0, n - 1);
  const olderAll = past
    .filter((p) => sortKey({ runId: p.run.runId, startedAt: p.run.runJson?.startedAt }) < currentStart)
    .sort((a, b) =>
      sortKey({ runId: a.run.runId, startedAt: a.run.runJson?.startedAt }).localeCompare(
        sortKey({ runId: b.run.runId, startedAt: b.run.runJson?.startedAt }),
      ),
    );
  const older = keep === 0 ? [] : olderAll.slice(-keep);

  const series: { runId: string; startedAt?: string; checks: CheckResult[]; current: boolean }[] = [
    ...older.map((p) => ({
      runId: p.run.runId,
      startedAt: p.run.runJson?.startedAt,
      checks: p.checks,
      current: false,
    })),
    {
      runId: [...new Set(current.map((r) => r.runId))].join('+'),
      startedAt: current[0]!.runJson?.startedAt,
      checks: currentChecks,
      current: true,
    },
  ];
  const runs: TrendRun[] = series.map((s) => ({
    runId: s.runId,
    startedAt: s.startedAt,
    passed: s.checks.filter((c) => c.outcome === 'passed').length,
    failed: s.checks.filter((c) => c.outcome === 'failed').length,
    skipped: s.checks.filter((c) => c.outcome === 'skipped').length,
    current: s.current,
  }));
  const meta = new Map<string, CheckResult>();
  for (const s of series) for (const c of s.checks) meta.set(checkKey(c), c);
  // Today's waivers mark today's run only: a past failure stays a failure in its column.
  const maps = series.map(
    (s) => new Map(s.checks.map((c) => [checkKey(c), cellOutcome(c, s.current ? waivers : [])] as const)),
  );
  const checks: CheckTrend[] = [...meta.values()]
    .map((c) => ({
      key: checkKey(c),
      id: c.id,
      cluster: c.cluster,
      priority: c.priority,
      outcomes: maps.map((m) => m.get(checkKey(c)) ?? ('absent' as const)),
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
  const metrics = new Map<string, MetricTrend>();
  series.forEach((s, i) => {
    for (const c of s.checks) {
      for (const b of c.baselines) {
        const key = `${b.metric}@${c.cluster}`;
        let m = metrics.get(key);
        if (!m) {
          m = { key, metric: b.metric, cluster: c.cluster, op: b.op, values: series.map(() => undefined) };
          metrics.set(key, m);
        }
        m.values[i] = b.value;
        if (b.target !== undefined) {
          m.target = b.target;
          m.op = b.op;
        }
      }
    }
  });
  return {
    runs,
    checks,
    metrics: [...metrics.values()].sort((a, b) => a.key.localeCompare(b.key)),
    warnings,
  };
}

/** `PPFF` style string, oldest first. */
export function trendString(t: CheckTrend): string {
  return t.outcomes.map((o) => SYMBOL[o]).join('');
}

/** Checks worth a line: failing now, or changed outcome within the window. */
export function notableTrends(trend: Trend): CheckTrend[] {
  return trend.checks.filter((t) => {
    const seen = t.outcomes.filter((o) => o !== 'absent');
    return seen.some((o) => o === 'failed' || o === 'waived') || new Set(seen).size > 1;
  });
}
