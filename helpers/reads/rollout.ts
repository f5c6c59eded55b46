/** Wait until workloads are rolled out (and Deployments Available), attaching their status as evidence. */
import { settleMs } from '../config/settle.js';
import { expect } from 'vitest';
import type { Evidence } from '../evidence/index.js';
import {
  daemonSetRolloutStatus,
  deploymentRolloutStatus,
  notRolledOut,
  statefulSetRolloutStatus,
  type RolloutKind,
} from '../cluster/rollout.js';
import { isNotFound, type ClusterHandle } from './k8s.js';

/** The workloads of one namespace a check waits for, by kind. */
export interface Workloads {
  namespace: string;
  deployments?: readonly string[];
  daemonSets?: readonly string[];
  statefulSets?: readonly string[];
}

/** Why one workload is not rolled out (undefined when it is), read by its counts whatever its strategy. */
async function notRolledOutYet(
  cluster: ClusterHandle,
  kind: RolloutKind,
  namespace: string,
  name: string,
  evidence: Pick<Evidence, 'status'>,
): Promise<string | undefined> {
  const args = { namespace, name };
  if (kind === 'Deployment') {
    const d = await cluster.apps.readNamespacedDeployment(args);
    evidence.status(d);
    return notRolledOut(() => deploymentRolloutStatus(d));
  }
  if (kind === 'DaemonSet') {
    const ds = await cluster.apps.readNamespacedDaemonSet(args);
    evidence.status(ds);
    return notRolledOut(() => daemonSetRolloutStatus(ds));
  }
  const sts = await cluster.apps.readNamespacedStatefulSet(args);
  evidence.status(sts);
  return notRolledOut(() => statefulSetRolloutStatus(sts));
}

/**
 * Polls (bounded) until every workload named is rolled out. The message lists each one that is not:
 * `<ns>/<name>: <why>` (`<ns>/<name>: <Kind> not found` when missing), under "Deployments not rolled
 * out in <ns>" when only Deployments are named, "workloads not rolled out in <ns>" otherwise.
 */
export async function waitForWorkloads(
  cluster: ClusterHandle,
  w: Workloads,
  evidence: Pick<Evidence, 'status'>,
  timeoutMs: number,
): Promise<void> {
  const refs: [RolloutKind, string][] = [
    ...(w.deployments ?? []).map((n): [RolloutKind, string] => ['Deployment', n]),
    ...(w.daemonSets ?? []).map((n): [RolloutKind, string] => ['DaemonSet', n]),
    ...(w.statefulSets ?? []).map((n): [RolloutKind, string] => ['StatefulSet', n]),
  ];
  // nothing named would pass by iterating nothing
  if (refs.length === 0) throw new Error(`no workload named in namespace ${w.namespace}: nothing to check`);
  const what = refs.every(([k]) => k === 'Deployment') ? 'Deployments' : 'workloads';
  await expect
    .poll(
      async () => {
        const problems: string[] = [];
        for (const [kind, name] of refs) {
          try {
            const why = await notRolledOutYet(cluster, kind, w.namespace, name, evidence);
            if (why) problems.push(`${w.namespace}/${name}: ${why}`);
          } catch (e) {
            if (!isNotFound(e)) throw e;
            problems.push(`${w.namespace}/${name}: ${kind} not found`);
          }
        }
        return problems;
      },
      {
        timeout: settleMs(timeoutMs),
        interval: Math.min(2_000, timeoutMs),
        message: `${what} not rolled out in ${w.namespace}`,
      },
    )
    .toEqual([]);
}

/** Deployments only (the framework's and the older checks' form of waitForWorkloads). */
export function waitForDeployments(
  cluster: ClusterHandle,
  namespace: string,
  names: readonly string[],
  evidence: Pick<Evidence, 'status'>,
  timeoutMs: number,
): Promise<void> {
  return waitForWorkloads(cluster, { namespace, deployments: names }, evidence, timeoutMs);
}
