import type { Scenario } from './types.js';

/** The apps context answers as infra: its cluster-settings say CLUSTER=infra. */
export const wrongClusterIdentity: Scenario = {
  name: 'wrong-cluster-identity',
  summary:
    'apps: flux-system/cluster-settings CLUSTER=infra, CLUSTER_ID=1 (the context points at what claims to be the other cluster)',
  expect:
    'the apps project fails loudly at the identity guard before any check runs (no green, no empty report); infra passes except its checks that use apps as a peer (NET-CILIUM-007, NET-CLUSTERMESH-003), which refuse it naming the identity mismatch',
  faults: { identity: { apps: 'infra' } },
};
