// The gate rule, the seed's Go/No-Go: all P0 pass and P1 pass rate > 90% and evidence complete and
// no high risk unmitigated -> PASS; P1 at or below 90%, any P2 failure, incomplete evidence, a high
// risk whose checks did not run -> CONCERNS; any P0 failure, nothing executed, insufficient evidence
// (a cluster not proven, a failure with no attachment), a high risk whose check failed, or a run cut
// short -> FAIL. Failures named by an active waiver do not count; when only waived failures stand in
// the way, WAIVED.
import type { EvidenceStatus } from './evidence.js';
import { checkKey, type CheckResult, type GateStatus, type Priority } from './model.js';
import type { RunDir } from './run.js';
import { findWaiver, type Waiver } from './waivers.js';

export const P1_MIN_PASS_RATE = 0.9;

export interface PriorityCount {
  executed: number;
  passed: number;
  failed: number;
  waived: number;
  skipped: number;
}

export interface WaivedFailure {
  check: CheckResult;
  waiver: Waiver;
}

export interface Decision {
  gate: GateStatus;
  /** Why, most severe first; each a short sentence. */
  reasons: string[];
  counts: Record<Priority, PriorityCount>;
  executed: number;
  skipped: number;
  /** Failures no waiver covers, most severe first. */
  open: CheckResult[];
  waived: WaivedFailure[];
  p1PassRate?: number;
  evidence: EvidenceStatus;
}

const SEVERITY_ORDER: Record<Priority, number> = { P0: 0, P1: 1, P2: 2 };

export function bySeverity(a: CheckResult, b: CheckResult): number {
  return SEVERITY_ORDER[a.priority] - SEVERITY_ORDER[b.priority] || checkKey(a).localeCompare(checkKey(b));
}

function ids(cs: CheckResult[], max = 5): string {
  const keys = cs.map(checkKey);
  return keys.length > max
    ? `${keys.slice(0, max).join(', ')} and ${keys.length - max} more`
    : keys.join(', ');
}

/** Reasons of a `failed` run.json the JUnit already explains (failed checks) or that weigh as CONCERNS. */
const EXPLAINED_REASON = /^(\d+ check\(s\) failed|cleanup on .+ failed.*)$/;

/** Leftovers a run's cleanup could not remove: the run is not green, the gate at best CONCERNS. */
export function runConcerns(runs: RunDir[]): string[] {
  const out: string[] = [];
  for (const r of runs) {
    for (const [name, info] of Object.entries(r.runJson?.clusters ?? {})) {
      const c = (info as { cleanup?: { ok?: boolean; leftovers?: string[] } }).cleanup;
      if (c && c.ok === false)
        out.push(
          `Cleanup of run ${r.runId} on ${name} failed; left on the cluster: ${(c.leftovers ?? []).join(', ') || 'unknown'}.`,
        );
    }
  }
  return out;
}

/** Problems in run.json that make the run itself untrustworthy (FAIL regardless of the checks). */
export function runProblems(runs: RunDir[]): string[] {
  const out: string[] = [];
  for (const r of runs) {
    const j = r.runJson;
    if (!j) continue;
    for (const [name, info] of Object.entries(j.clusters)) {
      if (info.ok === false)
        out.push(`cluster ${name} was not proven (${info.error ?? 'identity check failed'})`);
    }
    const why = Array.isArray(j['reasons']) && j['reasons'].length ? `: ${String(j['reasons'][0])}` : '';
    if (j.outcome === 'interrupted')
      out.push(`run ${j.runId} was interrupted, so its results are incomplete${why}`);
    if (j.outcome === 'error')
      out.push(`run ${j.runId} ended in error${why || ' before its checks completed'}`);
    if (j.outcome === 'running') out.push(`run ${j.runId} never finished (run.json still says running)`);
    if (j.outcome === 'failed') {
      // a failed run whose reasons the checks' results do not explain (an unhandled error, a hook, a
      // worker that died, an unproven cluster): the run itself failed
      const reasons = (Array.isArray(j['reasons']) ? j['reasons'] : []).map(String);
      const unexplained = reasons.filter((x) => !EXPLAINED_REASON.test(x));
      if (!reasons.length) out.push(`run ${j.runId} failed (run.json gives no reason)`);
      else if (unexplained.length)
        out.push(
          `run ${j.runId} failed: ${unexplained.slice(0, 3).join('; ')}${unexplained.length > 3 ? ` (+${unexplained.length - 3} more)` : ''}`,
        );
    }
  }
  return out;
}

export function decide(
  checks: CheckResult[],
  waivers: Waiver[],
  evidence: EvidenceStatus,
  problems: string[] = [],
  /** Findings that keep the gate at best CONCERNS (scope not run, leftovers), each a sentence. */
  scopeConcerns: string[] = [],
  /** Findings that FAIL the gate after the P0 failures (a high risk whose check failed), each a sentence. */
  riskFail: string[] = [],
): Decision {
  const counts = {
    P0: { executed: 0, passed: 0, failed: 0, waived: 0, skipped: 0 },
    P1: { executed: 0, passed: 0, failed: 0, waived: 0, skipped: 0 },
    P2: { executed: 0, passed: 0, failed: 0, waived: 0, skipped: 0 },
  } satisfies Record<Priority, PriorityCount>;
  const open: CheckResult[] = [];
  const waived: WaivedFailure[] = [];
  for (const c of checks) {
    const n = counts[c.priority];
    if (c.outcome === 'skipped') {
      n.skipped++;
      continue;
    }
    n.executed++;
    if (c.outcome === 'passed') {
      n.passed++;
      continue;
    }
    n.failed++;
    const w = findWaiver(waivers, c);
    if (w) {
      n.waived++;
      waived.push({ check: c, waiver: w });
    } else open.push(c);
  }
  open.sort(bySeverity);
  waived.sort((a, b) => bySeverity(a.check, b.check));
  const executed = counts.P0.executed + counts.P1.executed + counts.P2.executed;
  const skipped = counts.P0.skipped + counts.P1.skipped + counts.P2.skipped;

  const fail: string[] = [];
  const concerns: string[] = [];
  if (executed === 0) {
    fail.push(
      checks.length === 0
        ? 'Nothing ran: the run has no executed check.'
        : `Nothing ran: all ${checks.length} selected checks were skipped.`,
    );
  }
  for (const p of problems) fail.push(`${p[0]!.toUpperCase()}${p.slice(1)}.`);
  const p0Open = open.filter((c) => c.priority === 'P0');
  if (p0Open.length) fail.push(`P0 check${p0Open.length > 1 ? 's' : ''} failed: ${ids(p0Open)}.`);
  fail.push(...riskFail);

  let p1PassRate: number | undefined;
  if (counts.P1.executed > 0) {
    p1PassRate = (counts.P1.passed + counts.P1.waived) / counts.P1.executed;
    if (p1PassRate <= P1_MIN_PASS_RATE) {
      const p1Open = open.filter((c) => c.priority === 'P1');
      concerns.push(
        `P1 pass rate ${(p1PassRate * 100).toFixed(0)}% (${counts.P1.passed + counts.P1.waived}/${counts.P1.executed}) is not above 90%: ${ids(p1Open)} failed.`,
      );
    }
  }
  // All P0 must pass: one selected but skipped did not, yet it proves nothing failed either.
  const p0Skipped = checks.filter((c) => c.priority === 'P0' && c.outcome === 'skipped');
  if (p0Skipped.length && executed > 0) {
    concerns.push(
      `P0 check${p0Skipped.length > 1 ? 's' : ''} skipped, so not shown to pass: ${ids(p0Skipped)}.`,
    );
  }
  concerns.push(...scopeConcerns);
  const p2Open = open.filter((c) => c.priority === 'P2');
  if (p2Open.length) concerns.push(`P2 check${p2Open.length > 1 ? 's' : ''} failed: ${ids(p2Open)}.`);
  if (evidence.insufficient.length) {
    fail.push(
      `Evidence insufficient: ${evidence.insufficient.slice(0, 3).join('; ')}${evidence.insufficient.length > 3 ? ` (+${evidence.insufficient.length - 3} more)` : ''}.`,
    );
  } else if (!evidence.complete && executed > 0) {
    concerns.push(
      `Evidence incomplete: ${evidence.problems.slice(0, 3).join('; ')}${evidence.problems.length > 3 ? ` (+${evidence.problems.length - 3} more)` : ''}.`,
    );
  }

  let gate: GateStatus;
  const reasons: string[] = [];
  if (fail.length) {
    gate = 'FAIL';
    reasons.push(...fail, ...concerns);
  } else if (concerns.length) {
    gate = 'CONCERNS';
    reasons.push(...concerns);
  } else if (waived.length) {
    gate = 'WAIVED';
    const approvers = [...new Set(waived.map((w) => w.waiver.approvedBy))].join(', ');
    reasons.push(`All failures are waived: ${ids(waived.map((w) => w.check))} (approved by ${approvers}).`);
  } else {
    gate = 'PASS';
    const p1 = counts.P1.executed ? `, P1 ${counts.P1.passed}/${counts.P1.executed}` : '';
    reasons.push(`All ${counts.P0.executed} P0 checks passed${p1}, evidence complete.`);
  }
  if (gate !== 'FAIL' && open.some((c) => c.priority === 'P1') && (p1PassRate ?? 1) > P1_MIN_PASS_RATE) {
    reasons.push(`P1 failures within the 90% allowance: ${ids(open.filter((c) => c.priority === 'P1'))}.`);
  }
  if (waived.length && gate !== 'WAIVED') {
    reasons.push(`Waived: ${ids(waived.map((w) => w.check))}.`);
  }
  return { gate, reasons, counts, executed, skipped, open, waived, p1PassRate, evidence };
}
