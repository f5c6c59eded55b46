/**
 * VolSync replication (STORY-VALIDATE-NETWORKING AC7.3, AC7.4, P2-5).
 *
 * Reads: every ReplicationSource and ReplicationDestination, and the ones facts.volsync names must be
 * among them. Read-only.
 *
 * Lab: the VolSync operator is simulated: the status (lastSyncTime, latestMoverStatus, the
 * Synchronizing condition) is what its mover writes.
 */
import { suite } from '../../helpers/check/suite.js';
import { GVR } from '../../helpers/reads/k8s.js';
import { everyHealthy } from '../../helpers/probes/kubernetes.js';
import { replicationProblem } from '../../helpers/probes/volsync.js';

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
