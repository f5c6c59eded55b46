// One gate evaluation: a scope (a story, or the whole platform) of a loaded run, with waivers.
import { assessEvidence } from './evidence.js';
import type { CheckResult } from './model.js';
import { validateNfr, type NfrValidation } from './nfr.js';
import { decide, runProblems, type Decision } from './rule.js';
import type { LoadedRun } from './run.js';
import { findStory, PLATFORM_STORY, STORIES, type StoryInfo } from './stories.js';
import { traceStories, type StoryTrace } from './trace.js';
import type { Waiver } from './waivers.js';

export interface Evaluation {
  story: string;
  storyTitle: string;
  checks: CheckResult[];
  decision: Decision;
  trace: StoryTrace;
  nfr: NfrValidation;
}

/** The stories checks of the run name, in STORIES order then by name. */
export function storiesInRun(checks: CheckResult[]): string[] {
  const named = [...new Set(checks.map((c) => c.story).filter((s): s is string => !!s))];
  const order = (s: string) => {
    const i = STORIES.findIndex((x) => x.id === s);
    return i < 0 ? STORIES.length : i;
  };
  return named.sort((a, b) => order(a) - order(b) || a.localeCompare(b));
}

function storyInfo(id: string): StoryInfo {
  return findStory(id) ?? { id, title: id, acs: [], risks: [], source: 'not in reports/gate/stories.ts' };
}

export function evaluate(run: LoadedRun, story: string, waivers: Waiver[]): Evaluation {
  const platform = story === PLATFORM_STORY;
  const checks = platform
    ? run.checks
    : run.checks.filter((c) => c.story?.toUpperCase() === story.toUpperCase());
  const stories = platform ? storiesInRun(run.checks).map(storyInfo) : [storyInfo(story)];
  const evidence = assessEvidence(run.runs, checks);
  const decision = decide(checks, waivers, evidence, runProblems(run.runs));
  const trace = traceStories(stories, checks, waivers);
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
