// Cleanup registry of this process: callers register what they created (a Redis key, a Kafka topic, a
// schema subject, a registry repository); it runs at the end of the run, on failure and on signals.
// Last registered runs first; each step is bounded; one failing step does not stop the others.
import { errorText } from '../cluster/errors.js';

export interface CleanupStep {
  description: string;
  cluster?: string;
  fn: () => Promise<unknown> | unknown;
}

const steps: CleanupStep[] = [];

/** Registers a cleanup; returns a function that unregisters it (when the caller removed the thing itself). */
export function registerCleanup(
  cluster: { name: string } | string | undefined,
  description: string,
  fn: () => Promise<unknown> | unknown,
): () => void {
  const step: CleanupStep = {
    description,
    cluster: typeof cluster === 'string' ? cluster : cluster?.name,
    fn,
  };
  steps.push(step);
  return () => {
    const i = steps.indexOf(step);
    if (i >= 0) steps.splice(i, 1);
  };
}

export function pendingCleanups(cluster?: string): CleanupStep[] {
  return steps.filter((s) => cluster === undefined || s.cluster === cluster || s.cluster === undefined);
}

export interface CleanupReport {
  done: string[];
  failed: { description: string; error: string }[];
}

/**
 * Runs (and removes) the registered cleanups of `cluster` (all when undefined; steps registered without a
 * cluster always run), newest first, each bounded by `stepTimeoutMs`.
 */
export async function runCleanups(
  cluster?: { name: string } | string,
  stepTimeoutMs = 30_000,
): Promise<CleanupReport> {
  const name = typeof cluster === 'string' ? cluster : cluster?.name;
  const mine = steps
    .filter((s) => name === undefined || s.cluster === name || s.cluster === undefined)
    .reverse();
  for (const s of mine) steps.splice(steps.indexOf(s), 1);
  const report: CleanupReport = { done: [], failed: [] };
  for (const s of mine) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(s.fn),
        new Promise((_, rej) => {
          timer = setTimeout(() => rej(new Error(`no result within ${stepTimeoutMs} ms`)), stepTimeoutMs);
        }),
      ]);
      report.done.push(s.description);
    } catch (e) {
      report.failed.push({ description: s.description, error: errorText(e) });
    } finally {
      clearTimeout(timer);
    }
  }
  return report;
}

let signalsInstalled = false;
/**
 * Opt-in for standalone processes (scripts, the lab tests): on SIGINT/SIGTERM run `onSignal` (bounded to
 * `timeoutMs`), then exit with 128+signal. The test runner installs its own handlers instead.
 */
export function installSignalCleanup(onSignal: () => Promise<unknown>, timeoutMs = 15_000): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  const handler = (sig: NodeJS.Signals) => {
    const code = sig === 'SIGINT' ? 130 : 143;
    const t = setTimeout(() => process.exit(code), timeoutMs);
    t.unref();
    void Promise.resolve()
      .then(onSignal)
      .catch(() => undefined)
      .finally(() => process.exit(code));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
}
