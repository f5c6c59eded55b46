// Fakes of the check fixtures the probes take (run, evidence) for the unit tests of helpers/probes:
// what a probe attaches, sweeps and registers for removal is recorded, so a test can show it.
import type { CheckEvidence, RunContext } from '../../../helpers/check/index.js';
import { newRunId, runNamespaceName, runOwnedName } from '../../../helpers/run/ids.js';
import type { SweepRecord } from '../../../helpers/run/sweep-owned.js';

/** A run whose names are runOwnedName's; `pending` holds the removals registered and not released. */
export function fakeRun(id = newRunId()) {
  const pending = new Map<string, () => unknown>();
  const run: RunContext = {
    id,
    name: (prefix) => runOwnedName(id, prefix),
    namespace: async () => runNamespaceName(id),
    namespaceOn: async () => runNamespaceName(id),
    cleanup: (description, fn) => {
      pending.set(description, fn);
      return () => pending.delete(description);
    },
  };
  return { run, pending };
}

/** Evidence that keeps each attachment by name (status by `status <name>`) and each sweep by kind. */
export function fakeEvidence() {
  const attached: Record<string, unknown> = {};
  const swept: Record<string, SweepRecord> = {};
  const evidence = {
    status: (o: { metadata?: { name?: string } }, name?: string) =>
      (attached[name ?? `status ${o.metadata?.name}`] = o),
    json: (name: string, v: unknown) => (attached[name] = v),
    text: (name: string, v: string) => (attached[name] = v),
    metric: (name: string, v: number) => (attached[`metric ${name}`] = v),
    swept: (kind: string, r: SweepRecord) => (swept[kind] = r),
  } as unknown as CheckEvidence;
  return { evidence, attached, swept };
}

/** A run id that started `hours` ago (older than the default 180 min TTL when hours > 3). */
export function runIdHoursAgo(hours: number): string {
  return newRunId(new Date(Date.now() - hours * 3_600_000));
}

/** The failure of `p` as the JUnit shows it: the message, with the seen value vitest truncates. */
export async function failure(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    const err = e as { message: string; actual?: unknown };
    return err.actual === undefined ? err.message : `${err.message}\nactual: ${JSON.stringify(err.actual)}`;
  }
  throw new Error('it passed');
}
