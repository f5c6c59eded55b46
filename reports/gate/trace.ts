// Traceability per item (AC bullet, test-design scenario, risk-profile test) x cluster, and per risk.
// An item is covered when every check naming it passed on every cluster its scope names ("both":
// every cluster of the environment); one passing check never covers a whole AC. A risk is passed
// only when all its checks ran and passed. Every item and risk of a story appears, checked or not.
import type { ManifestCheck } from '../junit/manifest.js';
import type { ItemScope, Risk, StoryInfo, TraceItem } from '../../helpers/trace/catalogue.js';
import { checkKey, type CheckResult, type Outcome } from './model.js';
import { findWaiver, type Waiver } from './waivers.js';

export type CellOutcome = Outcome | 'waived';

export interface AcTrace {
  /** `AC2.8` in a story gate, `STORY-ID:AC2.8` in the platform gate. */
  ac: string;
  story: string;
  /** Undefined for a ref some check names that the catalogue does not know (another tool's JUnit). */
  item?: TraceItem;
  /** The clusters it must pass on (empty: any one). */
  required: string[];
  checks: { key: string; outcome: CellOutcome }[];
  covered: boolean;
  /** Not applicable (the seed says so) or the gate's own rule: neither covered nor a gap. */
  na: boolean;
  /** Why it is a gap. */
  gap?: string;
}

export interface RiskTrace {
  /** `STORY-ID:RISK` in the platform gate, the profile's id in a story gate. */
  risk: string;
  story: string;
  title?: string;
  level?: Risk['level'];
  checks: { key: string; outcome: CellOutcome }[];
  /**
   * `not-run`: a check of it was skipped (or, in a story gate, not selected); `not-selected`: the
   * platform gate's selection holds none of its checks; `no-check`: nothing in the catalogue verifies it.
   */
  status: 'passed' | 'failed' | 'waived' | 'not-run' | 'not-selected' | 'no-check';
}

export interface StoryTrace {
  acs: AcTrace[];
  covered: string[];
  gaps: string[];
  risks: RiskTrace[];
  note?: string;
}

export interface TraceContext {
  /** The environment's clusters (a "both" item must pass on each). */
  clusters: string[];
  /** Every check x cluster the run's catalogue manifest declares, selected or not. */
  declared: ManifestCheck[];
  /** Why the run itself is not trustworthy (an unproven cluster, a cut-short run): framework items fail. */
  runProblems: string[];
  /**
   * The platform gate's scope is the selection: a check the run did not select leaves its risk out
   * of the decision (it still leaves items uncovered, "not selected"). A story gate's scope is every
   * check of the story, so there a risk whose check was not selected is not-run.
   */
  selectionIsScope?: boolean;
}

export function cellOutcome(c: CheckResult, waivers: Waiver[]): CellOutcome {
  if (c.outcome === 'failed' && findWaiver(waivers, c)) return 'waived';
  return c.outcome;
}

const KIND_GAP: Record<string, string> = {
  external: 'needs an external system: no check in this catalogue',
  procedure: 'procedure or document: not verified by a run',
  'pre-deployment': 'pre-deployment item: verified before deployment, not by a run',
};

function requiredClusters(scope: ItemScope, clusters: string[]): string[] {
  if (scope === 'both') return clusters;
  if (scope === 'any') return [];
  return clusters.includes(scope) ? [scope] : [];
}

const list = (xs: string[], max = 4) =>
  xs.length > max ? `${xs.slice(0, max).join(', ')} and ${xs.length - max} more` : xs.join(', ');

function itemTrace(
  s: StoryInfo | undefined,
  storyId: string,
  ref: string,
  label: string,
  results: CheckResult[],
  declared: ManifestCheck[],
  ctx: TraceContext,
  waivers: Waiver[],
): AcTrace {
  const full = `${storyId}:${ref}`;
  const item = s?.items.find((i) => i.id === ref);
  const naming = results.filter((c) => c.ac.includes(full));
  const checks = naming.map((c) => ({ key: checkKey(c), outcome: cellOutcome(c, waivers) }));
  const required = requiredClusters(item?.scope ?? 'any', ctx.clusters);
  const base = { ac: label, story: storyId, item, required, checks, na: false };
  if (item?.kind === 'n/a' || item?.kind === 'gate') return { ...base, covered: false, na: true };
  if (item?.kind === 'framework' && !naming.length) {
    const gap = ctx.runProblems.length
      ? `framework: ${ctx.runProblems[0]}`
      : ctx.clusters.length === 0
        ? 'framework: no proven cluster in the run'
        : undefined;
    return { ...base, covered: !gap, gap };
  }
  const named = declared.filter((d) => (d.ac ?? []).includes(full));
  if (!naming.length && !named.length)
    return { ...base, covered: false, gap: (item && KIND_GAP[item.kind]) ?? 'no check' };

  const bad = checks.filter((c) => c.outcome === 'failed' || c.outcome === 'waived');
  if (bad.length)
    return {
      ...base,
      covered: false,
      gap: `failed: ${list(bad.map((b) => (b.outcome === 'waived' ? `${b.key} (waived)` : b.key)))}`,
    };
  // per cluster: every check naming the item there ran and passed, and none declared there was left out
  const onCluster = (cl: string) => {
    const here = naming.filter((c) => c.cluster === cl);
    const left = named.filter((d) => d.cluster === cl && !d.selected);
    const skipped = here.filter((c) => c.outcome === 'skipped');
    if (skipped.length)
      return `skipped: ${list(
        skipped.map((c) => `${checkKey(c)}${c.skipReason ? ` (${c.skipReason})` : ''}`),
        2,
      )}`;
    if (left.length)
      return `not selected: ${list(
        left.map((d) => `${d.id}@${d.cluster}${d.why ? ` (${d.why})` : ''}`),
        2,
      )}`;
    if (!here.length) return `not run on ${cl}`;
    return undefined;
  };
  if (required.length) {
    const why = required.map((cl) => onCluster(cl)).filter((w): w is string => !!w);
    return { ...base, covered: !why.length, gap: why.length ? why.join('; ') : undefined };
  }
  // any one cluster: at least one where all of them passed (a skip elsewhere is not a failure)
  const clusters = [...new Set([...naming.map((c) => c.cluster), ...named.map((d) => d.cluster)])];
  const verdicts = clusters.map((cl) => onCluster(cl));
  const ok = verdicts.some((v) => v === undefined);
  return {
    ...base,
    covered: ok,
    gap: ok ? undefined : verdicts.filter(Boolean).join('; ') || 'no check ran',
  };
}

function riskTrace(
  storyId: string,
  risk: Risk | undefined,
  id: string,
  label: string,
  results: CheckResult[],
  declared: ManifestCheck[],
  waivers: Waiver[],
  selectionIsScope: boolean,
): RiskTrace {
  const full = `${storyId}:${id}`;
  const naming = results.filter((c) => c.risks.includes(full));
  const checks = naming.map((c) => ({ key: checkKey(c), outcome: cellOutcome(c, waivers) }));
  const notSelected = declared.filter((d) => (d.risks ?? []).includes(full) && !d.selected);
  const status: RiskTrace['status'] = checks.some((c) => c.outcome === 'failed')
    ? 'failed'
    : checks.some((c) => c.outcome === 'waived')
      ? 'waived'
      : !checks.length && !notSelected.length
        ? 'no-check'
        : !checks.length && selectionIsScope
          ? 'not-selected'
          : checks.some((c) => c.outcome === 'skipped') ||
              !checks.length ||
              (!selectionIsScope && notSelected.length)
            ? 'not-run'
            : 'passed';
  return { risk: label, story: storyId, title: risk?.title, level: risk?.level, checks, status };
}

/**
 * Trace the stories in scope (one story, or every story of the catalogue for the platform gate:
 * ids then read `STORY-ID:AC2.8`). `inputChecks` are the results in scope of the gate.
 */
export function traceStories(
  stories: StoryInfo[],
  inputChecks: CheckResult[],
  waivers: Waiver[],
  ctx: TraceContext,
): StoryTrace {
  // Input order depends on JUnit file order (and shard split): sort for a stable trace.
  const checks = [...inputChecks].sort((a, b) => checkKey(a).localeCompare(checkKey(b)));
  const prefixed = stories.length !== 1;
  const label = (story: string, ref: string) => (prefixed ? `${story}:${ref}` : ref);
  const acs: AcTrace[] = [];
  const risks: RiskTrace[] = [];
  const unknown: string[] = [];
  for (const s of stories) {
    for (const i of s.items)
      acs.push(itemTrace(s, s.id, i.id, label(s.id, i.id), checks, ctx.declared, ctx, waivers));
    for (const r of s.risks)
      risks.push(
        riskTrace(s.id, r, r.id, label(s.id, r.id), checks, ctx.declared, waivers, !!ctx.selectionIsScope),
      );
    // refs the catalogue does not know (JUnit of an older catalogue or another tool): shown, never covering
    const refs = (xs: (c: CheckResult) => string[]) =>
      [...new Set(checks.flatMap(xs))]
        .filter((r) => r.startsWith(`${s.id}:`))
        .map((r) => r.slice(s.id.length + 1));
    for (const ref of refs((c) => c.ac).filter((r) => !s.items.some((i) => i.id === r))) {
      unknown.push(`${s.id}:${ref}`);
      const t = itemTrace(s, s.id, ref, label(s.id, ref), checks, ctx.declared, ctx, waivers);
      acs.push({ ...t, covered: false, gap: `not an item of ${s.id} in helpers/trace/stories` });
    }
    for (const ref of refs((c) => c.risks).filter((r) => !s.risks.some((x) => x.id === r)))
      unknown.push(`${s.id}:${ref}`);
  }
  const gaps = acs.filter((a) => !a.covered && !a.na);
  return {
    acs,
    covered: acs.filter((a) => a.covered).map((a) => a.ac),
    gaps: gaps.map((a) => a.ac),
    risks,
    note: unknown.length
      ? `Refs not in helpers/trace/stories (never covering): ${list(unknown, 6)}.`
      : undefined,
  };
}
