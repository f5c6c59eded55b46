// Traceability: acceptance criteria -> checks and risk ids -> checks, with outcomes.
// An AC is covered when at least one check names it, ran, and every check naming it passed;
// an AC with no executed check, or with a failing check (even a waived one), is a gap.
import { checkKey, type CheckResult, type Outcome } from './model.js';
import { normaliseAc, type StoryInfo } from './stories.js';
import { findWaiver, type Waiver } from './waivers.js';

export type CellOutcome = Outcome | 'waived';

export interface AcTrace {
  ac: string;
  checks: { key: string; outcome: CellOutcome }[];
  covered: boolean;
  /** Why it is a gap. */
  gap?: string;
}

export interface RiskTrace {
  risk: string;
  checks: { key: string; outcome: CellOutcome }[];
  status: 'passed' | 'failed' | 'waived' | 'not-run';
}

export interface StoryTrace {
  acs: AcTrace[];
  covered: string[];
  gaps: string[];
  risks: RiskTrace[];
  /** Set when the story's AC list was unknown and derived from the checks. */
  note?: string;
}

export function cellOutcome(c: CheckResult, waivers: Waiver[]): CellOutcome {
  if (c.outcome === 'failed' && findWaiver(waivers, c)) return 'waived';
  return c.outcome;
}

function acKey(story: string | undefined, ac: string, prefixed: boolean): string {
  return prefixed ? `${story ?? 'no-story'}:${normaliseAc(ac)}` : normaliseAc(ac);
}

/**
 * Trace one story (or, with `stories` of several, the whole platform: AC ids then read
 * `STORY-ID:AC3`). `checks` are the checks in scope of the gate.
 */
export function traceStories(
  stories: StoryInfo[],
  inputChecks: CheckResult[],
  waivers: Waiver[],
): StoryTrace {
  // Input order depends on JUnit file order (and shard split): sort for a stable trace.
  const checks = [...inputChecks].sort((a, b) => checkKey(a).localeCompare(checkKey(b)));
  const prefixed = stories.length !== 1;
  const acOrder: string[] = [];
  const derived: string[] = [];
  for (const s of stories) {
    const known = s.acs.map((a) => acKey(s.id, a, prefixed));
    if (known.length === 0) derived.push(s.id);
    acOrder.push(...known);
  }
  const byAc = new Map<string, AcTrace['checks']>();
  for (const a of acOrder) byAc.set(a, []);
  for (const c of checks) {
    for (const a of c.ac) {
      const k = acKey(c.story, a, prefixed);
      if (!byAc.has(k)) {
        byAc.set(k, []);
        acOrder.push(k);
      }
      byAc.get(k)!.push({ key: checkKey(c), outcome: cellOutcome(c, waivers) });
    }
  }
  const acs: AcTrace[] = acOrder.map((ac) => {
    const cs = byAc.get(ac) ?? [];
    const ran = cs.filter((c) => c.outcome !== 'skipped');
    const bad = cs.filter((c) => c.outcome === 'failed' || c.outcome === 'waived');
    let gap: string | undefined;
    if (cs.length === 0) gap = 'no check';
    else if (ran.length === 0) gap = 'checks skipped';
    else if (bad.length)
      gap = `failing: ${bad.map((b) => (b.outcome === 'waived' ? `${b.key} (waived)` : b.key)).join(', ')}`;
    return { ac, checks: cs, covered: gap === undefined, gap };
  });

  const riskOrder: string[] = [];
  const byRisk = new Map<string, RiskTrace['checks']>();
  const addRisk = (r: string) => {
    if (byRisk.has(r)) return;
    byRisk.set(r, []);
    riskOrder.push(r);
  };
  for (const s of stories) s.risks.forEach(addRisk);
  for (const c of checks) {
    for (const r of c.risks) {
      addRisk(r);
      byRisk.get(r)!.push({ key: checkKey(c), outcome: cellOutcome(c, waivers) });
    }
  }
  const risks: RiskTrace[] = riskOrder
    .map((risk) => {
      const cs = byRisk.get(risk)!;
      const status: RiskTrace['status'] = cs.some((c) => c.outcome === 'failed')
        ? 'failed'
        : cs.some((c) => c.outcome === 'waived')
          ? 'waived'
          : cs.some((c) => c.outcome === 'passed')
            ? 'passed'
            : 'not-run';
      return { risk, checks: cs, status };
    })
    // Risks of the profile with no check at all stay out of the file's noise, unless a check names them.
    .filter((r) => r.checks.length > 0);

  return {
    acs,
    covered: acs.filter((a) => a.covered).map((a) => a.ac),
    gaps: acs.filter((a) => !a.covered).map((a) => a.ac),
    risks,
    note: derived.length
      ? `AC list of ${derived.join(', ')} is not in reports/gate/stories.ts; its ACs are those its checks name.`
      : undefined,
  };
}
