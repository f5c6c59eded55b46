// NET-BGP-001: Cilium's BGP control plane (v2 API). Each CiliumBGPClusterConfig selects nodes; the
// agent on each selected node writes a CiliumBGPNodeConfig (named after the node) whose status lists
// every peer's session state and route counts. A session is up when peeringState is `established`;
// the Service IPs are advertised when an established peer has routes advertised.
import type { V1LabelSelector, V1Node } from '@kubernetes/client-node';
import type { CheckContext } from '../check/index.js';
import { GVR, listCustom, type KObject } from '../reads/k8s.js';
import { matchesSelector } from '../reads/selectors.js';
import { pollWithin } from './poll.js';
import type { Probe } from './kubernetes.js';

interface PeerStatus {
  name?: string;
  peerAddress?: string;
  peeringState?: string;
  routeCount?: { advertised?: number }[];
}
interface InstanceStatus {
  name?: string;
  peers?: PeerStatus[];
}

/**
 * What is wrong with the BGP control plane of one cluster: a selected node without its node config,
 * a configured peer missing from the status or not `established`, an established peer advertising
 * no route. Empty: every session is up and advertising.
 */
export function bgpProblems(clusterConfigs: KObject[], nodeConfigs: KObject[], nodes: V1Node[]): string[] {
  const problems: string[] = [];
  if (clusterConfigs.length === 0) return ['no CiliumBGPClusterConfig found'];
  const byNode = new Map(nodeConfigs.map((n) => [String(n.metadata?.name), n]));
  for (const cc of clusterConfigs) {
    const selected = nodes.filter((n) =>
      matchesSelector((cc.spec?.nodeSelector ?? {}) as V1LabelSelector, n.metadata?.labels ?? {}),
    );
    if (selected.length === 0) problems.push(`CiliumBGPClusterConfig ${cc.metadata?.name}: selects no node`);
    for (const n of selected)
      if (!byNode.has(String(n.metadata?.name)))
        problems.push(`node ${n.metadata?.name}: no CiliumBGPNodeConfig (selected by ${cc.metadata?.name})`);
  }
  for (const nc of nodeConfigs) {
    const where = `CiliumBGPNodeConfig ${nc.metadata?.name}`;
    const seen = (nc.status?.bgpInstances ?? []) as InstanceStatus[];
    const instances = (nc.spec?.bgpInstances ?? []) as {
      name: string;
      peers?: { name: string; peerAddress?: string }[];
    }[];
    for (const inst of instances) {
      const st = seen.find((s) => s.name === inst.name);
      for (const peer of inst.peers ?? []) {
        const p = st?.peers?.find((x) => x.name === peer.name);
        const id = `peer ${peer.name} (${peer.peerAddress ?? p?.peerAddress ?? 'auto'})`;
        if (!p) problems.push(`${where}: ${id} has no session status`);
        else if (p.peeringState !== 'established')
          problems.push(`${where}: ${id} session ${p.peeringState ?? 'unknown'}, expected established`);
        else if (!(p.routeCount ?? []).some((r) => (r.advertised ?? 0) > 0))
          problems.push(`${where}: ${id} established but advertises no route`);
      }
    }
  }
  return problems;
}

/** Every BGP session of every selected node established and advertising routes (polled, bounded). */
export function bgpSessionsEstablished(timeoutMs = 15_000): Probe {
  return async ({ cluster, evidence }: CheckContext) => {
    await pollWithin(
      async () => {
        const [clusterConfigs, nodeConfigs, nodes] = await Promise.all([
          listCustom(cluster, GVR.bgpClusterConfig),
          listCustom(cluster, GVR.bgpNodeConfig),
          cluster.core.listNode().then((l) => l.items),
        ]);
        evidence.json('bgp', {
          clusterConfigs: clusterConfigs.map((c) => ({
            name: c.metadata?.name,
            nodeSelector: c.spec?.nodeSelector,
          })),
          nodeConfigs: nodeConfigs.map((n) => ({ name: n.metadata?.name, status: n.status })),
        });
        return bgpProblems(clusterConfigs, nodeConfigs, nodes);
      },
      'BGP sessions not established',
      timeoutMs,
    ).toEqual([]);
  };
}
