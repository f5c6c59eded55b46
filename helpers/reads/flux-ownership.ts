/**
 * Which Flux object manages a Kubernetes object, read the way `flux-operator trace` reads it
 * (controlplaneio-fluxcd/flux-operator, cmd/cli trace.go getFluxReconciler): the FluxInstance for
 * `app.kubernetes.io/managed-by: flux-operator` with `fluxcd.controlplane.io/name|namespace`, else
 * a `<kind>.….fluxcd.…/name` label with its `/namespace` label (kustomize -> Kustomization, helm ->
 * HelmRelease, resourceset -> ResourceSet). No label: its owners are asked in turn.
 */

export type FluxKind = 'Kustomization' | 'HelmRelease' | 'ResourceSet' | 'FluxInstance';

export interface FluxManager {
  kind: FluxKind;
  name: string;
  namespace: string;
}

const KIND_OF_PREFIX: Record<string, FluxKind> = {
  kustomize: 'Kustomization',
  helm: 'HelmRelease',
  resourceset: 'ResourceSet',
};

/** The Flux manager the labels name, or undefined when they name none (not managed by Flux). */
export function fluxManagerOf(labels: Record<string, string> | undefined): FluxManager | undefined {
  const l = labels ?? {};
  if (l['app.kubernetes.io/managed-by'] === 'flux-operator') {
    const name = l['fluxcd.controlplane.io/name'];
    const namespace = l['fluxcd.controlplane.io/namespace'];
    return name && namespace ? { kind: 'FluxInstance', name, namespace } : undefined;
  }
  for (const [key, name] of Object.entries(l)) {
    const m = /^([a-z]+)\.(?:[a-z0-9-]+\.)*fluxcd\.[a-z.]+\/name$/.exec(key);
    const kind = m ? KIND_OF_PREFIX[m[1]!] : undefined;
    const namespace = l[key.replace(/\/name$/, '/namespace')];
    if (kind && name && namespace) return { kind, name, namespace };
  }
  return undefined;
}

export const describeManager = (m: FluxManager) => `${m.kind} ${m.namespace}/${m.name}`;

/**
 * Why an object no Flux object manages is there, from what installed it: the Helm CLI leaves
 * `app.kubernetes.io/managed-by: Helm` and `meta.helm.sh/release-name` without helm-controller's
 * labels (a bootstrap release no HelmRelease adopted).
 */
export function unmanagedHint(
  labels: Record<string, string> | undefined,
  annotations: Record<string, string> | undefined,
): string {
  const release = annotations?.['meta.helm.sh/release-name'];
  if (labels?.['app.kubernetes.io/managed-by'] === 'Helm' || release)
    return `installed by the Helm CLI (release ${release ?? '?'} in ${annotations?.['meta.helm.sh/release-namespace'] ?? '?'}), adopted by no HelmRelease`;
  const by = labels?.['app.kubernetes.io/managed-by'];
  return by ? `managed-by ${by}, no Flux label` : 'no Flux label, no owner';
}
