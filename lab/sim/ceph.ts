/**
 * The lab's model of one Rook-Ceph cluster (simulated: no Ceph daemon runs). From it come both the
 * CephCluster status Rook writes and the document `ceph status -f json` prints in the toolbox
 * (lab/tools/bin/ceph), so the two views always agree.
 */
import { createHash } from 'node:crypto';

export interface CephFault {
  /** OSD ids that are down (HEALTH_WARN: OSD_DOWN + PG_DEGRADED) */
  osdsDown: number[];
}

const VERSION = 'ceph version 19.2.3 (c92aebb279828e9c3c1f5d24613efca272649e62) squid (stable)';
const TIB = 1024 ** 4;

function fsid(cluster: string): string {
  const h = createHash('sha256').update(`pv-lab-ceph-${cluster}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export interface CephModel {
  fsid: string;
  health: 'HEALTH_OK' | 'HEALTH_WARN' | 'HEALTH_ERR';
  checks: Record<string, { severity: string; summary: { message: string; count: number }; muted: boolean }>;
  status: Record<string, unknown>;
  capacity: { bytesTotal: number; bytesUsed: number; bytesAvailable: number };
}

export function cephModel(cluster: string, fault: CephFault | undefined, now = new Date()): CephModel {
  const down = fault?.osdsDown ?? [];
  const numPgs = 97;
  const degradedPgs = down.length ? 33 * down.length : 0;
  const checks: CephModel['checks'] = {};
  if (down.length) {
    checks.OSD_DOWN = {
      severity: 'HEALTH_WARN',
      summary: { message: `${down.length} osds down`, count: down.length },
      muted: false,
    };
    checks.OSD_HOST_DOWN = {
      severity: 'HEALTH_WARN',
      summary: { message: `${down.length} host (${down.length} osds) down`, count: down.length },
      muted: false,
    };
    checks.PG_DEGRADED = {
      severity: 'HEALTH_WARN',
      summary: {
        message: `Degraded data redundancy: 412/1236 objects degraded (33.333%), ${degradedPgs} pgs degraded, ${degradedPgs} pgs undersized`,
        count: degradedPgs + degradedPgs,
      },
      muted: false,
    };
  }
  const health: CephModel['health'] = Object.keys(checks).length ? 'HEALTH_WARN' : 'HEALTH_OK';
  const bytesTotal = 3 * TIB;
  const bytesUsed = Math.round(0.0412 * bytesTotal);
  const capacity = { bytesTotal, bytesUsed, bytesAvailable: bytesTotal - bytesUsed };
  const id = fsid(cluster);
  const pgsByState = degradedPgs
    ? [
        { state_name: 'active+undersized+degraded', count: degradedPgs },
        { state_name: 'active+clean', count: numPgs - degradedPgs },
      ]
    : [{ state_name: 'active+clean', count: numPgs }];
  const status = {
    fsid: id,
    health: { status: health, checks, mutes: [] },
    election_epoch: 14,
    quorum: [0, 1, 2],
    quorum_names: ['a', 'b', 'c'],
    quorum_age: 86_400,
    monmap: { epoch: 3, min_mon_release_name: 'squid', num_mons: 3 },
    osdmap: {
      epoch: 128 + down.length,
      num_osds: 3,
      num_up_osds: 3 - down.length,
      osd_up_since: 1_761_444_000,
      num_in_osds: 3,
      osd_in_since: 1_761_444_000,
      num_remapped_pgs: 0,
    },
    pgmap: {
      pgs_by_state: pgsByState,
      num_pgs: numPgs,
      num_pools: 5,
      num_objects: 412,
      data_bytes: 1_384_120_320,
      bytes_used: capacity.bytesUsed,
      bytes_avail: capacity.bytesAvailable,
      bytes_total: capacity.bytesTotal,
      ...(degradedPgs ? { degraded_objects: 412, degraded_total: 1236, degraded_ratio: 0.33333 } : {}),
    },
    fsmap: {
      epoch: 11,
      btime: now.toISOString(),
      id: 1,
      up: 1,
      in: 1,
      max: 1,
      by_rank: [{ filesystem_id: 1, rank: 0, name: 'ceph-filesystem-a', status: 'up:active', gid: 24_193 }],
      'up:standby': 1,
    },
    mgrmap: {
      available: true,
      num_standbys: 1,
      modules: ['dashboard', 'iostat', 'nfs', 'pg_autoscaler', 'prometheus', 'restful', 'rook'],
      services: {
        dashboard: 'http://rook-ceph-mgr-dashboard.rook-ceph.svc:7000/',
        prometheus: 'http://rook-ceph-mgr.rook-ceph.svc:9283/',
      },
    },
    servicemap: {
      epoch: 21,
      modified: now.toISOString(),
      services: { rgw: { daemons: { summary: '', 'ceph-objectstore.a': {}, 'ceph-objectstore.b': {} } } },
    },
    progress_events: {},
  };
  return { fsid: id, health, checks, status, capacity };
}

/** status.ceph and the rest of the CephCluster status Rook's operator writes. */
export function cephClusterStatus(m: CephModel, now = new Date()): Record<string, unknown> {
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    phase: 'Ready',
    state: 'Created',
    message: 'Cluster created successfully',
    observedGeneration: 0,
    ceph: {
      health: m.health,
      fsid: m.fsid,
      lastChecked: ts,
      capacity: { ...m.capacity, lastUpdated: ts },
      ...(Object.keys(m.checks).length
        ? {
            details: Object.fromEntries(
              Object.entries(m.checks).map(([k, c]) => [
                k,
                { message: c.summary.message, severity: c.severity },
              ]),
            ),
          }
        : {}),
      versions: {
        mon: { [VERSION]: 3 },
        mgr: { [VERSION]: 2 },
        osd: { [VERSION]: 3 },
        mds: { [VERSION]: 2 },
        rgw: { [VERSION]: 2 },
        overall: { [VERSION]: 12 },
      },
    },
    storage: { deviceClasses: [{ name: 'nvme' }], osd: { storeType: { bluestore: 3 } } },
    version: { image: 'quay.io/ceph/ceph:v19.2.3', version: '19.2.3-0' },
    conditions: [
      {
        type: 'Progressing',
        status: 'False',
        reason: 'ReconcileSucceeded',
        message: 'Cluster progression is completed',
      },
      { type: 'Ready', status: 'True', reason: 'ClusterCreated', message: 'Cluster created successfully' },
    ],
  };
}
