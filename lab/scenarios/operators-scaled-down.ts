import { scaleToZero } from './scale.js';
import type { LabClusterName } from '../core/context.js';
import type { Scenario } from './types.js';

/** The operator Deployments this scenario scales to 0 (`lab reset` applies their declared replicas). */
export const SCALED_DOWN: readonly { cluster: LabClusterName; namespace: string; name: string }[] = [
  { cluster: 'infra', namespace: 'rook-ceph', name: 'rook-ceph-operator' },
  { cluster: 'apps', namespace: 'messaging', name: 'strimzi-cluster-operator' },
];

/** Two operators scaled to 0 replicas, the way a bad values change or a manual `kubectl scale` does it. */
export const operatorsScaledDown: Scenario = {
  name: 'operators-scaled-down',
  summary:
    'infra: Deployment rook-ceph/rook-ceph-operator scaled to 0; apps: Deployment messaging/strimzi-cluster-operator scaled to 0 (the Ceph and Kafka clusters they manage keep running)',
  expect:
    'the operator-Running checks fail naming the Deployment "scaled to 0 replicas" (Rook on infra, Strimzi on apps); the Ceph health, storage and Kafka checks, and the Rook operator on apps, pass',
  faults: {},
  apply: async (ctx) => {
    for (const d of SCALED_DOWN) await scaleToZero(ctx, d.cluster, d);
  },
};
