// The run's verdict: one pure function of what happened. Green ("passed", exit 0) only when checks ran,
// none failed, every cluster was proven, vitest itself saw no failure, and cleanup removed everything.
import type { CleanupOutcome, PvIdentity } from '../helpers/check/context.js';
import type { RunSummary } from '../reports/junit/reporter.js';

export type Outcome = 'passed' | 'failed' | 'interrupted' | 'error';

export interface OutcomeInputs {
  /** vitest could not start or threw (its message, redacted) */
  startError?: string;
  interrupted: boolean;
  /** The reporter's summary; undefined when vitest never reached the end of a run. */
  summary?: RunSummary;
  identities: Record<string, PvIdentity>;
  cleanup: Record<string, CleanupOutcome>;
  /** Failures vitest's own state shows (failed files, errors), independent of the reporter. */
  vitestFailures: string[];
  projects: string[];
  grep?: string;
}

export interface Verdict {
  outcome: Outcome;
  reasons: string[];
}

export function decideOutcome(i: OutcomeInputs): Verdict {
  const s = i.summary;
  const reasons: string[] = [];
  if (i.startError) reasons.push(`vitest failed: ${i.startError}`);
  if (i.interrupted) reasons.push('interrupted');
  const ran = s ? s.totals.passed + s.totals.failed : 0;
  if (!s) reasons.push('no test run happened (see the error above)');
  else {
    if (ran === 0 && !i.interrupted) {
      reasons.push(
        `zero checks selected (projects: ${i.projects.join(', ')}${i.grep ? `, --grep "${i.grep}"` : ''}${s.totals.excludedDisruptive ? `, ${s.totals.excludedDisruptive} disruptive excluded` : ''})`,
      );
    }
    for (const [name, id] of Object.entries(i.identities)) {
      if (!id.ok) reasons.push(`cluster ${name}: ${id.error}`);
    }
    if (s.totals.failed) reasons.push(`${s.totals.failed} check(s) failed`);
    reasons.push(
      ...s.catalogueErrors,
      ...s.collectionErrors.map((c) => `collection: ${c}`),
      ...s.frameworkErrors.map((c) => `framework: ${c}`),
      ...s.unhandledErrors.map((u) => `unhandled: ${u}`),
    );
  }
  // belt and braces: what vitest itself counts as failed, if the reporter missed it
  if (s && !s.totals.failed && i.vitestFailures.length) {
    reasons.push(...i.vitestFailures.map((f) => `vitest: ${f}`));
  }
  for (const [name, c] of Object.entries(i.cleanup)) {
    if (!c.ok) reasons.push(`cleanup on ${name} failed; may be left: ${c.leftovers.join(', ')}`);
  }
  return { outcome: outcomeOf(i, ran, reasons), reasons };
}

/**
 * The outcome from the reasons gathered: an interruption wins; a run that never happened (vitest did
 * not start, or no summary) is an error; reasons without a single check run are an error (nothing was
 * tested), reasons with checks run a failure; no reason at all is a pass.
 */
function outcomeOf(i: OutcomeInputs, ran: number, reasons: string[]): Outcome {
  if (i.interrupted) return 'interrupted';
  if (!i.summary || i.startError) return 'error';
  if (!reasons.length) return 'passed';
  return ran === 0 ? 'error' : 'failed';
}

export function exitCode(outcome: Outcome, interruptCode: number): number {
  return outcome === 'passed' ? 0 : outcome === 'interrupted' ? interruptCode : 1;
}
