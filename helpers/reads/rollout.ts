/** Wait until Deployments are rolled out and Available, attaching their status as evidence. */
import { expect } from 'vitest';
import type { Evidence } from '../evidence/index.js';
import { deploymentRolloutStatus, notRolledOut } from '../cluster/rollout.js';
import { isNotFound, type ClusterHandle } from './k8s.js';

export async function waitForDeployments(
  cluster: ClusterHandle,
  namespace: string,
  names: readonly string[],
  evidence: Pick<Evidence, 'status'>,
  timeoutMs: number,
): Promise<void> {
  await expect
    .poll(
      async () => {
        const problems: string[] = [];
        for (const name of names) {
          try {
            const d = await cluster.apps.readNamespacedDeployment({ namespace, name });
            evidence.status(d);
            const why = notRolledOut(() => deploymentRolloutStatus(d));
            if (why) problems.push(`${namespace}/${name}: ${why}`);
          } catch (e) {
            if (!isNotFound(e)) throw e;
            problems.push(`${namespace}/${name}: Deployment not found`);
          }
        }
        return problems;
      },
      { timeout: timeoutMs, interval: 2_000, message: `Deployments not rolled out in ${namespace}` },
    )
    .toEqual([]);
}
