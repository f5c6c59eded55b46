// NET-BGP-001/002: Cilium's BGP control plane (v2 API). Each CiliumBGPClusterConfig selects nodes; the
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

// ---- NET-BGP-002: peer authentication (Cilium risk profile SEC-004) ------------------------------

/** Cilium's operator condition (operator/pkg/bgpv2/peer.go): True when the referenced Secret is absent. */
export const MISSING_AUTH_SECRET = 'cilium.io/MissingAuthSecret';

interface PeerRef {
  name?: string;
  peerAddress?: string;
  peerASN?: number;
  peerConfigRef?: { name?: string };
}

/**
 * Every peer of every CiliumBGPClusterConfig uses a CiliumBGPPeerConfig with an authSecretRef (TCP
 * MD5 for the session), and the operator reports the Secret present (MissingAuthSecret False for the
 * current generation). Each problem names the peer config, the peers it serves and what was seen.
 */
export function peerAuthProblems(clusterConfigs: KObject[], peerConfigs: KObject[]): string[] {
  if (clusterConfigs.length === 0) return ['no CiliumBGPClusterConfig found'];
  const peers = clusterConfigs.flatMap((cc) =>
    ((cc.spec?.bgpInstances ?? []) as { peers?: PeerRef[] }[]).flatMap((i) => i.peers ?? []),
  );
  if (peers.length === 0) return ['no BGP peer configured in any CiliumBGPClusterConfig'];
  const problems: string[] = [];
  const describe = (p: PeerRef) => `${p.name} (${p.peerAddress}, AS ${p.peerASN})`;
  for (const p of peers.filter((x) => !x.peerConfigRef?.name))
    problems.push(`peer ${describe(p)} has no peerConfigRef: its session has no authentication`);
  const byConfig = new Map<string, PeerRef[]>();
  for (const p of peers.filter((x) => x.peerConfigRef?.name))
    byConfig.set(p.peerConfigRef!.name!, [...(byConfig.get(p.peerConfigRef!.name!) ?? []), p]);
  for (const [name, served] of byConfig) {
    const pc = peerConfigs.find((c) => c.metadata?.name === name);
    const of = `for ${served.map(describe).join(', ')}`;
    if (!pc) {
      problems.push(`CiliumBGPPeerConfig ${name} ${of} not found`);
      continue;
    }
    const secret = pc.spec?.authSecretRef as string | undefined;
    if (!secret) {
      problems.push(
        `CiliumBGPPeerConfig ${name} ${of} has no authSecretRef: the session is not authenticated`,
      );
      continue;
    }
    const cond = pc.status?.conditions?.find((c) => c.type === MISSING_AUTH_SECRET);
    if (!cond || (cond.observedGeneration ?? 0) < (pc.metadata?.generation ?? 0))
      problems.push(
        `CiliumBGPPeerConfig ${name} ${of}: no ${MISSING_AUTH_SECRET} condition for generation ${pc.metadata?.generation} (is the operator's BGP status report on?)`,
      );
    else if (cond.status !== 'False')
      problems.push(
        `CiliumBGPPeerConfig ${name} ${of}: ${MISSING_AUTH_SECRET}=${cond.status} (${cond.message})`,
      );
  }
  return problems;
}

/** Every BGP session authenticated with a Secret the operator sees (polled: a status write settles). */
export function bgpPeersAuthenticated(timeoutMs = 15_000): Probe {
  return async ({ cluster, evidence }: CheckContext) => {
    await pollWithin(
      async () => {
        const [clusterConfigs, peerConfigs] = await Promise.all([
          listCustom(cluster, GVR.bgpClusterConfig),
          listCustom(cluster, GVR.bgpPeerConfig),
        ]);
        evidence.json('bgp-peer-auth', {
          peers: clusterConfigs.map((c) => ({ name: c.metadata?.name, bgpInstances: c.spec?.bgpInstances })),
          peerConfigs: peerConfigs.map((c) => ({
            name: c.metadata?.name,
            generation: c.metadata?.generation,
            authSecretRef: c.spec?.authSecretRef,
            conditions: c.status?.conditions,
          })),
        });
        return peerAuthProblems(clusterConfigs, peerConfigs);
      },
      'BGP peers not authenticated',
      timeoutMs,
    ).toEqual([]);
  };
}
