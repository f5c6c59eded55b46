// Per-check trend over the last N runs: the current run(s) plus the newest past run dirs found next
// to it under docs/qa/evidence/. A past run that cannot be read is skipped with a warning: history
// must never block today's decision.
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { checkKey, type CheckResult, type Priority } from './model.js';
import { junitFilesIn, loadRunDir, type RunDir } from './run.js';
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

export interface Trend {
  runs: TrendRun[];
  checks: CheckTrend[];
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

/** Past run dirs beside the current ones (newest last), excluding the current ones and `latest`. */
export function pastRunDirs(current: RunDir[]): string[] {
  const root = dirname(current[0]!.dir);
  const skip = new Set(current.map((r) => r.dir));
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .map((name) => join(root, name))
    .filter((p) => !skip.has(p) && !lstatSync(p).isSymbolicLink() && lstatSync(p).isDirectory())
    .filter((p) => junitFilesIn(p).length > 0);
}

export function buildTrend(
  current: RunDir[],
  currentChecks: CheckResult[],
  waivers: Waiver[],
  n: number,
): Trend {
  const warnings: string[] = [];
  const past: { run: RunDir; checks: CheckResult[] }[] = [];
  for (const dir of pastRunDirs(current)) {
    try {
      past.push(loadRunDir(dir));
    } catch (e) {
      warnings.push(`history: skipped ${dir}: ${(e as Error).message}`);
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
      runId: current.map((r) => r.runId).join('+'),
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
  const maps = series.map(
    (s) => new Map(s.checks.map((c) => [checkKey(c), cellOutcome(c, waivers)] as const)),
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
  return { runs, checks, warnings };
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
