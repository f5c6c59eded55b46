import type { Scenario } from './types.js';

/** One OSD of infra's Ceph cluster is down: HEALTH_WARN in the CephCluster status and in `ceph status`. */
export const cephHealthWarn: Scenario = {
  name: 'ceph-health-warn',
  summary:
    'infra: osd.2 down -> CephCluster status.ceph.health HEALTH_WARN (OSD_DOWN, OSD_HOST_DOWN, PG_DEGRADED); `ceph status -f json` in rook-ceph-tools agrees (2/3 OSDs up, degraded PGs)',
  expect:
    'infra: the CephCluster health check (status.ceph.health) and the toolbox `ceph status -f json` check fail naming OSD_DOWN; apps Ceph and everything else pass (PVCs still bind: the simulated provisioner keeps working, as Ceph does with one OSD down)',
  faults: { cephOsdsDown: { infra: [2] } },
};
