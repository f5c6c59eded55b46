/**
 * Per-node Cilium objects the agent and operator create (CiliumNode, CiliumBGPNodeConfig with
 * established sessions) and the agent facts `cilium-dbg status` prints (lab/tools/bin/cilium-dbg).
 * Simulated: no datapath, no BGP speaker; the values are the reference platform's.
 */
import { createHash } from 'node:crypto';
import type { ClusterTopology } from '../core/topology.js';
import type { K8sObject } from './fixtures.js';
import type { Values } from './values.js';

export interface CiliumNodeFacts {
  name: string;
  /** the node's simulated InternalIP in the reference's node network (data only) */
  ip: string;
  podCIDR: string;
  /** the agent's cilium_host address (first usable of the node's pod CIDR) */
  ciliumInternalIP: string;
  wgPubKey: string;
  /** fault: the agent's cilium-health daemon does not answer (status prints a Warning, no N/M line) */
  healthUnreachable?: boolean;
  /** fault: the agent's WireGuard status call errors with this message */
  wireguardError?: string;
}

/** The error the agent reports when it cannot read its WireGuard device (netlink ENOENT). */
export const WIREGUARD_ERROR = 'failed to get WireGuard device cilium_wg0: file does not exist';

/** The agent facts with a scenario's Cilium faults on the nodes they name. */
export function withCiliumFaults(
  f: CiliumFacts,
  faults: { healthUnreachable?: string[]; wireguardError?: string[]; remotesDown?: string[] },
): CiliumFacts {
  return {
    ...f,
    remoteClustersDown: f.remoteClusters.filter((r) => faults.remotesDown?.includes(r)),
    nodes: f.nodes.map((n) => ({
      ...n,
      ...(faults.healthUnreachable?.includes(n.name) ? { healthUnreachable: true } : {}),
      ...(faults.wireguardError?.includes(n.name) ? { wireguardError: WIREGUARD_ERROR } : {}),
    })),
  };
}

export interface CiliumFacts {
  cluster: string;
  clusterId: number;
  version: string;
  podCIDR: string;
  nodes: CiliumNodeFacts[];
  remoteClusters: string[];
  /** remotes whose clustermesh-apiserver is down: this cluster's agents report them not connected */
  remoteClustersDown?: string[];
  encryption: 'Wireguard';
  nodeEncryption: boolean;
  kubernetesVersion: string;
}

function wgKey(node: string): string {
  return createHash('sha256').update(`wg-${node}`).digest('base64');
}

export function ciliumFacts(topo: ClusterTopology, kubernetesVersion: string): CiliumFacts {
  const base = topo.id === 1 ? 11 : 21; // infra nodes 10.25.11.11-13, apps 10.25.11.21-23 (reference node network)
  return {
    cluster: topo.name,
    clusterId: topo.id,
    version: '1.18.2',
    podCIDR: topo.podCIDR,
    nodes: topo.nodes.map((name, i) => {
      const cidr = topo.nodePodCIDRs[i] ?? topo.podCIDR;
      return {
        name,
        ip: `10.25.11.${base + i}`,
        podCIDR: cidr,
        ciliumInternalIP: cidr.replace(/\.0\/\d+$/, '.1'),
        wgPubKey: wgKey(`${topo.name}/${name}`),
      };
    }),
    remoteClusters: [topo.name === 'infra' ? 'apps' : 'infra'],
    encryption: 'Wireguard',
    nodeEncryption: false,
    kubernetesVersion,
  };
}

export function ciliumNodeObjects(
  f: CiliumFacts,
  values: Values,
): { objects: K8sObject[]; statuses: Map<string, Record<string, unknown>> } {
  const objects: K8sObject[] = [];
  const statuses = new Map<string, Record<string, unknown>>();
  for (const n of f.nodes) {
    objects.push({
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNode',
      metadata: {
        name: n.name,
        labels: { 'kubernetes.io/hostname': n.name, 'node-role.kubernetes.io/control-plane': '' },
        annotations: {
          'network.cilium.io/wg-pub-key': n.wgPubKey,
          'network.cilium.io/ipv4-cilium-host': n.ciliumInternalIP,
        },
      },
      spec: {
        addresses: [
          { type: 'InternalIP', ip: n.ip },
          { type: 'CiliumInternalIP', ip: n.ciliumInternalIP },
        ],
        'alibaba-cloud': {}, // the agent's JSON name (upstream CRD)
        azure: {},
        encryption: {},
        eni: {},
        health: { ipv4: n.ciliumInternalIP.replace(/\.1$/, '.2') },
        ingress: {},
        ipam: { podCIDRs: [n.podCIDR], pools: {} },
      },
    });
    statuses.set(`CiliumNode//${n.name}`, {
      'alibaba-cloud': {},
      azure: {},
      eni: {},
      ipam: { 'operator-status': {} },
    });
    const asn = Number(values.BGP_LOCAL_ASN);
    objects.push({
      apiVersion: 'cilium.io/v2alpha1',
      kind: 'CiliumBGPNodeConfig',
      metadata: { name: n.name },
      spec: {
        bgpInstances: [
          {
            name: `instance-${asn}`,
            localASN: asn,
            peers: [
              {
                name: 'upstream-router',
                peerASN: 64501,
                peerAddress: '10.25.11.1',
                peerConfigRef: { name: 'upstream-router' },
              },
            ],
          },
        ],
      },
    });
    statuses.set(`CiliumBGPNodeConfig//${n.name}`, {
      bgpInstances: [
        {
          name: `instance-${asn}`,
          localASN: asn,
          peers: [
            {
              name: 'upstream-router',
              peerAddress: '10.25.11.1',
              peerASN: 64501,
              peeringState: 'established',
              establishedTime: '${NOW_MINUS_1H}',
              timers: { appliedHoldTimeSeconds: 9, appliedKeepaliveSeconds: 3 },
              routeCount: [{ afi: 'ipv4', safi: 'unicast', advertised: 3, received: 1 }],
            },
          ],
        },
      ],
      conditions: [
        { type: 'cilium.io/BGPInstanceError', status: 'False', reason: 'BGPInstanceError', message: '' },
      ],
    });
  }
  return { objects, statuses };
}
