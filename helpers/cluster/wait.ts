// Waits with explicit bounds. Every wait keeps what it saw last, so a timeout says what was awaited
// and what the cluster showed instead. Short polls (not sleeps): the first check is immediate.
import { ApiException, type KubernetesObject } from '@kubernetes/client-node';
import { WaitTimeoutError, errorText } from './errors.js';
import { where, type ClusterHandle } from './handle.js';
import { describeRef, type ObjectRef } from './objects.js';

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

/** What withTimeout rejects with: `<what>: no answer within <ms> ms`. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** p, or a TimeoutError naming what did not answer after ms (p's own later rejection is ignored). */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    t = setTimeout(() => rej(new TimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  p.catch(() => {});
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
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

export type RolloutKind = 'Deployment' | 'DaemonSet' | 'StatefulSet';
export interface RolloutRef {
  kind: RolloutKind;
  namespace: string;
  name: string;
}

/** Thrown (not retried) when a rollout cannot complete: deadline exceeded, OnDelete strategy. */
export class RolloutError extends Error {
  override name = 'RolloutError';
}

type Status = { done: boolean; message: string };

interface Gen {
  metadata?: { generation?: number };
  status?: { observedGeneration?: number };
}
function observed(o: Gen): boolean {
  return (o.metadata?.generation ?? 0) <= (o.status?.observedGeneration ?? -1);
}

/** The same verdicts as `kubectl rollout status` (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go). */
export function deploymentRolloutStatus(d: {
  metadata?: { generation?: number; name?: string };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Condition[];
  };
}): Status {
  const name = d.metadata?.name ?? '?';
  if (!observed(d))
    return { done: false, message: `waiting for deployment "${name}" spec update to be observed` };
  const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    throw new RolloutError(`deployment "${name}" exceeded its progress deadline`);
  }
  const want = d.spec?.replicas ?? 1;
  const updated = d.status?.updatedReplicas ?? 0;
  const replicas = d.status?.replicas ?? 0;
  const available = d.status?.availableReplicas ?? 0;
  if (updated < want)
    return { done: false, message: `${updated} out of ${want} new replicas have been updated` };
  if (replicas > updated)
    return { done: false, message: `${replicas - updated} old replicas are pending termination` };
  if (available < updated)
    return { done: false, message: `${available} of ${updated} updated replicas are available` };
  return {
    done: true,
    message: `deployment "${name}" successfully rolled out (${available}/${want} available)`,
  };
}

export function daemonSetRolloutStatus(ds: {
  metadata?: { generation?: number; name?: string };
  spec?: { updateStrategy?: { type?: string } };
  status?: {
    observedGeneration?: number;
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}): Status {
  const name = ds.metadata?.name ?? '?';
  if (ds.spec?.updateStrategy?.type && ds.spec.updateStrategy.type !== 'RollingUpdate') {
    throw new RolloutError(
      `rollout status is only available for RollingUpdate strategy type (daemon set "${name}")`,
    );
  }
  if (!observed(ds))
    return { done: false, message: `waiting for daemon set "${name}" spec update to be observed` };
  const desired = ds.status?.desiredNumberScheduled ?? 0;
  const updated = ds.status?.updatedNumberScheduled ?? 0;
  const available = ds.status?.numberAvailable ?? 0;
  if (updated < desired)
    return { done: false, message: `${updated} out of ${desired} new pods have been updated` };
  if (available < desired)
    return { done: false, message: `${available} of ${desired} updated pods are available` };
  return {
    done: true,
    message: `daemon set "${name}" successfully rolled out (${available}/${desired} available)`,
  };
}

export function statefulSetRolloutStatus(sts: {
  metadata?: { generation?: number; name?: string };
  spec?: { replicas?: number; updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } } };
  status?: {
    observedGeneration?: number;
    readyReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}): Status {
  const name = sts.metadata?.name ?? '?';
  const strategy = sts.spec?.updateStrategy;
  if (strategy?.type && strategy.type !== 'RollingUpdate') {
    throw new RolloutError(
      `rollout status is only available for RollingUpdate strategy type (statefulset "${name}")`,
    );
  }
  if (!observed(sts))
    return { done: false, message: `waiting for statefulset "${name}" spec update to be observed` };
  const want = sts.spec?.replicas ?? 1;
  const ready = sts.status?.readyReplicas ?? 0;
  if (ready < want) return { done: false, message: `${ready} of ${want} pods are ready` };
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    const updated = sts.status?.updatedReplicas ?? 0;
    if (updated < want - partition)
      return {
        done: false,
        message: `${updated} of ${want - partition} pods updated (partition ${partition})`,
      };
    return { done: true, message: `partitioned roll out complete: ${updated} new pods have been updated` };
  }
  if (sts.status?.updateRevision !== sts.status?.currentRevision) {
    return {
      done: false,
      message: `${sts.status?.updatedReplicas ?? 0} pods at revision ${sts.status?.updateRevision ?? '?'} (current ${sts.status?.currentRevision ?? '?'})`,
    };
  }
  return {
    done: true,
    message: `statefulset "${name}" rolling update complete ${ready} pods at revision ${sts.status?.currentRevision ?? '?'}`,
  };
}

/** Waits until a Deployment/DaemonSet/StatefulSet rollout is complete, like `kubectl rollout status`. */
export async function waitForRollout(
  cluster: ClusterHandle,
  ref: RolloutRef,
  timeoutMs = 120_000,
): Promise<string> {
  const label = `rollout of ${ref.kind} ${ref.namespace}/${ref.name} on ${where(cluster)}`;
  let fatal: RolloutError | undefined;
  const message = await waitFor<string>(
    label,
    async () => {
      let st: Status;
      try {
        const args = { namespace: ref.namespace, name: ref.name };
        if (ref.kind === 'Deployment')
          st = deploymentRolloutStatus(await cluster.apps.readNamespacedDeployment(args));
        else if (ref.kind === 'DaemonSet')
          st = daemonSetRolloutStatus(await cluster.apps.readNamespacedDaemonSet(args));
        else st = statefulSetRolloutStatus(await cluster.apps.readNamespacedStatefulSet(args));
      } catch (err) {
        if (err instanceof RolloutError) {
          fatal = err;
          return { done: true, value: '' };
        }
        if (err instanceof ApiException && err.code === 404)
          return { done: false, seen: `${ref.kind} ${ref.namespace}/${ref.name} not found` };
        throw err;
      }
      return st.done ? { done: true, value: st.message } : { done: false, seen: st.message };
    },
    { timeoutMs },
  );
  if (fatal) throw new RolloutError(`${label}: ${fatal.message}`);
  return message;
}
