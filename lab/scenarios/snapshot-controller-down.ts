import { scaleToZero } from './scale.js';
import { SNAPSHOT_CONTROLLER } from '../sim/operators/snapshotter.js';
import type { Scenario } from './types.js';

/**
 * apps: the CSI snapshot-controller scaled to 0, the way a bad values change or a manual `kubectl
 * scale` does it (`lab reset` applies its declared replicas): a VolumeSnapshot then gets no status
 * at all, as with the real controller gone.
 */
export const snapshotControllerDown: Scenario = {
  name: 'snapshot-controller-down',
  summary: `apps: Deployment ${SNAPSHOT_CONTROLLER.namespace}/${SNAPSHOT_CONTROLLER.name} scaled to 0; VolumeSnapshots stay without status`,
  expect: `apps: BOOT-OPS-006 fails naming the Deployment "scaled to 0 replicas", STO-SNAP-001 names its VolumeSnapshot "no status (no snapshot-controller answered)"; the VolSync replication check passes`,
  faults: {},
  apply: async (ctx) => {
    await scaleToZero(ctx, 'apps', SNAPSHOT_CONTROLLER);
  },
};
