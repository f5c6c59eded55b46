// Cilium LB-IPAM (simulated): LoadBalancer Services get `status.loadBalancer.ingress` from the
// cluster's CiliumLoadBalancerIPPool (honouring `lbipam.cilium.io/ips`); pool conditions count IPs.
import { setHeaderOptions } from '@kubernetes/client-node';
import { nowTimes, writeStatus, type Kube } from '../kube.js';
import { onObject } from '../sim-errors.js';
import { listCustom } from './objects.js';

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}
function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}
function cidrRange(cidr: string): [number, number] {
  const [ip, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToInt(ip!) / size) * size;
  return [start, start + size - 1];
}

/** Cilium LB-IPAM: assign LoadBalancer ingress IPs from the cluster's pools. */
export async function reconcileLbIpam(k: Kube): Promise<number> {
  const pools = (await listCustom(k, 'cilium.io', 'v2', 'ciliumloadbalancerippools')).filter(
    (p) => !p.spec?.disabled,
  );
  if (!pools.length) return 0;
  const ranges = pools.flatMap((p) =>
    ((p.spec?.blocks as { cidr?: string; start?: string; stop?: string }[] | undefined) ?? []).map((b) => ({
      pool: p,
      range: b.cidr ? cidrRange(b.cidr) : ([ipToInt(b.start!), ipToInt(b.stop!)] as [number, number]),
    })),
  );
  const inPool = (ip: string) => ranges.some((r) => ipToInt(ip) >= r.range[0] && ipToInt(ip) <= r.range[1]);
  const services = (await k.core.listServiceForAllNamespaces({})).items.filter(
    (s) => s.spec?.type === 'LoadBalancer',
  );
  const used = new Set(
    services.flatMap((s) => (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip!)).filter(Boolean),
  );
  let assigned = 0;
  for (const svc of services) {
    if (svc.status?.loadBalancer?.ingress?.length) continue;
    if (svc.spec?.loadBalancerClass && svc.spec.loadBalancerClass !== 'io.cilium/bgp-control-plane') continue;
    const wanted = (svc.metadata?.annotations?.['lbipam.cilium.io/ips'] ?? svc.spec?.loadBalancerIP ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    let ip = wanted.find((w) => inPool(w) && !used.has(w));
    for (const r of ranges) {
      if (ip || wanted.length) break;
      for (let n = r.range[0] + 1; n < r.range[1]; n++) {
        if (!used.has(intToIp(n))) {
          ip = intToIp(n);
          break;
        }
      }
    }
    const ns = svc.metadata!.namespace!;
    const name = svc.metadata!.name!;
    const conditions = [
      ip
        ? {
            type: 'cilium.io/IPAMRequestSatisfied',
            status: 'True',
            reason: 'satisfied',
            message: '',
            lastTransitionTime: nowTimes().NOW,
          }
        : {
            type: 'cilium.io/IPAMRequestSatisfied',
            status: 'False',
            reason: 'no_pool',
            message: wanted.length
              ? `requested IPs ${wanted.join(',')} not available in any pool`
              : 'no pool has free IPs',
            lastTransitionTime: nowTimes().NOW,
          },
    ];
    await onObject({ kind: 'Service', namespace: ns, name }, () =>
      k.core.patchNamespacedServiceStatus(
        {
          name,
          namespace: ns,
          body: { status: { loadBalancer: ip ? { ingress: [{ ip, ipMode: 'VIP' }] } : {}, conditions } },
        },
        setHeaderOptions('Content-Type', 'application/merge-patch+json'),
      ),
    );
    if (ip) {
      used.add(ip);
      assigned++;
    }
  }
  // pool conditions: free / used counts, as the LB-IPAM controller reports them
  const times = nowTimes();
  for (const p of pools) {
    const mine = ranges.filter((r) => r.pool === p);
    const total = mine.reduce((a, r) => a + (r.range[1] - r.range[0] - 1), 0);
    const usedHere = [...used].filter((ip) =>
      mine.some((r) => ipToInt(ip) >= r.range[0] && ipToInt(ip) <= r.range[1]),
    ).length;
    await writeStatus(
      k,
      { apiVersion: 'cilium.io/v2', kind: 'CiliumLoadBalancerIPPool', name: p.metadata.name },
      {
        conditions: [
          {
            type: 'cilium.io/IPsAvailable',
            status: 'True',
            reason: 'noreason',
            message: String(total - usedHere),
          },
          {
            type: 'cilium.io/IPsUsed',
            status: usedHere ? 'True' : 'False',
            reason: 'noreason',
            message: String(usedHere),
          },
          { type: 'cilium.io/PoolConflict', status: 'False', reason: 'resolved', message: '' },
        ],
      },
      times,
    );
  }
  return assigned;
}
