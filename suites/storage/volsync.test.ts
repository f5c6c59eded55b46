/**
 * VolSync replication (STORY-VALIDATE-NETWORKING AC7.3, AC7.4, P2-5) and the CSI snapshots its
 * Snapshot copy method relies on (AC7.5).
 *
 * Reads: every ReplicationSource and ReplicationDestination, and the ones facts.volsync names must be
 * among them. Read-only.
 *
 * STO-SNAP-001 writes in the run namespace: a claim on facts.storage.snapshot.storageClass and a
 * VolumeSnapshot of it, both removed.
 *
 * Lab: the VolSync operator is simulated: the status (lastSyncTime, latestMoverStatus, the
 * Synchronizing condition) is what its mover writes. So are the CSI provisioner and snapshotter
 * (lab/sim/operators/csi-provisioner.ts, snapshotter.ts), which answer only while the
 * snapshot-controller Deployment is available.
 */
import { suite } from '../../helpers/check/suite.js';
import { GVR } from '../../helpers/reads/k8s.js';
import { everyHealthy } from '../../helpers/probes/kubernetes.js';
import { replicationProblem } from '../../helpers/probes/volsync.js';
import { snapshotOfClaim } from '../../helpers/probes/snapshot.js';
import { expect } from 'vitest';

const volsync = suite({
  component: 'volsync',
  clusters: ['apps'],
  story: 'STORY-VALIDATE-NETWORKING',
  requires: { 'volsync.enabled': 'no VolSync replication on this cluster' },
});

volsync.check(
  {
    id: 'STO-VOLSYNC-001',
    title:
      'the test ReplicationSource and ReplicationDestination are configured and their last sync succeeded',
    priority: 'P2',
    ac: ['AC7.3', 'AC7.4', 'P2-5'],
    suggestedAction:
      'kubectl get replicationsources,replicationdestinations -A -o wide; kubectl describe replicationsource <name> (latestMoverStatus.logs); the mover Job logs',
  },
  everyHealthy({
    kinds: () => [
      { kind: 'ReplicationSource', gvr: GVR.replicationSource },
      { kind: 'ReplicationDestination', gvr: GVR.replicationDestination },
    ],
    required: (f) => [
      ...f.volsync.replicationSources.map((r) => ({ kind: 'ReplicationSource', ...r })),
      ...f.volsync.replicationDestinations.map((r) => ({ kind: 'ReplicationDestination', ...r })),
    ],
    problem: replicationProblem,
    attachAs: 'replications',
    summary: (o) => ({
      lastSyncTime: o.status?.lastSyncTime,
      latestMoverStatus: o.status?.latestMoverStatus,
    }),
  }),
);

const snapshots = suite({
  component: 'volsync',
  clusters: ['apps'],
  story: 'STORY-VALIDATE-NETWORKING',
  requires: { 'storage.snapshot.enabled': 'no CSI snapshot test on this cluster (facts.storage.snapshot)' },
  timeoutMs: 180_000,
});

snapshots.check(
  {
    id: 'STO-SNAP-001',
    title: 'a VolumeSnapshot of a run-owned claim becomes readyToUse',
    priority: 'P2',
    ac: ['AC7.5'],
    suggestedAction:
      'kubectl describe volumesnapshot <name> (status.error, events); kubectl get volumesnapshotclass; kubectl -n volsync-system get deploy snapshot-controller; the csi-snapshotter container of the RBD provisioner',
  },
  async ({ cluster, facts, evidence, run }) => {
    const r = await snapshotOfClaim(cluster, facts, run, evidence);
    expect(r.problem, r.problem).toBe('');
  },
);
