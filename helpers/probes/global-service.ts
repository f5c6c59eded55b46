// ClusterMesh global Services (NET-CLUSTERMESH-003): a run-owned Service of the same namespace and
// name on this cluster and on each remote of the mesh, both annotated `service.cilium.io/global:
// "true"`, with its only backend on the remote. A client pod here asks the local ClusterIP for
// /hostname: the answer must name the remote backend pod, so the Service was discovered across
// clusters and is reachable from here. Run on every cluster, that is every direction.
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import type { CheckEvidence, RunContext } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import type { Facts } from '../config/index.js';
import { settleMs } from '../config/settle.js';
import { fetchHostname, netexecPod, waitForExec, waitNetexecReady } from '../reads/connectivity.js';
import { peerClustersOrEvidence } from './peers.js';

export interface GlobalServiceReach {
  remote: string;
  service: string;
  clusterIP: string;
  backend: string;
  /** every answer the local ClusterIP gave, oldest first (bounded) */
  answers: string[];
  reached: boolean;
}

const GLOBAL_LABEL = 'platform-validation/global-service';

function globalService(name: string, namespace: string): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/part-of': 'platform-validation' },
      annotations: { 'service.cilium.io/global': 'true' },
    },
    spec: {
      type: 'ClusterIP',
      selector: { [GLOBAL_LABEL]: name },
      ports: [{ name: 'http', port: 80, targetPort: 'http' as never }],
    },
  };
}

function labelled(pod: V1Pod, name: string): V1Pod {
  pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, [GLOBAL_LABEL]: name } };
  return pod;
}

/** For each remote of facts.cilium.clusterMesh.remoteClusters: does the local twin reach its backend? */
export async function globalServiceReach(
  k: ClusterHandle,
  facts: Facts,
  run: RunContext,
  evidence: CheckEvidence,
): Promise<{ results: GlobalServiceReach[]; missing: string[] }> {
  const remotes = facts.cilium.clusterMesh.remoteClusters;
  const peers = (await peerClustersOrEvidence(k.name, evidence)).filter((p) =>
    remotes.includes(p.cluster.name),
  );
  const missing = remotes.filter((r) => !peers.some((p) => p.cluster.name === r));
  const results: GlobalServiceReach[] = [];
  const namespace = await run.namespace();
  for (const peer of peers) {
    const remote = peer.cluster;
    // one name per direction: the check on the other cluster runs at the same time
    const name = run.name(`pv-gsvc-${k.name}-${remote.name}`).slice(0, 50).replace(/-$/, '');
    const backend = `${name}-b`;
    const client = `${name}-c`;
    const there = await run.namespaceOn(remote);
    const removals = [
      () => remote.core.deleteNamespacedPod({ namespace: there, name: backend, gracePeriodSeconds: 0 }),
      () => remote.core.deleteNamespacedService({ namespace: there, name }),
      () => k.core.deleteNamespacedPod({ namespace, name: client, gracePeriodSeconds: 0 }),
      () => k.core.deleteNamespacedService({ namespace, name }),
    ];
    const release = run.cleanup(`global Service ${name} (${k.name}, ${remote.name})`, () =>
      Promise.allSettled(removals.map((r) => r())),
    );
    try {
      await remote.core.createNamespacedService({ namespace: there, body: globalService(name, there) });
      await remote.core.createNamespacedPod({
        namespace: there,
        body: labelled(netexecPod(peer.facts, backend, there, undefined, 'global-backend'), name),
      });
      const svc = await k.core.createNamespacedService({ namespace, body: globalService(name, namespace) });
      await k.core.createNamespacedPod({
        namespace,
        body: netexecPod(facts, client, namespace, undefined, 'client'),
      });
      await waitNetexecReady(remote, there, [backend], peer.facts);
      const c = (await waitNetexecReady(k, namespace, [client], facts)).get(client)!;
      await waitForExec(
        k,
        namespace,
        client,
        `http://${c.status!.podIP!}:${facts.connectivity.port}/healthz`,
      );
      const clusterIP = svc.spec!.clusterIP!;
      const url = `http://${clusterIP}:80/hostname`;
      const answers: string[] = [];
      // the remote backend is synced to this cluster's agents through the mesh: a settle window
      const deadline = Date.now() + settleMs(30_000);
      let reached = false;
      while (!reached && answers.length < 60) {
        const r = await fetchHostname(k, namespace, client, url);
        answers.push(r.exitCode === 0 ? r.answer : `error: ${r.answer}`.slice(0, 300));
        reached = r.exitCode === 0 && r.answer === backend;
        if (reached || Date.now() > deadline) break;
        await new Promise((res) => setTimeout(res, 1_000));
      }
      results.push({
        remote: remote.name,
        service: `${namespace}/${name}`,
        clusterIP,
        backend,
        answers,
        reached,
      });
    } finally {
      await Promise.allSettled(removals.map((r) => r()));
      release();
    }
  }
  evidence.json('global-services', results);
  return { results, missing };
}
