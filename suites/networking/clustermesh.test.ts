/**
 * ClusterMesh (STORY-VALIDATE-NETWORKING AC2.13, test design P1-2; risk R8): on each cluster, the
 * Cilium agent of every node reports every remote cluster of the mesh connected, synced and ready,
 * which is what `cilium clustermesh status` on both contexts shows. Run on both clusters, it proves
 * both directions: infra's agents reach apps' clustermesh-apiserver and apps' agents reach infra's.
 *
 * Reads: the agent pods and their `cilium-dbg status -o json` (exec). Read-only.
 * Lab: the agents are simulated; their status JSON is upstream's model (lab/build/services/cilium-status),
 * each remote ready while the remote cluster's clustermesh-apiserver runs.
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { clusterMeshFindings } from '../../helpers/probes/cilium.js';

const mesh = suite({
  component: 'clustermesh',
  clusters: ['infra', 'apps'],
  story: 'STORY-VALIDATE-NETWORKING',
  requires: { 'cilium.clusterMesh.enabled': 'this cluster joins no ClusterMesh (facts.cilium.clusterMesh)' },
});

mesh.check(
  {
    id: 'NET-CLUSTERMESH-002',
    title: 'every Cilium agent reports every remote cluster of the mesh connected and ready',
    priority: 'P1',
    ac: ['AC2.13', 'P1-2'],
    risks: ['R8'],
    suggestedAction:
      'cilium clustermesh status --context <each cluster>; kubectl -n kube-system get deploy clustermesh-apiserver and its LoadBalancer address; the clustermesh secrets (cilium-clustermesh)',
    timeoutMs: 90_000,
  },
  async ({ cluster, facts, evidence }) => {
    const { problems, agents, withoutAgent } = await clusterMeshFindings(cluster, facts, evidence);
    expect(withoutAgent, `nodes without a cilium agent pod: ${withoutAgent.join(', ')}`).toEqual([]);
    expect(agents, 'cilium agents asked').toBeGreaterThan(0);
    expect(
      problems,
      `ClusterMesh (remotes ${facts.cilium.clusterMesh.remoteClusters.join(', ')}): ${problems.join(' | ')}`,
    ).toEqual([]);
  },
);
