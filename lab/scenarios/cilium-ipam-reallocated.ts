import type { LabContext } from '../core/context.js';
import { apply, deleteAndWait, httpCode, kube } from '../sim/kube.js';
import type { K8sObject } from '../sim/fixtures.js';
import { seededCiliumNode } from '../sim/world.js';
import type { Scenario } from './types.js';

/** The node whose CiliumNode this scenario re-creates, and the pool block the allocator then hands it. */
export const REALLOCATED = { cluster: 'infra', node: 'infra-cp-2', podCIDR: '10.244.3.0/24' } as const;

const CILIUM_NODE = { apiVersion: 'cilium.io/v2', kind: 'CiliumNode' } as const;

/** The CiliumNode as the agent re-registers it with a new block: cilium_host and health addresses move with it. */
export function reallocated(seeded: K8sObject, podCIDR: string): K8sObject {
  const host = podCIDR.replace(/\.0\/\d+$/, '.1');
  const spec = structuredClone(seeded.spec ?? {}) as {
    addresses?: { type: string; ip: string }[];
    health?: { ipv4?: string };
    ipam?: { podCIDRs?: string[] };
  };
  spec.addresses = (spec.addresses ?? []).map((a) =>
    a.type === 'CiliumInternalIP' ? { ...a, ip: host } : a,
  );
  spec.health = { ipv4: host.replace(/\.1$/, '.2') };
  spec.ipam = { ...spec.ipam, podCIDRs: [podCIDR] };
  return {
    ...seeded,
    metadata: {
      name: seeded.metadata.name,
      labels: seeded.metadata.labels,
      annotations: { ...seeded.metadata.annotations, 'network.cilium.io/ipv4-cilium-host': host },
    },
    spec,
  };
}

async function replaceCiliumNode(ctx: LabContext, body: K8sObject): Promise<void> {
  const k = kube(ctx.clusters[REALLOCATED.cluster].kc);
  await deleteAndWait(k, { ...CILIUM_NODE, metadata: { name: REALLOCATED.node } }, 15_000);
  await apply(k, body);
}

/** infra: one node's CiliumNode deleted and re-registered with another pool block. */
export const ciliumIpamReallocated: Scenario = {
  name: 'cilium-ipam-reallocated',
  summary: `infra: CiliumNode ${REALLOCATED.node} deleted and re-created by its agent; cluster-pool IPAM hands it the next free block, ${REALLOCATED.podCIDR} (its pods' addresses change on their next restart)`,
  expect: `infra: the IPAM baseline check fails naming ${REALLOCATED.node}, its baseline block and ${REALLOCATED.podCIDR}; the agents stay Ready and every other check passes. Any other scenario (lab reset too) restores the seeded CiliumNode`,
  faults: {},
  apply: async (ctx) => {
    const seeded = seededCiliumNode(ctx, REALLOCATED.cluster, REALLOCATED.node);
    await replaceCiliumNode(ctx, reallocated(seeded, REALLOCATED.podCIDR));
  },
  revert: async (ctx) => {
    const k = kube(ctx.clusters[REALLOCATED.cluster].kc);
    const seeded = seededCiliumNode(ctx, REALLOCATED.cluster, REALLOCATED.node);
    const want = (seeded.spec as { ipam: { podCIDRs: string[] } }).ipam.podCIDRs;
    const live = await k.objects
      .read({ ...CILIUM_NODE, metadata: { name: REALLOCATED.node } })
      .catch((e: unknown) => (httpCode(e) === 404 ? undefined : Promise.reject(e)));
    const has = (live as { spec?: { ipam?: { podCIDRs?: string[] } } } | undefined)?.spec?.ipam?.podCIDRs;
    if (JSON.stringify(has) !== JSON.stringify(want)) await replaceCiliumNode(ctx, seeded);
  },
};
