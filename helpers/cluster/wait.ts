// Waits with explicit bounds. Every wait keeps what it saw last, so a timeout says what was awaited
// and what the cluster showed instead. Short polls (not sleeps): the first check is immediate.
import { ApiException, type KubernetesObject } from '@kubernetes/client-node';
import { WaitTimeoutError, errorText } from './errors.js';
import { where, type ClusterHandle } from './handle.js';
import { describeRef, type ObjectRef } from './objects.js';
import { TimeoutError, withTimeout } from './timeout.js';

export { TimeoutError, withTimeout } from './timeout.js';

export type Probe<T> = { done: true; value: T; seen?: unknown } | { done: false; seen: unknown };

/**
 * Poll interval for objects a check creates and waits on (a PVC binding, its own pods becoming Ready):
 * they converge within a second or two, so a 1 s poll wasted most of a check's wall time (pnpm bench
 * catalogue); reads by name, so a short interval costs the API server little.
 */
export const CONVERGE_POLL_MS = 250;

export interface WaitOptions {
  timeoutMs: number;
  intervalMs?: number;
}

function show(seen: unknown): string {
  if (seen === undefined) return 'nothing (no probe completed)';
  if (typeof seen === 'string') return seen;
  try {
    const s = JSON.stringify(seen);
    return s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
  } catch {
    return String(seen);
  }
}

/**
 * Polls `probe` until it reports done or `timeoutMs` passes. A probe that throws counts as "not yet"
 * with the error as last seen (e.g. the object does not exist yet). Rejects with WaitTimeoutError.
 */
export async function waitFor<T>(
  describe: string,
  probe: () => Promise<Probe<T>> | Probe<T>,
  o: WaitOptions,
): Promise<T> {
  const interval = o.intervalMs ?? Math.min(1000, Math.max(50, Math.floor(o.timeoutMs / 20)));
  const deadline = Date.now() + o.timeoutMs;
  let lastSeen: unknown;
  let attempts = 0;
  for (;;) {
    attempts++;
    const remaining = deadline - Date.now();
    try {
      // a probe that hangs must not outlive the wait
      const r = await withTimeout(Promise.resolve().then(probe), Math.max(remaining, 1), describe);
      if (r.done) return r.value;
      lastSeen = r.seen;
    } catch (err) {
      lastSeen =
        err instanceof TimeoutError
          ? (lastSeen ?? 'the probe did not answer in time')
          : `error: ${errorText(err)}`;
    }
    if (Date.now() + interval > deadline) {
      throw new WaitTimeoutError(
        `timed out after ${o.timeoutMs} ms waiting for ${describe} (${attempts} checks); last seen: ${show(lastSeen)}`,
        describe,
        lastSeen,
      );
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
function conditionsOf(obj: KubernetesObject): Condition[] {
  const c = (obj as { status?: { conditions?: Condition[] } }).status?.conditions;
  return Array.isArray(c) ? c : [];
}
function summarize(conds: Condition[]): string {
  if (!conds.length) return 'no status.conditions';
  return conds
    .map(
      (c) => `${c.type}=${c.status}${c.reason ? ` (${c.reason}${c.message ? `: ${c.message}` : ''})` : ''}`,
    )
    .join('; ');
}

async function readRef(cluster: ClusterHandle, ref: ObjectRef): Promise<KubernetesObject> {
  if (!ref.apiVersion) throw new Error(`${describeRef(ref)}: apiVersion is required`);
  return cluster.objects.read({
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  });
}

/** Waits until the object's status.conditions has `type` with status "True". Works for any kind. */
export async function waitForCondition(
  cluster: ClusterHandle,
  ref: ObjectRef,
  type = 'Ready',
  timeoutMs = 60_000,
): Promise<KubernetesObject> {
  return waitFor<KubernetesObject>(
    `${describeRef(ref)} condition ${type}=True on ${where(cluster)}`,
    async () => {
      let obj: KubernetesObject;
      try {
        obj = await readRef(cluster, ref);
      } catch (err) {
        if (err instanceof ApiException && err.code === 404)
          return { done: false, seen: `${describeRef(ref)} not found` };
        throw err;
      }
      const conds = conditionsOf(obj);
      const c = conds.find((x) => x.type === type);
      if (c?.status === 'True') return { done: true, value: obj };
      return { done: false, seen: summarize(conds) };
    },
    { timeoutMs },
  );
}
