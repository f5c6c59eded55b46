// One gate evaluation: a scope (a story, or the whole platform) of a loaded run, with waivers.
import { assessEvidence } from './evidence.js';
import type { CheckResult } from './model.js';
import { validateNfr, type NfrValidation } from './nfr.js';
import { decide, runConcerns, runProblems, type Decision } from './rule.js';
import { completenessProblems, declaredChecks, declaredP0, scopeGaps } from './completeness.js';
import type { LoadedRun } from './run.js';
import { findStory, PLATFORM_STORY, STORIES, type StoryInfo } from '../../helpers/trace/catalogue.js';
import { traceStories, type RiskTrace, type StoryTrace } from './trace.js';
import type { Waiver } from './waivers.js';

export interface Evaluation {
  story: string;
  storyTitle: string;
  checks: CheckResult[];
  decision: Decision;
  trace: StoryTrace;
  nfr: NfrValidation;
}

/** The stories checks of the run credit, in STORIES order then by name. */
export function storiesInRun(checks: CheckResult[]): string[] {
  const named = [...new Set(checks.flatMap((c) => c.stories))];
  const order = (s: string) => {
    const i = STORIES.findIndex((x) => x.id === s);
    return i < 0 ? STORIES.length : i;
  };
  return named.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
}

function storyInfo(id: string): StoryInfo {
  return (
    findStory(id) ?? {
      id,
      alias: id,
      title: id,
      items: [],
      risks: [],
      source: 'not in helpers/trace/stories',
    }
  );
}

const HIGH = new Set(['critical', 'high']);

/** The seed's "critical risks not mitigated": a high risk whose check failed is NO-GO, one not run is not GO. */
function riskFindings(risks: RiskTrace[]): { fail: string[]; concerns: string[] } {
  const high = risks.filter((r) => r.level && HIGH.has(r.level));
  const name = (r: RiskTrace) => `${r.risk} (${r.level}: ${r.title ?? ''})`;
  const failed = high.filter((r) => r.status === 'failed');
  const notRun = high.filter((r) => r.status === 'not-run');
  return {
    fail: failed.length ? [`High risk not mitigated, its check failed: ${failed.map(name).join('; ')}.`] : [],
    concerns: notRun.length
      ? [
          `High risk${notRun.length > 1 ? 's' : ''} not shown mitigated, a check of ${notRun.length > 1 ? 'each' : 'it'} did not run: ${notRun
            .map(
              (r) =>
                `${name(r)} [${
                  r.checks
                    .filter((c) => c.outcome === 'skipped')
                    .map((c) => c.key)
                    .join(', ') || 'not selected'
                }]`,
            )
            .join('; ')}.`,
        ]
      : [],
  };
}

/** The clusters of the run's environment (a "both" item must pass on each). */
function environmentClusters(run: LoadedRun): string[] {
  const sel = (r: (typeof run.runs)[number]) =>
    (r.runJson?.selection as { environmentClusters?: string[]; projects?: string[] } | undefined) ?? {};
  const env = run.runs.flatMap((r) => sel(r).environmentClusters ?? sel(r).projects ?? []);
  return [...new Set(env.length ? env : run.checks.map((c) => c.cluster))].sort();
}

export function evaluate(run: LoadedRun, story: string, waivers: Waiver[]): Evaluation {
  const platform = story === PLATFORM_STORY;
  const checks = platform
    ? run.checks
    : run.checks.filter((c) => c.stories.some((s) => s.toUpperCase() === story.toUpperCase()));
  // the platform gate traces every story of the catalogue, so an item no check names shows as a gap
  const stories = platform
    ? [...new Set([...STORIES.map((s) => s.id), ...storiesInRun(run.checks)])].map(storyInfo)
    : [storyInfo(story)];
  const evidence = assessEvidence(run.runs, checks);
  const problems = [...runProblems(run.runs), ...completenessProblems(run)];
  const concerns = runConcerns(run.runs);
  if (!platform) {
    // a story's scope is every check of the story the run declares, not only those it selected
    const gaps = scopeGaps(run, story);
    if (gaps.length) {
      const byWhy = new Map<string, string[]>();
      for (const g of gaps)
        byWhy.set(g.why, [...(byWhy.get(g.why) ?? []), `${g.check.id}@${g.check.cluster}`]);
      concerns.push(
        `${gaps.length} check(s) of ${story} did not run: ${[...byWhy].map(([why, ids]) => `${ids.slice(0, 6).join(', ')}${ids.length > 6 ? ` and ${ids.length - 6} more` : ''} (${why})`).join('; ')}.`,
      );
    }
    // clusters of the environment no run dir of this run covered (a CI matrix splits them per job)
    const sel = (r: (typeof run.runs)[number]) =>
      (r.runJson?.selection as { environmentClusters?: string[]; projects?: string[] } | undefined) ?? {};
    const covered = new Set(run.runs.flatMap((r) => sel(r).projects ?? []));
    const left = [...new Set(run.runs.flatMap((r) => sel(r).environmentClusters ?? []))].filter(
      (c) => !covered.has(c),
    );
    if (left.length)
      concerns.push(
        `Cluster(s) ${left.join(', ')} of environment ${String(run.runs[0]?.runJson?.env ?? '?')} were not in run ${run.runs[0]?.runId ?? '?'} (--project): the story's checks there did not run.`,
      );
    const executedP0 = checks.filter((c) => c.priority === 'P0' && c.outcome !== 'skipped').length;
    if (declaredP0(run, story) > 0 && executedP0 === 0)
      problems.push(`no P0 check of ${story} ran, though the catalogue declares ${declaredP0(run, story)}`);
  }
  const trace = traceStories(stories, checks, waivers, {
    clusters: environmentClusters(run),
    declared: declaredChecks(run),
    runProblems: [...problems],
    selectionIsScope: platform,
  });
  const risk = riskFindings(trace.risks);
  const decision = decide(
    checks,
    waivers,
    evidence,
    problems,
    [...new Set([...concerns, ...risk.concerns])],
    risk.fail,
  );
  // The rule does not weigh trace gaps, but a signer must see them next to a green decision.
  if ((decision.gate === 'PASS' || decision.gate === 'WAIVED') && trace.gaps.length) {
    const list =
      trace.gaps.length > 6
        ? `${trace.gaps.slice(0, 6).join(', ')} and ${trace.gaps.length - 6} more`
        : trace.gaps.join(', ');
    decision.reasons.push(`Not traced to a passing check: ${list}.`);
  }
  return {
    story: platform ? PLATFORM_STORY : stories[0]!.id,
    storyTitle: platform ? 'Platform validation: every check of the run' : stories[0]!.title,
    checks,
    decision,
    trace,
    nfr: validateNfr(checks, waivers),
  };
}
