// The lab's address map: KWOK already routes each simulated pod port to a loopback process
// (PortForward per pod, ClusterPortForward per namespace). Reading those routes with the lab's
// admin credentials gives the in-cluster dialer the real process behind every pod port.
import type { ClusterHandle } from '../cluster/handle.js';
import type { AddressMap } from './address-map.js';
import { mapKey } from './address-map.js';

interface Forward {
  ports?: number[];
  target?: { address?: string; port?: number };
}
interface KwokRoute {
  metadata?: { name?: string; namespace?: string };
  spec?: { forwards?: Forward[]; selector?: { matchNamespaces?: string[] } };
}

const KWOK = { group: 'kwok.x-k8s.io', version: 'v1alpha1' };

function entries(cluster: string, ns: string, pod: string, forwards: Forward[], into: AddressMap) {
  for (const f of forwards) {
    if (!f.target?.address || !f.ports?.length) continue; // "every port" rules need a concrete port
    for (const p of f.ports) into[mapKey(cluster, ns, pod, p)] = `${f.target.address}:${f.target.port ?? p}`;
  }
}

/** Map entries for every routed pod port of the given (admin) lab clusters. */
export async function buildLabAddressMap(clusters: ClusterHandle[]): Promise<AddressMap> {
  const map: AddressMap = {};
  for (const c of clusters) {
    const cpf = (await c.custom.listClusterCustomObject({ ...KWOK, plural: 'clusterportforwards' })) as {
      items: KwokRoute[];
    };
    for (const r of cpf.items)
      for (const ns of r.spec?.selector?.matchNamespaces ?? [])
        entries(c.name, ns, '*', r.spec?.forwards ?? [], map);
    const pf = (await c.custom.listClusterCustomObject({ ...KWOK, plural: 'portforwards' })) as {
      items: KwokRoute[];
    };
    for (const r of pf.items)
      entries(c.name, r.metadata!.namespace!, r.metadata!.name!, r.spec?.forwards ?? [], map);
  }
  return map;
}
