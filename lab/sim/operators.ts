/**
 * The simulated operator loop (lab/sim/operators-main.ts runs it as the `sim-operators` process).
 * Only what must react to objects created after seeding lives here:
 * - Cilium LB-IPAM: LoadBalancer Services get `status.loadBalancer.ingress` from the cluster's
 *   CiliumLoadBalancerIPPool (honouring `lbipam.cilium.io/ips`), pool conditions count IPs.
 * - Cilium Gateway API: the `cilium-gateway-<gw>` LoadBalancer Service per Gateway, Gateway status
 *   (Accepted/Programmed, addresses, listeners' attachedRoutes), HTTPRoute parent status.
 * - CSI provisioning for the Ceph and OpenEBS classes: a PV for each Pending PVC (after the
 *   scheduler picked a node for WaitForFirstConsumer), deleted again when Released.
 * - Operator-set pod labels on backed pods, exec routes of Cilium agents (per node), re-routing
 *   of backed Deployment pods (poolers) to their processes via lab/services.
 * Nothing here dials a pod or Service address: everything is apiserver reads and writes.
 */
import {
  StorageV1Api,
  setHeaderOptions,
  type V1PersistentVolume,
  type V1Service,
} from '@kubernetes/client-node';
import type { LabContext } from '../core/context.js';
import type { LabClusterName } from '../core/topology.js';
import { FIELD_MANAGER, httpCode, nowTimes, writeStatus, type Kube, retryTooMany } from './kube.js';
import { formatSimError, onObject, simErrorOf, type SimError } from './sim-errors.js';
import { labelBackedPods } from './world.js';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    generation?: number;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

const CILIUM_CONTROLLER = 'io.cilium/gateway-controller';

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

async function listCustom(k: Kube, group: string, version: string, plural: string): Promise<Obj[]> {
  try {
    return (
      (await retryTooMany(() => k.custom.listClusterCustomObject({ group, version, plural }))) as {
        items: Obj[];
      }
    ).items;
  } catch (e) {
    if (httpCode(e) === 404) return [];
    throw e;
  }
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

/** Cilium's Gateway API controller: Service per Gateway, Gateway and HTTPRoute status. */
export async function reconcileGateways(k: Kube): Promise<void> {
  const classes = (await listCustom(k, 'gateway.networking.k8s.io', 'v1', 'gatewayclasses'))
    .filter((c) => c.spec?.controllerName === CILIUM_CONTROLLER)
    .map((c) => c.metadata.name);
  const gateways = (await listCustom(k, 'gateway.networking.k8s.io', 'v1', 'gateways')).filter((g) =>
    classes.includes(String(g.spec?.gatewayClassName)),
  );
  const routes = await listCustom(k, 'gateway.networking.k8s.io', 'v1', 'httproutes');
  const times = nowTimes();
  for (const gw of gateways) {
    const ns = gw.metadata.namespace!;
    const listeners =
      (gw.spec?.listeners as { name: string; port: number; protocol: string }[] | undefined) ?? [];
    const svcName = `cilium-gateway-${gw.metadata.name}`;
    let svc: V1Service | undefined;
    try {
      svc = await k.core.readNamespacedService({ name: svcName, namespace: ns });
    } catch (e) {
      if (httpCode(e) !== 404) throw e;
    }
    if (!svc) {
      const infra =
        (gw.spec?.infrastructure as
          { annotations?: Record<string, string>; labels?: Record<string, string> } | undefined) ?? {};
      const uid = (
        (await k.custom.getNamespacedCustomObject({
          group: 'gateway.networking.k8s.io',
          version: 'v1',
          namespace: ns,
          plural: 'gateways',
          name: gw.metadata.name,
        })) as { metadata: { uid: string } }
      ).metadata.uid;
      await onObject({ kind: 'Service', namespace: ns, name: svcName }, () =>
        k.core.createNamespacedService(
          {
            namespace: ns,
            body: {
              metadata: {
                name: svcName,
                namespace: ns,
                labels: {
                  'gateway.networking.k8s.io/gateway-name': gw.metadata.name,
                  'io.cilium.gateway/owning-gateway': gw.metadata.name,
                  ...(infra.labels ?? {}),
                },
                annotations: infra.annotations ?? {},
                ownerReferences: [
                  {
                    apiVersion: 'gateway.networking.k8s.io/v1',
                    kind: 'Gateway',
                    name: gw.metadata.name,
                    uid,
                    controller: true,
                  },
                ],
              },
              spec: {
                type: 'LoadBalancer',
                ports: [...new Set(listeners.map((l) => l.port))].map((p) => ({
                  name: `port-${p}`,
                  port: p,
                  protocol: 'TCP',
                })),
              },
            },
          },
          undefined,
        ),
      );
      continue; // LB-IPAM assigns the address; status follows on the next pass
    }
    const addresses = (svc.status?.loadBalancer?.ingress ?? [])
      .map((i) => ({ type: 'IPAddress', value: i.ip! }))
      .filter((a) => a.value);
    const attached = (listener: string) =>
      routes.filter((r) =>
        (
          (r.spec?.parentRefs as { name: string; namespace?: string; sectionName?: string }[] | undefined) ??
          []
        ).some(
          (p) =>
            p.name === gw.metadata.name &&
            (p.namespace ?? r.metadata.namespace) === ns &&
            (!p.sectionName || p.sectionName === listener),
        ),
      ).length;
    const programmed = addresses.length > 0;
    await writeStatus(
      k,
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', name: gw.metadata.name, namespace: ns },
      {
        addresses,
        conditions: [
          {
            type: 'Accepted',
            status: 'True',
            reason: 'Accepted',
            message: 'Gateway successfully scheduled',
            observedGeneration: 0,
          },
          programmed
            ? {
                type: 'Programmed',
                status: 'True',
                reason: 'Programmed',
                message: 'Gateway successfully reconciled',
                observedGeneration: 0,
              }
            : {
                type: 'Programmed',
                status: 'False',
                reason: 'AddressNotAssigned',
                message: 'Waiting for an address from LB-IPAM',
                observedGeneration: 0,
              },
        ],
        listeners: listeners.map((l) => ({
          name: l.name,
          attachedRoutes: attached(l.name),
          supportedKinds: [
            { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' },
            { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' },
          ],
          conditions: [
            {
              type: 'Programmed',
              status: programmed ? 'True' : 'False',
              reason: programmed ? 'Programmed' : 'Pending',
              message: programmed ? 'Listener Programmed' : 'Waiting for an address',
              observedGeneration: 0,
            },
            {
              type: 'Accepted',
              status: 'True',
              reason: 'Accepted',
              message: 'Listener Accepted',
              observedGeneration: 0,
            },
            {
              type: 'ResolvedRefs',
              status: 'True',
              reason: 'ResolvedRefs',
              message: 'Resolved Refs',
              observedGeneration: 0,
            },
          ],
        })),
      },
      times,
    );
  }
  for (const r of routes) {
    const rns = r.metadata.namespace!;
    const refs = (
      (r.spec?.parentRefs as { name: string; namespace?: string; sectionName?: string }[] | undefined) ?? []
    ).filter((p) =>
      gateways.some((g) => g.metadata.name === p.name && g.metadata.namespace === (p.namespace ?? rns)),
    );
    if (!refs.length) continue;
    const backends = (
      (r.spec?.rules as
        { backendRefs?: { name: string; namespace?: string; kind?: string }[] }[] | undefined) ?? []
    ).flatMap((x) => x.backendRefs ?? []);
    const missing: string[] = [];
    for (const b of backends.filter((x) => !x.kind || x.kind === 'Service')) {
      try {
        await k.core.readNamespacedService({ name: b.name, namespace: b.namespace ?? rns });
      } catch (e) {
        if (httpCode(e) === 404) missing.push(`${b.namespace ?? rns}/${b.name}`);
        else throw e;
      }
    }
    await writeStatus(
      k,
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        name: r.metadata.name,
        namespace: rns,
      },
      {
        parents: refs.map((p) => ({
          parentRef: {
            group: 'gateway.networking.k8s.io',
            kind: 'Gateway',
            name: p.name,
            namespace: p.namespace ?? rns,
            ...(p.sectionName ? { sectionName: p.sectionName } : {}),
          },
          controllerName: CILIUM_CONTROLLER,
          conditions: [
            {
              type: 'Accepted',
              status: 'True',
              reason: 'Accepted',
              message: 'Accepted HTTPRoute',
              observedGeneration: 0,
            },
            missing.length
              ? {
                  type: 'ResolvedRefs',
                  status: 'False',
                  reason: 'BackendNotFound',
                  message: `Service(s) ${missing.join(', ')} not found`,
                  observedGeneration: 0,
                }
              : {
                  type: 'ResolvedRefs',
                  status: 'True',
                  reason: 'ResolvedRefs',
                  message: 'Service reference is valid',
                  observedGeneration: 0,
                },
          ],
        })),
      },
      times,
    );
  }
}

const PROVISIONERS = new Set([
  'openebs.io/local',
  'rook-ceph.rbd.csi.ceph.com',
  'rook-ceph.cephfs.csi.ceph.com',
]);

/** Simulated CSI external-provisioner for the Ceph and OpenEBS classes. */
export async function reconcileVolumes(k: Kube): Promise<number> {
  const storage = k.kc.makeApiClient(StorageV1Api);
  const classes = new Map(
    (await storage.listStorageClass()).items
      .filter((c) => PROVISIONERS.has(c.provisioner))
      .map((c) => [c.metadata!.name!, c]),
  );
  if (!classes.size) return 0;
  const pvs = (await k.core.listPersistentVolume()).items;
  const existing = new Set(pvs.map((p) => p.metadata!.name!));
  let created = 0;
  for (const pvc of (await k.core.listPersistentVolumeClaimForAllNamespaces({})).items) {
    const sc = classes.get(pvc.spec?.storageClassName ?? '');
    if (!sc || pvc.status?.phase !== 'Pending' || pvc.spec?.volumeName || pvc.metadata?.deletionTimestamp)
      continue;
    const node = pvc.metadata?.annotations?.['volume.kubernetes.io/selected-node'];
    if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !node) continue;
    const name = `pvc-${pvc.metadata!.uid}`;
    if (existing.has(name)) continue;
    const local = sc.provisioner === 'openebs.io/local';
    const pv: V1PersistentVolume = {
      metadata: {
        name,
        annotations: {
          'pv.kubernetes.io/provisioned-by': sc.provisioner,
          'lab.platform-validation.io/simulated': 'true',
        },
        finalizers: [],
      },
      spec: {
        capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
        accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
        storageClassName: sc.metadata!.name!,
        volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
        claimRef: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          namespace: pvc.metadata!.namespace!,
          name: pvc.metadata!.name!,
          uid: pvc.metadata!.uid!,
        },
        ...(local
          ? {
              local: { path: `/var/mnt/local-hostpath/${name}`, fsType: '' },
              nodeAffinity: {
                required: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: 'kubernetes.io/hostname', operator: 'In', values: [node ?? ''] },
                      ],
                    },
                  ],
                },
              },
            }
          : {
              csi: {
                driver: sc.provisioner,
                volumeHandle: `0001-0009-rook-ceph-0000000000000001-${pvc.metadata!.uid}`,
                fsType: 'ext4',
                volumeAttributes: {
                  clusterID: 'rook-ceph',
                  pool: sc.parameters?.pool ?? 'ceph-blockpool',
                  imageName: `csi-vol-${pvc.metadata!.uid}`,
                  'storage.kubernetes.io/csiProvisionerIdentity': `${Date.now()}-pv-lab-${sc.provisioner}`,
                },
              },
            }),
      },
    };
    try {
      await onObject({ kind: 'PersistentVolume', name }, () =>
        k.core.createPersistentVolume({ body: pv, fieldManager: FIELD_MANAGER }),
      );
      created++;
    } catch (e) {
      if (httpCode(e) !== 409) throw e;
    }
  }
  // reclaimPolicy Delete: the provisioner deletes Released volumes it provisioned
  for (const pv of pvs) {
    const by = pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'];
    if (
      by &&
      PROVISIONERS.has(by) &&
      pv.status?.phase === 'Released' &&
      pv.spec?.persistentVolumeReclaimPolicy === 'Delete'
    ) {
      try {
        await onObject({ kind: 'PersistentVolume', name: pv.metadata!.name! }, () =>
          k.core.deletePersistentVolume({ name: pv.metadata!.name! }),
        );
      } catch (e) {
        if (httpCode(e) !== 404) throw e;
      }
    }
  }
  return created;
}

/** Per-node exec routes of the Cilium agents (the shim learns its node) and of the Ceph toolbox. */
export async function reconcileExecRoutes(
  ctx: LabContext,
  cluster: LabClusterName,
  k: Kube,
  routed: Map<string, string>,
  stateFile: string,
): Promise<void> {
  const pods = (
    await k.core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=cilium' })
  ).items.filter((p) => p.spec?.nodeName && !p.metadata?.deletionTimestamp);
  const names = new Set(pods.map((p) => p.metadata!.name!));
  for (const p of pods) {
    const name = p.metadata!.name!;
    if (routed.get(name) === p.metadata!.uid) continue;
    await onObject({ kind: 'Pod', namespace: 'kube-system', name }, () =>
      ctx.routing.routeExec(cluster, {
        namespace: 'kube-system',
        pods: [name],
        env: { PV_LAB_SIM_STATE: stateFile, PV_LAB_NODE: p.spec!.nodeName! },
      }),
    );
    routed.set(name, p.metadata!.uid!);
  }
  for (const name of [...routed.keys()]) {
    if (!names.has(name)) {
      await ctx.routing.unroutePod(cluster, 'kube-system', name);
      routed.delete(name);
    }
  }
}

/**
 * One reconcile pass of a cluster; each part isolated so one failure does not stop the others.
 * Returns the errors (lab/sim/sim-errors.ts), each also logged; a race (404, namespace terminating)
 * is neither.
 */
export async function reconcileCluster(
  ctx: LabContext,
  cluster: LabClusterName,
  k: Kube,
  state: { execRouted: Map<string, string>; poolerPods: string; stateFile: string },
  log: (m: string) => void,
): Promise<SimError[]> {
  const parts: [string, () => Promise<unknown>][] = [
    ['gateways', () => reconcileGateways(k)],
    ['lb-ipam', () => reconcileLbIpam(k)],
    ['volumes', () => reconcileVolumes(k)],
    ['pod-labels', () => labelBackedPods(k, cluster)],
    ['exec-routes', () => reconcileExecRoutes(ctx, cluster, k, state.execRouted, state.stateFile)],
  ];
  if (cluster === 'apps') {
    parts.push([
      'service-routes',
      async () => {
        // backed Deployment pods (poolers, schema registry, harbor) get per-pod routes from lab/services
        const pods = (
          await k.core.listPodForAllNamespaces({
            labelSelector: 'lab.platform-validation.io/backed-by=local-process',
          })
        ).items;
        const sig = pods
          .map((p) => p.metadata!.name!)
          .sort()
          .join(',');
        if (sig === state.poolerPods) return;
        const { routeServices } = await import('../services/index.js');
        await routeServices(ctx);
        state.poolerPods = sig;
      },
    ]);
  }
  const errors: SimError[] = [];
  for (const [name, run] of parts) {
    try {
      await run();
    } catch (e) {
      // an object deleted between a LIST and the write is a race, not an error
      const err = simErrorOf(cluster, name, e);
      if (!err) continue;
      errors.push(err);
      log(formatSimError(err));
    }
  }
  return errors;
}
