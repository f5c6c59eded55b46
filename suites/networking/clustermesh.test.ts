/**
 * ClusterMesh (STORY-VALIDATE-NETWORKING AC2.13, test design P1-2; risk R8): on each cluster, the
 * Cilium agent of every node reports every remote cluster of the mesh connected, synced and ready,
 * which is what `cilium clustermesh status` on both contexts shows. Run on both clusters, it proves
 * both directions: infra's agents reach apps' clustermesh-apiserver and apps' agents reach infra's.
 *
 * Global Services (AC2.14, AC2.15, P2-2): a run-owned Service `service.cilium.io/global: "true"` on
 * this cluster and its twin on each remote, the only backend on the remote; a client pod here must
 * get the remote backend's name from the local ClusterIP.
 *
 * Reads: the agent pods and their `cilium-dbg status -o json` (exec). Writes only in the run
 * namespace, on this cluster and on each remote (same name): two Services, a client and a backend pod.
 * Lab: the agents and the datapath are simulated; their status JSON is upstream's model
 * (lab/build/services/cilium-status), each remote ready while the remote cluster's
 * clustermesh-apiserver runs; lab/cluster/service-proxy.ts load-balances a global Service over its
 * twins' pods in the clusters this one's agents reach.
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { clusterMeshFindings } from '../../helpers/probes/cilium.js';
import { globalServiceReach } from '../../helpers/probes/global-service.js';

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

mesh.check(
  {
    id: 'NET-CLUSTERMESH-003',
    title:
      'a global Service is discovered across the mesh: its remote backend answers through the local ClusterIP',
    priority: 'P2',
    ac: ['AC2.14', 'AC2.15', 'P2-2'],
    risks: ['R8'],
    suggestedAction:
      'cilium clustermesh status; kubectl get svc <name> -o yaml on both clusters (service.cilium.io/global: "true", same namespace and name); cilium-dbg service list in an agent (the remote backends)',
    timeoutMs: 150_000,
  },
  async ({ cluster, facts, evidence, run }) => {
    const { results, missing } = await globalServiceReach(cluster, facts, run, evidence);
    expect(missing, `remote clusters of the mesh not in this environment: ${missing.join(', ')}`).toEqual([]);
    expect(results.length, 'remote clusters tried').toBeGreaterThan(0);
    const failed = results
      .filter((r) => !r.reached)
      .map(
        (r) =>
          `${r.service} (ClusterIP ${r.clusterIP}) never answered with ${r.remote}'s backend ${r.backend} (${r.answers.length} tries, last: ${r.answers.at(-1) ?? 'none'})`,
      );
    expect(failed, `global Service: ${failed.join(' | ')}`).toEqual([]);
  },
);
