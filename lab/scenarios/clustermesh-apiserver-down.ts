import { scaleToZero } from './scale.js';
import type { Scenario } from './types.js';

/**
 * infra's ClusterMesh control plane scaled to 0, the way a bad values change or a manual `kubectl
 * scale` does it (`lab reset` applies its declared replicas): apps' agents lose infra. infra's own
 * agents still reach apps' clustermesh-apiserver, so only one direction breaks.
 */
export const clustermeshApiserverDown: Scenario = {
  name: 'clustermesh-apiserver-down',
  summary:
    'infra: Deployment kube-system/clustermesh-apiserver scaled to 0; the Cilium agents of apps report remote cluster infra not connected ("Waiting for initial connection to be established")',
  expect:
    'infra: NET-CLUSTERMESH-001 fails naming the Deployment "scaled to 0 replicas"; apps: NET-CLUSTERMESH-002 fails naming each agent and "remote cluster infra not ready", NET-CLUSTERMESH-003 (its global Service never answers with the infra backend); infra NET-CLUSTERMESH-002/003 and apps NET-CLUSTERMESH-001 pass',
  faults: { clustermeshApiserverDown: ['infra'] },
  apply: async (ctx) => {
    await scaleToZero(ctx, 'infra', { namespace: 'kube-system', name: 'clustermesh-apiserver' });
  },
};
