import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Scenario } from './types.js';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * apps: Cilium's policy enforcement turned off, `enable-policy: never` in cilium-config (Helm value
 * `policyEnforcementMode: never`, a debugging change left in): every NetworkPolicy stays in the API
 * and none is enforced. The lab's datapath follows the key at once (lab/cluster/policy-verdict.ts);
 * `lab reset` applies the declared `default` again.
 */
export const policyEnforcementOff: Scenario = {
  name: 'policy-enforcement-off',
  summary: 'apps: cilium-config enable-policy set to never; NetworkPolicies are kept but not enforced',
  expect:
    'apps: NET-POLICY-001 fails, its deny-all did not drop the other client; DB-DRAGONFLY-006 fails, the denied namespace is no longer dropped (refused, or reached); infra passes',
  faults: {},
  apply: async (ctx) => {
    await ctx.clusters.apps.kc
      .makeApiClient(CoreV1Api)
      .patchNamespacedConfigMap(
        { namespace: 'kube-system', name: 'cilium-config', body: { data: { 'enable-policy': 'never' } } },
        MERGE,
      );
  },
};
