import { scaleToZero } from './scale.js';
import type { Scenario } from './types.js';

/** infra: the Rook toolbox scaled to 0 (its Deployment is optional in Rook's chart, and often off). */
export const cephToolboxDown: Scenario = {
  name: 'ceph-toolbox-down',
  summary:
    'infra: Deployment rook-ceph/rook-ceph-tools scaled to 0 replicas: nothing can run `ceph status` (the Ceph cluster itself is untouched)',
  expect:
    'infra: the health-evidence check (ceph status not captured) and the `ceph status` check fail naming "running pods of toolbox Deployment rook-ceph/rook-ceph-tools"; the CephCluster status check, the cilium status capture and apps pass. lab reset scales it back',
  faults: {},
  apply: async (ctx) => {
    await scaleToZero(ctx, 'infra', { namespace: 'rook-ceph', name: 'rook-ceph-tools' });
  },
};
