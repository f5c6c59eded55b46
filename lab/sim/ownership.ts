/**
 * Who manages each seeded object, written the way the real managers write it (simulated: no Flux
 * controller applies the fixtures here):
 *
 * - kustomize-controller labels every object it applies `kustomize.toolkit.fluxcd.io/name|namespace`
 *   (the fixtures stand for the cluster's infrastructure Kustomization; CRDs for the Phase 0 `crds` one);
 * - helm-controller labels what a HelmRelease renders `helm.toolkit.fluxcd.io/name|namespace`, and Helm
 *   itself adds `app.kubernetes.io/managed-by: Helm` and the `meta.helm.sh/release-*` annotations;
 * - flux-operator labels the Flux controllers it installs for the FluxInstance
 *   `app.kubernetes.io/managed-by: flux-operator`, `fluxcd.controlplane.io/name|namespace`;
 * - an operator's children carry an ownerReference to the custom resource (or, for Rook's CSI
 *   driver, the operator Deployment) that made them, and no Flux label.
 *
 * That is what `flux-operator trace` reads to name an object's reconciler (labels, then owners).
 */
import type { K8sObject } from './fixtures.js';

export const FLUX_NAMESPACE = 'flux-system';
/** the Phase 0 Kustomization that installs the CRDs (fixtures/common/12-flux.yaml) */
export const CRDS_KUSTOMIZATION = 'crds';
/** the field manager kustomize-controller applies with */
export const KUSTOMIZE_MANAGER = 'kustomize-controller';
/** the field manager the lab writes operators' ownerReferences with */
export const OPERATOR_MANAGER = 'pv-lab-operators';

const WORKLOAD_KINDS = new Set(['Deployment', 'DaemonSet', 'StatefulSet']);
const FLUX_CONTROLLERS = /^(source|kustomize|helm|notification|image-reflector|image-automation)-controller$/;

/** workloads a HelmRelease renders: `<namespace>/<name pattern>` -> the HelmRelease (same namespace) */
const HELM_RENDERED: readonly [namespace: string, name: RegExp, release: string][] = [
  ['kube-system', /^(cilium|cilium-operator|clustermesh-apiserver|hubble-relay|hubble-ui)$/, 'cilium'],
  ['kube-system', /^coredns$/, 'coredns'],
  ['cert-manager', /^cert-manager(-cainjector|-webhook)?$/, 'cert-manager'],
  ['external-secrets', /^external-secrets(-cert-controller|-webhook)?$/, 'external-secrets'],
  ['cnpg-system', /^cnpg-cloudnative-pg$/, 'cloudnative-pg'],
  ['flux-system', /^flux-operator$/, 'flux-operator'],
  ['observability', /^victoria-metrics-operator$/, 'victoria-metrics-operator'],
  ['rook-ceph', /^rook-ceph-operator$/, 'rook-ceph-operator'],
  ['rook-ceph', /^rook-ceph-tools$/, 'rook-ceph-cluster'],
  ['spegel-system', /^spegel$/, 'spegel'],
  ['dragonfly-system', /^dragonfly-operator$/, 'dragonfly-operator'],
  ['gitlab', /^gitlab-/, 'gitlab'],
  ['harbor', /^harbor-/, 'harbor'],
  ['messaging', /^strimzi-cluster-operator$/, 'strimzi-kafka-operator'],
  ['messaging', /^schema-registry$/, 'schema-registry'],
];

export interface OwnerRef {
  apiVersion: string;
  kind: string;
  name: string;
}

/** workloads an operator creates: `<namespace>/<name pattern>` -> the object its ownerReference names */
const OPERATOR_CREATED: readonly [namespace: string, name: RegExp, owner: OwnerRef][] = [
  [
    'rook-ceph',
    /^rook-ceph-(mon|mgr|osd)-/,
    { apiVersion: 'ceph.rook.io/v1', kind: 'CephCluster', name: 'rook-ceph' },
  ],
  ['rook-ceph', /^csi-/, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'rook-ceph-operator' }],
  [
    'observability',
    /^(vminsert|vmselect|vmstorage)-victoria-metrics$/,
    { apiVersion: 'operator.victoriametrics.com/v1beta1', kind: 'VMCluster', name: 'victoria-metrics' },
  ],
  [
    'observability',
    /^vmagent-vmagent$/,
    { apiVersion: 'operator.victoriametrics.com/v1beta1', kind: 'VMAgent', name: 'vmagent' },
  ],
  [
    'observability',
    /^vmauth-victoria-metrics$/,
    { apiVersion: 'operator.victoriametrics.com/v1beta1', kind: 'VMAuth', name: 'victoria-metrics' },
  ],
  [
    'observability',
    /^(vlinsert|vlselect|vlstorage)-victoria-logs$/,
    { apiVersion: 'operator.victoriametrics.com/v1', kind: 'VLCluster', name: 'victoria-logs' },
  ],
  [
    'messaging',
    /^kafka-cluster-entity-operator$/,
    { apiVersion: 'kafka.strimzi.io/v1', kind: 'Kafka', name: 'kafka-cluster' },
  ],
];

const kustomized = (name: string) => ({
  'kustomize.toolkit.fluxcd.io/name': name,
  'kustomize.toolkit.fluxcd.io/namespace': FLUX_NAMESPACE,
});

/** The operator that creates this workload (its ownerReference), if an operator does. */
export function operatorOwner(o: K8sObject): OwnerRef | undefined {
  if (!WORKLOAD_KINDS.has(o.kind)) return undefined;
  const ns = o.metadata.namespace ?? '';
  return OPERATOR_CREATED.find(([n, re]) => n === ns && re.test(o.metadata.name))?.[2];
}

/**
 * The seeded object with its manager's labels and annotations: `infrastructure` names the
 * Kustomization that stands for the fixtures. Operator-created workloads are returned unchanged
 * (their ownerReference is written once their owner exists: lab/sim/world.ts).
 */
export function withOwnership(o: K8sObject, infrastructure: string): K8sObject {
  // an operator's child (declared with its ownerReference, or given one later) carries no Flux label
  if (operatorOwner(o) || (o.metadata.ownerReferences as unknown[] | undefined)?.length) return o;
  const ns = o.metadata.namespace ?? '';
  const labels = { ...(o.metadata.labels ?? {}) };
  const annotations = { ...(o.metadata.annotations ?? {}) };
  const release = WORKLOAD_KINDS.has(o.kind)
    ? HELM_RENDERED.find(([n, re]) => n === ns && re.test(o.metadata.name))?.[2]
    : undefined;
  if (o.kind === 'CustomResourceDefinition') Object.assign(labels, kustomized(CRDS_KUSTOMIZATION));
  else if (WORKLOAD_KINDS.has(o.kind) && ns === FLUX_NAMESPACE && FLUX_CONTROLLERS.test(o.metadata.name))
    Object.assign(labels, {
      'app.kubernetes.io/managed-by': 'flux-operator',
      'fluxcd.controlplane.io/name': 'flux',
      'fluxcd.controlplane.io/namespace': FLUX_NAMESPACE,
    });
  else if (release) {
    Object.assign(labels, {
      'app.kubernetes.io/managed-by': 'Helm',
      'helm.toolkit.fluxcd.io/name': release,
      'helm.toolkit.fluxcd.io/namespace': ns,
    });
    Object.assign(annotations, {
      'meta.helm.sh/release-name': release,
      'meta.helm.sh/release-namespace': ns,
    });
  } else Object.assign(labels, kustomized(infrastructure));
  return { ...o, metadata: { ...o.metadata, labels, annotations } };
}
