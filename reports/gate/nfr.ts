// NFR validation: performance from the baseline checks (metric vs target), security from the
// security checks (risks SEC-*, ids SEC-*, component or story naming security), reliability from
// every other check. Status: FAIL (an open P0 failure), CONCERNS (any open failure, a missed
// target, or a waived failure), PASS, or NOT_ASSESSED (no check of that kind ran).
import { checkKey, type CheckResult } from './model.js';
import { findWaiver, type Waiver } from './waivers.js';

export type NfrStatus = 'PASS' | 'CONCERNS' | 'FAIL' | 'NOT_ASSESSED';
export interface NfrEntry {
  status: NfrStatus;
  notes: string;
}
export interface NfrValidation {
  performance: NfrEntry;
  security: NfrEntry;
  reliability: NfrEntry;
}

/** A baseline check measures at least one metric against a target; other metrics are measurements. */
export function isBaseline(c: CheckResult): boolean {
  return c.baselines.some((b) => b.target !== undefined);
}

export function isSecurity(c: CheckResult): boolean {
  return (
    c.risks.some((r) => /(^|:)SEC-/i.test(r)) ||
    /^SEC[-.]/i.test(c.id) ||
    /secur/i.test(c.component ?? '') ||
    /(^|-)SEC(-|$)/i.test(c.story ?? '')
  );
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2).replace(/0+$/, '');
}

function assess(checks: CheckResult[], waivers: Waiver[], what: string, extra: string[] = []): NfrEntry {
  const ran = checks.filter((c) => c.outcome !== 'skipped');
  if (ran.length === 0) return { status: 'NOT_ASSESSED', notes: `No ${what} check ran.` };
  // key order: the shards of a run, in any order, read like the unsharded run
  const failed = ran
    .filter((c) => c.outcome === 'failed')
    .sort((a, b) => checkKey(a).localeCompare(checkKey(b)));
  const open = failed.filter((c) => !findWaiver(waivers, c));
  const waived = failed.filter((c) => findWaiver(waivers, c));
  const status: NfrStatus = open.some((c) => c.priority === 'P0')
    ? 'FAIL'
    : open.length || waived.length || extra.length
      ? 'CONCERNS'
      : 'PASS';
  const parts = [`${ran.length - failed.length}/${ran.length} ${what} checks passed.`];
  if (open.length) parts.push(`Failed: ${open.map((c) => `${checkKey(c)} (${c.priority})`).join(', ')}.`);
  if (waived.length) parts.push(`Waived: ${waived.map(checkKey).join(', ')}.`);
  parts.push(...extra);
  return { status, notes: parts.join(' ') };
}

export function validateNfr(checks: CheckResult[], waivers: Waiver[]): NfrValidation {
  const perf = checks.filter(isBaseline);
  const sec = checks.filter((c) => !isBaseline(c) && isSecurity(c));
  const rel = checks.filter((c) => !isBaseline(c) && !isSecurity(c));
  const measures: string[] = [];
  const missed: string[] = [];
  const unmeasured: string[] = [];
  for (const c of perf) {
    for (const b of c.baselines) {
      if (b.target === undefined) continue;
      const target = `target ${b.op} ${fmt(b.target)}`;
      if (b.value === undefined) {
        if (c.outcome !== 'skipped') unmeasured.push(`${b.metric}@${c.cluster} (${target})`);
        continue;
      }
      const line = `${b.metric}@${c.cluster} ${fmt(b.value)} (${target})`;
      measures.push(line);
      if (b.met === false) missed.push(line);
    }
  }
  const performance = assess(perf, waivers, 'baseline', [
    ...(missed.length ? [`Missed: ${missed.join('; ')}.`] : []),
    ...(unmeasured.length ? [`Not measured: ${unmeasured.join('; ')}.`] : []),
  ]);
  if (measures.length && !missed.length) performance.notes += ` Measured: ${measures.join('; ')}.`;
  return {
    performance,
    security: assess(sec, waivers, 'security'),
    reliability: assess(rel, waivers, 'reliability'),
  };
}
