/**
 * The fixed shape of the lab: cluster names, loopback addresses, ports and CIDRs.
 * Everything binds on 127.0.0.0/8. Pod and Service CIDRs are the reference platform's
 * (10.244/16 infra pods, 10.246/16 apps pods; 10.245/16, 10.247/16 Services): the apiserver
 * rejects loopback addresses in EndpointSlices, so pod IPs cannot be loopback themselves. They
 * are data; the simulated datapath (lab/core/datapath.ts) serves pod IP 10.a.b.c on the
 * loopback alias 127.a.b.c, and nothing ever dials a 10.x address.
 */
export type LabClusterName = 'infra' | 'apps';
export const LAB_CLUSTERS: readonly LabClusterName[] = ['infra', 'apps'];

export interface ClusterTopology {
  name: LabClusterName;
  /** kube context name in .lab/kubeconfig */
  context: string;
  /** numeric id, also CLUSTER_ID in flux-system/cluster-settings */
  id: number;
  apiserverPort: number;
  etcdClientPort: number;
  etcdPeerPort: number;
  controllerManagerPort: number;
  schedulerPort: number;
  /** loopback address the cluster's KWOK serves the kubelet API on; every node's InternalIP */
  nodeIP: string;
  kubeletPort: number;
  /** simulated control-plane nodes */
  nodes: string[];
  /** pod CIDR (data; KWOK allocates pod IPs from each node's /24 of it) */
  podCIDR: string;
  /** per-node pod CIDRs (node.spec.podCIDR), same order as nodes */
  nodePodCIDRs: string[];
  /** Service CIDR of the reference platform; data only, never dialed */
  serviceCIDR: string;
  /** ClusterIP of kube-dns (data only) */
  dnsClusterIP: string;
  /** LoadBalancer pool of the reference platform (data) and the Gateway's address in it, which the
   * lab's Gateway data plane serves on its loopback alias */
  lbPoolCIDR: string;
  gatewayIP: string;
}

function topology(
  name: LabClusterName,
  id: number,
  podPrefix: string,
  servicePrefix: string,
): ClusterTopology {
  const base = id * 10_000; // infra 1xxxx, apps 2xxxx
  return {
    name,
    context: `lab-${name}`,
    id,
    apiserverPort: base + 6443,
    etcdClientPort: base + 2379,
    etcdPeerPort: base + 2380,
    controllerManagerPort: base + 1257,
    schedulerPort: base + 1259,
    nodeIP: `127.0.${id * 10}.1`,
    kubeletPort: base + 250,
    nodes: [1, 2, 3].map((i) => `${name}-cp-${i}`),
    podCIDR: `${podPrefix}.0.0/16`,
    nodePodCIDRs: [0, 1, 2].map((i) => `${podPrefix}.${i}.0/24`),
    serviceCIDR: `${servicePrefix}.0.0/16`,
    dnsClusterIP: `${servicePrefix}.0.10`,
    lbPoolCIDR: `${servicePrefix}.10.0/24`,
    gatewayIP: `${servicePrefix}.10.100`,
  };
}

export const TOPOLOGY: Record<LabClusterName, ClusterTopology> = {
  infra: topology('infra', 1, '10.244', '10.245'),
  apps: topology('apps', 2, '10.246', '10.247'),
};

export function isLabClusterName(v: string): v is LabClusterName {
  return (LAB_CLUSTERS as readonly string[]).includes(v);
}
