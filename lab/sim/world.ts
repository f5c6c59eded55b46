/**
 * The simulated world of both clusters as a function of the fixtures and the active faults.
 * `seedCluster` creates the objects (CRDs, fixtures, backed workloads, per-node Cilium objects,
 * Helm storage); `syncCluster` writes what the simulated operators report for the given faults:
 * CR status, cluster identity, pod readiness/restarts, and the state file the exec shims read.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import type { LabContext } from '../core/context.js';
import type { LabClusterName } from '../core/topology.js';
import { readVersions } from '../core/versions.js';
import { serviceArtifacts } from '../build/services/artifacts.js';
import { backedObjects, backedOwners, podLabels } from './backed.js';
import { cephModel } from './ceph.js';
import { ciliumFacts, ciliumNodeObjects, withCiliumFaults, type CiliumFacts } from './cilium.js';
import type { Faults } from './faults.js';
import { loadFixtures, type K8sObject } from './fixtures.js';
import { gitRevision } from './git.js';
import { helmStorageSecret } from './helm.js';
import {
  SCENARIO_MANAGER,
  apply,
  applyAll,
  applyCrds,
  httpCode,
  kube,
  listCustomObjects,
  nowTimes,
  pool,
  writeStatus,
  type Kube,
} from './kube.js';
import { containerRestart, crashLoop, podsBy, restoreFaultedPods } from './pods.js';
import { onObject } from './sim-errors.js';
import { desiredStatuses, objectKey } from './status.js';
import { failingStatus } from './failing.js';
import { OPERATOR_MANAGER, operatorOwner, withOwnership } from './ownership.js';
import { upstreamCrds } from './upstream-crds.js';
import { clusterValues } from './values.js';

export type SimContext = Pick<LabContext, 'clusters' | 'clusterNames' | 'paths' | 'log'>;

export function simStateFile(ctx: Pick<LabContext, 'paths'>): string {
  return path.join(ctx.paths.root, 'sim', 'state.json');
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/** KWOK's nodes may carry taints the real Talos nodes do not: every lab pod tolerates them. */
function tolerateAll(o: K8sObject): K8sObject {
  if (!WORKLOADS.has(o.kind)) return o;
  const tpl = (o.spec?.template as { spec?: { tolerations?: unknown[] } } | undefined)?.spec;
  if (tpl && !tpl.tolerations) tpl.tolerations = [{ operator: 'Exists' }];
  return o;
}

/** Everything seeded into a cluster except what needs live uids (backed workloads). */
function staticObjects(
  ctx: SimContext,
  cluster: LabClusterName,
): { objects: K8sObject[]; sources: Map<K8sObject, string> } {
  const values = clusterValues(ctx.clusters[cluster], ctx.paths.root);
  const sourced = loadFixtures(cluster, values);
  const sources = new Map(sourced.map((s) => [s.obj, s.source]));
  const infrastructure = `cluster-${values.CLUSTER}-infrastructure`;
  return { objects: sourced.map((s) => withOwnership(tolerateAll(s.obj), infrastructure)), sources };
}

function k8sVersion(): string {
  return readVersions().KUBERNETES_VERSION;
}

/** The CiliumNode the seed declares for `node` of `cluster` (what a scenario that re-allocates it restores). */
export function seededCiliumNode(ctx: SimContext, cluster: LabClusterName, node: string): K8sObject {
  const topo = ctx.clusters[cluster];
  const { objects } = ciliumNodeObjects(ciliumFacts(topo, k8sVersion()), clusterValues(topo, ctx.paths.root));
  const o = objects.find((x) => x.kind === 'CiliumNode' && x.metadata.name === node);
  if (!o) throw new Error(`${cluster}: no seeded CiliumNode ${node} (nodes: ${topo.nodes.join(', ')})`);
  return o;
}

/**
 * The ownerReference each operator writes on the workloads it creates (lab/sim/ownership.ts), once
 * the owner exists, with the operators' own field manager: the seed's apply never touches it.
 */
async function ownOperatorChildren(k: Kube, objects: readonly K8sObject[]): Promise<void> {
  for (const o of objects) {
    const owner = operatorOwner(o);
    if (!owner) continue;
    const ns = o.metadata.namespace!;
    const uid = (await k.objects.read({ ...owner, metadata: { name: owner.name, namespace: ns } })).metadata
      ?.uid;
    if (!uid)
      throw new Error(`${owner.kind} ${ns}/${owner.name} has no uid (owner of ${o.kind} ${o.metadata.name})`);
    const child = await k.objects.read({
      apiVersion: o.apiVersion,
      kind: o.kind,
      metadata: { name: o.metadata.name, namespace: ns },
    });
    if (child.metadata?.ownerReferences?.some((r) => r.uid === uid)) continue;
    const ref = { ...owner, uid, controller: true, blockOwnerDeletion: true };
    await apply(
      k,
      {
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.metadata.name, namespace: ns, ownerReferences: [ref] },
      },
      undefined,
      OPERATOR_MANAGER,
    );
  }
}

/** Create every seeded object of one cluster. Idempotent (server-side apply). */
export async function seedCluster(
  ctx: SimContext,
  cluster: LabClusterName,
): Promise<{ objects: number; crds: number; namespaces: Set<string> }> {
  const k = kube(ctx.clusters[cluster].kc);
  const crds = await applyCrds(k, upstreamCrds(ctx.paths.cache));
  const { objects, sources } = staticObjects(ctx, cluster);
  const values = clusterValues(ctx.clusters[cluster], ctx.paths.root);
  // namespaces first, then cluster-scoped config, then the rest
  const rank = (o: K8sObject) =>
    o.kind === 'Namespace' ? 0 : o.kind === 'StorageClass' || o.kind === 'ServiceAccount' ? 1 : 2;
  const ordered = [...objects].sort((a, b) => rank(a) - rank(b));
  for (const r of [0, 1, 2])
    await applyAll(
      k,
      ordered.filter((o) => rank(o) === r),
      sources,
    );
  // per-node Cilium objects
  const cil = ciliumNodeObjects(ciliumFacts(ctx.clusters[cluster], k8sVersion()), values);
  await applyAll(k, cil.objects);
  // workloads, Services and Secrets of the real processes, owned by their CRs
  const uids = new Map<string, string>();
  for (const o of backedOwners(cluster)) {
    try {
      const live = await k.objects.read({
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.name, namespace: o.namespace },
      });
      if (live.metadata?.uid)
        uids.set(`${o.apiVersion}/${o.kind}/${o.namespace}/${o.name}`, live.metadata.uid);
    } catch (e) {
      if (httpCode(e) !== 404) throw e;
    }
  }
  const skip = new Set(objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`));
  const infrastructure = `cluster-${values.CLUSTER}-infrastructure`;
  const backed = backedObjects(cluster, ctx.paths.root, uids, skip).map((o) =>
    withOwnership(tolerateAll(o), infrastructure),
  );
  await applyAll(k, backed);
  await ownOperatorChildren(k, objects);
  // Helm release storage for every HelmRelease (what `helm get values` reads)
  const statuses = desiredStatuses(cluster, objects, {});
  const helm = objects
    .filter((o) => o.kind === 'HelmRelease')
    .map((o) => {
      const s = statuses.get(objectKey(o)) as { lastAttemptedRevision?: string } | undefined;
      return helmStorageSecret(o, s?.lastAttemptedRevision ?? '0.0.0', values.SEEDED_AT!);
    });
  await applyAll(k, helm);
  const namespaces = new Set(
    [...objects, ...backed].map((o) => o.metadata.namespace).filter((n): n is string => Boolean(n)),
  );
  return { objects: objects.length + cil.objects.length + backed.length + helm.length, crds, namespaces };
}

interface ShimState {
  scenario: string;
  updatedAt: string;
  /** the built programs shims run (lab/build/services): cilium-dbg status renders through ciliumStatus */
  tools: { ciliumStatus: string };
  clusters: Partial<Record<LabClusterName, { ceph: Record<string, unknown>; cilium: CiliumFacts }>>;
}

function writeShimState(ctx: SimContext, scenario: string, faults: Faults): void {
  const file = simStateFile(ctx);
  const state: ShimState = {
    scenario,
    updatedAt: new Date().toISOString(),
    tools: { ciliumStatus: serviceArtifacts(ctx.paths.cache).ciliumStatus.binary },
    clusters: {},
  };
  for (const c of ctx.clusterNames) {
    state.clusters[c] = {
      ceph: cephModel(c, { osdsDown: faults.cephOsdsDown?.[c] ?? [] }).status,
      cilium: withCiliumFaults(ciliumFacts(ctx.clusters[c], k8sVersion()), {
        healthUnreachable: faults.ciliumHealthUnreachable?.[c],
        wireguardError: faults.wireguardError?.[c],
        remotesDown: faults.clustermeshApiserverDown?.filter((d) => d !== c),
      }),
    };
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state, null, 2));
  fs.renameSync(tmp, file);
}

/** Put the per-pod labels operators set (CNPG role, Strimzi pod name, Dragonfly role) on backed pods. */
export async function labelBackedPods(k: Kube, cluster: LabClusterName): Promise<number> {
  let n = 0;
  for (const want of podLabels(cluster)) {
    let pod: V1Pod;
    try {
      pod = await k.core.readNamespacedPod({ name: want.pod, namespace: want.namespace });
    } catch (e) {
      if (httpCode(e) === 404) continue;
      throw e;
    }
    const have = pod.metadata?.labels ?? {};
    if (Object.entries(want.labels).every(([key, v]) => have[key] === v)) continue;
    await onObject({ kind: 'Pod', namespace: want.namespace, name: want.pod }, () =>
      k.objects.patch(
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: want.pod, namespace: want.namespace, labels: want.labels },
        },
        undefined,
        undefined,
        'pv-lab-sim-operator',
        true,
        'application/apply-patch+yaml',
      ),
    );
    n++;
  }
  return n;
}

/** Write what the simulated operators report for `faults` into one cluster. */
export async function syncCluster(
  ctx: SimContext,
  cluster: LabClusterName,
  faults: Faults,
): Promise<{ statusWrites: number }> {
  const k = kube(ctx.clusters[cluster].kc);
  const { objects } = staticObjects(ctx, cluster);
  const values = clusterValues(ctx.clusters[cluster], ctx.paths.root);
  const times = nowTimes();

  // identity (flux-system/cluster-settings CLUSTER / CLUSTER_ID)
  const as = faults.identity?.[cluster];
  const idTopo = as ? ctx.clusters[as as LabClusterName] : undefined;
  await apply(
    k,
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cluster-settings', namespace: 'flux-system' },
      data: { CLUSTER: as ?? cluster, CLUSTER_ID: String(idTopo?.id ?? ctx.clusters[cluster].id) },
    } as K8sObject,
    'cluster-settings identity',
    SCENARIO_MANAGER,
  );

  // custom resource status
  const desired = desiredStatuses(cluster, objects, faults, { gitRevision: gitRevision(ctx.paths.root) });
  const cil = ciliumNodeObjects(ciliumFacts(ctx.clusters[cluster], k8sVersion()), values);
  for (const [key, s] of cil.statuses) desired.set(key, s);
  for (const key of faults.resourcesFailing?.[cluster] ?? [])
    desired.set(key, failingStatus(key, desired.get(key)));
  const byKey = new Map([...objects, ...cil.objects].map((o) => [objectKey(o), o]));
  const live = await listCustomObjects(
    k,
    [...desired.keys()].map((key) => byKey.get(key)!).filter((o) => o.apiVersion.includes('.')),
  );
  const writes = await pool([...desired], 8, async ([key, status]) => {
    const o = byKey.get(key)!;
    if (o.apiVersion.startsWith('v1') || !o.apiVersion.includes('/')) return false;
    if (['apps/v1', 'policy/v1', 'storage.k8s.io/v1', 'networking.k8s.io/v1'].includes(o.apiVersion))
      return false;
    try {
      return await writeStatus(
        k,
        { apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, namespace: o.metadata.namespace },
        status,
        times,
        live.get(key),
      );
    } catch (e) {
      if (httpCode(e) === 404) return false; // not seeded (yet)
      throw new Error(`status of ${key}: ${(e as Error).message}`, { cause: e });
    }
  });

  // pods: restore what a previous scenario broke, then break what this one breaks
  const faulted = new Set<string>();
  const want: { pod: V1Pod; fault: string; how: 'crash' | 'restart' }[] = [];
  if (faults.corednsDown?.includes(cluster)) {
    for (const p of await podsBy(k, 'kube-system', 'k8s-app=kube-dns'))
      want.push({ pod: p, fault: 'coredns-down', how: 'crash' });
  }
  if (cluster === 'apps') {
    for (const app of faults.poolersDown ?? []) {
      for (const p of await podsBy(k, 'cnpg-system', `cnpg.io/poolerName=${app}-pooler-rw`))
        want.push({ pod: p, fault: 'pooler-down', how: 'crash' });
    }
    for (const i of faults.kafkaBrokersDown ?? []) {
      for (const p of await podsBy(
        k,
        'messaging',
        `statefulset.kubernetes.io/pod-name=kafka-cluster-kafka-${i}`,
      ))
        want.push({ pod: p, fault: 'kafka-broker-down', how: 'crash' });
    }
  }
  if (faults.ciliumAgentsRestarted?.includes(cluster)) {
    const agents = (await podsBy(k, 'kube-system', 'k8s-app=cilium')).sort((a, b) =>
      String(a.spec?.nodeName).localeCompare(String(b.spec?.nodeName)),
    );
    const restarted = agents[1];
    if (restarted) want.push({ pod: restarted, fault: 'cilium-agent-restarted', how: 'restart' });
  }
  if (faults.certManagerRestarted?.includes(cluster)) {
    for (const p of await podsBy(k, 'cert-manager', 'app.kubernetes.io/component=controller'))
      want.push({ pod: p, fault: 'cert-manager-restarted', how: 'restart' });
  }
  for (const w of want) faulted.add(`${w.pod.metadata!.namespace}/${w.pod.metadata!.name}`);
  await restoreFaultedPods(k, (p) => faulted.has(`${p.metadata!.namespace}/${p.metadata!.name}`));
  for (const w of want)
    await (w.how === 'crash' ? crashLoop(k, w.pod, w.fault) : containerRestart(k, w.pod, w.fault));

  return { statusWrites: writes.filter(Boolean).length };
}

/** Sync both clusters and the shim state file. */
export async function syncWorld(ctx: SimContext, scenario: string, faults: Faults): Promise<void> {
  writeShimState(ctx, scenario, faults);
  await Promise.all(ctx.clusterNames.map((c) => syncCluster(ctx, c, faults)));
}
