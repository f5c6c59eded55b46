/**
 * Small read helpers over a ClusterHandle for the suites: conditions, custom objects, rollouts,
 * label selectors. Every call names its cluster (the handle) and is bounded by its request timeout.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { ClusterHandle } from '../cluster/handle.js';
/** Secret value (decoded); helpers/cluster registers it for redaction before returning it. */
export { readSecretValue } from '../cluster/index.js';

export type { ClusterHandle };

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    generation?: number;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown> & { conditions?: Condition[] };
}

export function conditionOf(obj: KObject | undefined, type: string): Condition | undefined {
  return obj?.status?.conditions?.find((c) => c.type === type);
}

/** "Ready=True" / "Ready=False (Reason: message)" / "Ready missing" for messages. */
export function describeCondition(obj: KObject | undefined, type: string): string {
  const c = conditionOf(obj, type);
  if (!c) return `${type} condition missing`;
  const why = [c.reason, c.message].filter(Boolean).join(': ');
  return `${type}=${c.status}${why ? ` (${why})` : ''}`;
}

export function isTrue(obj: KObject | undefined, type: string): boolean {
  return conditionOf(obj, type)?.status === 'True';
}

export function refName(obj: KObject): string {
  const m = obj.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name}` : String(m.name);
}

/** A custom resource type (group/version/plural) as used by CustomObjectsApi. */
export interface Gvr {
  group: string;
  version: string;
  plural: string;
}

export const GVR = {
  kustomization: { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations' },
  helmRelease: { group: 'helm.toolkit.fluxcd.io', version: 'v2', plural: 'helmreleases' },
  gitRepository: { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'gitrepositories' },
  clusterSecretStore: { group: 'external-secrets.io', version: 'v1', plural: 'clustersecretstores' },
  externalSecret: { group: 'external-secrets.io', version: 'v1', plural: 'externalsecrets' },
  cephCluster: { group: 'ceph.rook.io', version: 'v1', plural: 'cephclusters' },
  cnpgCluster: { group: 'postgresql.cnpg.io', version: 'v1', plural: 'clusters' },
  cnpgPooler: { group: 'postgresql.cnpg.io', version: 'v1', plural: 'poolers' },
  dragonfly: { group: 'dragonflydb.io', version: 'v1alpha1', plural: 'dragonflies' },
  // read through servedGvr(k, GVR.kafka, STRIMZI_VERSIONS): Strimzi >= 1.0 serves only v1
  kafka: { group: 'kafka.strimzi.io', version: 'v1', plural: 'kafkas' },
  gateway: { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gateways' },
  gatewayClass: { group: 'gateway.networking.k8s.io', version: 'v1', plural: 'gatewayclasses' },
  ociRepository: { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'ocirepositories' },
  helmRepository: { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'helmrepositories' },
  fluxInstance: { group: 'fluxcd.controlplane.io', version: 'v1', plural: 'fluxinstances' },
  crd: { group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions' },
  certificate: { group: 'cert-manager.io', version: 'v1', plural: 'certificates' },
  clusterIssuer: { group: 'cert-manager.io', version: 'v1', plural: 'clusterissuers' },
  issuer: { group: 'cert-manager.io', version: 'v1', plural: 'issuers' },
  // Cilium 1.18 serves the BGP control plane v2 API (v2alpha1 still served, deprecated)
  ciliumNode: { group: 'cilium.io', version: 'v2', plural: 'ciliumnodes' },
  bgpClusterConfig: { group: 'cilium.io', version: 'v2', plural: 'ciliumbgpclusterconfigs' },
  bgpNodeConfig: { group: 'cilium.io', version: 'v2', plural: 'ciliumbgpnodeconfigs' },
  bgpPeerConfig: { group: 'cilium.io', version: 'v2', plural: 'ciliumbgppeerconfigs' },
  cnpgScheduledBackup: { group: 'postgresql.cnpg.io', version: 'v1', plural: 'scheduledbackups' },
  cnpgBackup: { group: 'postgresql.cnpg.io', version: 'v1', plural: 'backups' },
  replicationSource: { group: 'volsync.backube', version: 'v1alpha1', plural: 'replicationsources' },
  replicationDestination: {
    group: 'volsync.backube',
    version: 'v1alpha1',
    plural: 'replicationdestinations',
  },
  vmCluster: { group: 'operator.victoriametrics.com', version: 'v1beta1', plural: 'vmclusters' },
  vmAgent: { group: 'operator.victoriametrics.com', version: 'v1beta1', plural: 'vmagents' },
  vmAuth: { group: 'operator.victoriametrics.com', version: 'v1beta1', plural: 'vmauths' },
  // VLCluster is served at v1 (operator v0.56+)
  vlCluster: { group: 'operator.victoriametrics.com', version: 'v1', plural: 'vlclusters' },
  volumeSnapshot: { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots' },
  vmRule: { group: 'operator.victoriametrics.com', version: 'v1beta1', plural: 'vmrules' },
  prometheusRule: { group: 'monitoring.coreos.com', version: 'v1', plural: 'prometheusrules' },
} satisfies Record<string, Gvr>;

/**
 * The kafka.strimzi.io versions to read, most preferred first. Strimzi
 * packaging/install/cluster-operator/040-Crd-kafka.yaml (and the other Crd files): 0.48 serves only
 * v1beta2, 0.49 to 0.51 serve v1 and v1beta2 (storage), 1.0.0 and later serve only v1.
 */
export const STRIMZI_VERSIONS: readonly string[] = ['v1', 'v1beta2'];

/** The versions of `group` the apiserver serves (API discovery, `GET /apis`); [] when none. */
export async function servedVersions(k: ClusterHandle, group: string): Promise<string[]> {
  const list = await k.apis.getAPIVersions();
  return (list.groups ?? []).find((g) => g.name === group)?.versions.map((v) => v.version) ?? [];
}

/**
 * `gvr` at the first of `versions` its group serves (API discovery). Throws naming the group, the
 * versions wanted and those served when none is: a clear finding instead of a 404.
 */
export async function servedGvr(k: ClusterHandle, gvr: Gvr, versions: readonly string[]): Promise<Gvr> {
  const served = await servedVersions(k, gvr.group);
  const version = versions.find((v) => served.includes(v));
  if (!version)
    throw new Error(
      `API group ${gvr.group} (${gvr.plural}) is not served in a version this check reads (${versions.join(', ')}); served: ${served.length ? served.join(', ') : 'none (the CRDs are not installed)'}`,
    );
  return { ...gvr, version };
}

export async function getCustom(
  cluster: ClusterHandle,
  gvr: Gvr,
  namespace: string | undefined,
  name: string,
): Promise<KObject> {
  const obj = namespace
    ? await cluster.custom.getNamespacedCustomObject({ ...gvr, namespace, name })
    : await cluster.custom.getClusterCustomObject({ ...gvr, name });
  return obj as KObject;
}

/** All objects of a type; in one namespace, or across namespaces when `namespace` is undefined. */
export async function listCustom(cluster: ClusterHandle, gvr: Gvr, namespace?: string): Promise<KObject[]> {
  const list = namespace
    ? await cluster.custom.listNamespacedCustomObject({ ...gvr, namespace })
    : await cluster.custom.listClusterCustomObject({ ...gvr });
  return ((list as { items?: KObject[] }).items ?? []) as KObject[];
}

export function podReady(p: V1Pod): boolean {
  return (
    p.status?.phase === 'Running' &&
    !!p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

export function restartCounts(p: V1Pod): Record<string, number> {
  return Object.fromEntries((p.status?.containerStatuses ?? []).map((c) => [c.name, c.restartCount]));
}

export function podSummary(p: V1Pod) {
  return {
    name: p.metadata?.name,
    uid: p.metadata?.uid,
    node: p.spec?.nodeName,
    phase: p.status?.phase,
    ready: podReady(p),
    podIP: p.status?.podIP,
    restarts: restartCounts(p),
  };
}

export async function listPods(
  cluster: ClusterHandle,
  namespace: string,
  labelSelector: string,
): Promise<V1Pod[]> {
  return (await cluster.core.listNamespacedPod({ namespace, labelSelector })).items;
}

/** A label map as a selector string (`a=b,c=d`). */
export function selectorOf(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** True when the error is an API 404. */
export function isNotFound(e: unknown): boolean {
  const err = e as { code?: number; statusCode?: number; status?: number; body?: unknown; message?: string };
  return (
    err?.code === 404 ||
    err?.statusCode === 404 ||
    err?.status === 404 ||
    /HTTP-Code: 404/.test(err?.message ?? '')
  );
}
