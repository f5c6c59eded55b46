import { CoreV1Api } from '@kubernetes/client-node';
import type { Scenario } from './types.js';

/**
 * infra: the Cilium agent on infra-cp-1 is recreated (new pod UID) and the one on infra-cp-2
 * restarts its container (restartCount +1): the TECH-001 zero-disruption test must notice.
 */
export const ciliumAgentRestarted: Scenario = {
  name: 'cilium-agent-restarted',
  summary:
    'infra: cilium agent pod on infra-cp-1 deleted (the DaemonSet recreates it with a new UID); agent on infra-cp-2 restarted its container (restartCount 1, lastState terminated exit 137)',
  expect:
    'infra: the zero-disruption check (agent pod UIDs and restart counts vs the stored baseline) fails naming both pods; agent status, rollout and everything else pass. reset restores the restart count but cannot restore a UID: re-take the baseline after reset',
  faults: { ciliumAgentsRestarted: ['infra'] },
  apply: async (ctx) => {
    const core = ctx.clusters.infra.kc.makeApiClient(CoreV1Api);
    const pods = (await core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=cilium' }))
      .items;
    const first = pods.find((p) => p.spec?.nodeName === ctx.clusters.infra.nodes[0]);
    if (!first)
      throw new Error(
        `cilium-agent-restarted: no cilium agent pod on ${ctx.clusters.infra.nodes[0]} in infra`,
      );
    await core.deleteNamespacedPod({ name: first.metadata!.name!, namespace: 'kube-system' });
  },
};
