// One set of rollout verdicts for the framework's waits and the checks. They follow
// `kubectl rollout status` (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go) and are stricter
// where kubectl would call a workload that serves nothing rolled out: 0 replicas (Kubernetes reports
// such a Deployment Available), a DaemonSet scheduled nowhere, Available=False, misscheduled pods.
import { ApiException } from '@kubernetes/client-node';
import { where, type ClusterHandle } from './handle.js';
import { waitFor } from './wait.js';

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

export type RolloutStatus = { done: boolean; message: string };

interface Gen {
  metadata?: { generation?: number; name?: string };
  status?: { observedGeneration?: number };
}
interface Cond {
  type: string;
  status: string;
  reason?: string;
}
// Structural shapes (what the verdicts read), so recorded objects and partial fakes fit too.
interface DeploymentLike extends Gen {
  spec?: { replicas?: number };
  status?: Gen['status'] & {
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Cond[];
  };
}
interface DaemonSetLike extends Gen {
  spec?: { updateStrategy?: { type?: string } };
  status?: Gen['status'] & {
    desiredNumberScheduled?: number;
    updatedNumberScheduled?: number;
    numberReady?: number;
    numberAvailable?: number;
    numberMisscheduled?: number;
  };
}
interface StatefulSetLike extends Gen {
  spec?: { replicas?: number; updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } } };
  status?: Gen['status'] & {
    readyReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
  };
}
function observed(o: Gen): boolean {
  return (o.metadata?.generation ?? 0) <= (o.status?.observedGeneration ?? -1);
}
const waiting = (message: string): RolloutStatus => ({ done: false, message });

/** Throws RolloutError when the Deployment exceeded its progress deadline. */
export function deploymentRolloutStatus(d: DeploymentLike): RolloutStatus {
  const name = d.metadata?.name ?? '?';
  if (!observed(d)) return waiting(`waiting for deployment "${name}" spec update to be observed`);
  const progressing = d.status?.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    throw new RolloutError(`deployment "${name}" exceeded its progress deadline`);
  }
  const want = d.spec?.replicas ?? 1;
  if (want < 1) return waiting(`scaled to ${want} replicas`);
  const updated = d.status?.updatedReplicas ?? 0;
  const replicas = d.status?.replicas ?? 0;
  const available = d.status?.availableReplicas ?? 0;
  if (updated < want) return waiting(`${updated} out of ${want} new replicas have been updated`);
  if (replicas > updated) return waiting(`${replicas - updated} old replicas are pending termination`);
  if (available < want) return waiting(`${available} of ${want} updated replicas are available`);
  const avail = d.status?.conditions?.find((c) => c.type === 'Available');
  if (avail && avail.status !== 'True') return waiting(`Available=${avail.status} (${avail.reason ?? ''})`);
  return {
    done: true,
    message: `deployment "${name}" successfully rolled out (${available}/${want} available)`,
  };
}

/** Any update strategy: with OnDelete the counts still say whether every node runs the current pod. */
export function daemonSetRolloutStatus(ds: DaemonSetLike): RolloutStatus {
  const name = ds.metadata?.name ?? '?';
  if (!observed(ds)) return waiting(`waiting for daemon set "${name}" spec update to be observed`);
  const s = ds.status;
  const desired = s?.desiredNumberScheduled ?? 0;
  if (desired < 1) return waiting(`daemon set "${name}" is scheduled on no node`);
  const updated = s?.updatedNumberScheduled ?? 0;
  const ready = s?.numberReady ?? 0;
  const available = s?.numberAvailable ?? 0;
  if (updated < desired) return waiting(`${updated} out of ${desired} new pods have been updated`);
  if (ready < desired) return waiting(`${ready} of ${desired} updated pods are ready`);
  if (available < desired) return waiting(`${available} of ${desired} updated pods are available`);
  if ((s?.numberMisscheduled ?? 0) > 0) return waiting(`${s?.numberMisscheduled} pods misscheduled`);
  return {
    done: true,
    message: `daemon set "${name}" successfully rolled out (${available}/${desired} available)`,
  };
}

export function statefulSetRolloutStatus(sts: StatefulSetLike): RolloutStatus {
  const name = sts.metadata?.name ?? '?';
  if (!observed(sts)) return waiting(`waiting for statefulset "${name}" spec update to be observed`);
  const want = sts.spec?.replicas ?? 1;
  if (want < 1) return waiting(`scaled to ${want} replicas`);
  const ready = sts.status?.readyReplicas ?? 0;
  if (ready < want) return waiting(`${ready} of ${want} pods are ready`);
  const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  const updated = sts.status?.updatedReplicas ?? 0;
  if (partition > 0) {
    if (updated < want - partition)
      return waiting(`${updated} of ${want - partition} pods updated (partition ${partition})`);
    return { done: true, message: `partitioned roll out complete: ${updated} new pods have been updated` };
  }
  if (sts.status?.updateRevision !== sts.status?.currentRevision) {
    return waiting(
      `${updated} pods at revision ${sts.status?.updateRevision ?? '?'} (current ${sts.status?.currentRevision ?? '?'})`,
    );
  }
  return {
    done: true,
    message: `statefulset "${name}" rolling update complete ${ready} pods at revision ${sts.status?.currentRevision ?? '?'}`,
  };
}

/** Why a workload is not rolled out (a fatal verdict included), for a check's poll; undefined when it is. */
export function notRolledOut(verdict: () => RolloutStatus): string | undefined {
  try {
    const v = verdict();
    return v.done ? undefined : v.message;
  } catch (e) {
    if (e instanceof RolloutError) return e.message;
    throw e;
  }
}

/** kubectl refuses to wait on a non-RollingUpdate DaemonSet/StatefulSet: nothing tells when it ends. */
function refuseStrategy(kind: string, name: string, type: string | undefined): void {
  if (type && type !== 'RollingUpdate')
    throw new RolloutError(
      `rollout status is only available for RollingUpdate strategy type (${kind} "${name}")`,
    );
}

async function readStatus(cluster: ClusterHandle, ref: RolloutRef): Promise<RolloutStatus> {
  const args = { namespace: ref.namespace, name: ref.name };
  if (ref.kind === 'Deployment')
    return deploymentRolloutStatus(await cluster.apps.readNamespacedDeployment(args));
  if (ref.kind === 'DaemonSet') {
    const ds = await cluster.apps.readNamespacedDaemonSet(args);
    refuseStrategy('daemon set', ref.name, ds.spec?.updateStrategy?.type);
    return daemonSetRolloutStatus(ds);
  }
  const sts = await cluster.apps.readNamespacedStatefulSet(args);
  refuseStrategy('statefulset', ref.name, sts.spec?.updateStrategy?.type);
  return statefulSetRolloutStatus(sts);
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
      let st: RolloutStatus;
      try {
        st = await readStatus(cluster, ref);
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
