// Cilium under GitOps, what the checks compare: cluster-settings against the facts (CILIUM TECH-010:
// the substitution values Flux hands every Kustomization must be this cluster's own, key by key), and
// the cilium HelmRelease's drift detection and chart source as one line each.
import type { Facts } from '../config/index.js';
import { describeCondition, isTrue, type KObject } from '../reads/k8s.js';

/** spec.driftDetection.mode of a HelmRelease, 'unset' when absent (helm-controller's default: disabled) */
export function driftDetectionMode(hr: KObject): string {
  return String((hr.spec?.driftDetection as { mode?: string } | undefined)?.mode ?? 'unset');
}

/** `Ready; chartRef <Kind> <ns>/<name>`, or the Ready condition in place of `Ready` when it is not True */
export function readyFromChart(hr: KObject): string {
  const ref = (hr.spec?.chartRef ?? {}) as { kind?: string; name?: string; namespace?: string };
  const ready = isTrue(hr, 'Ready') ? 'Ready' : describeCondition(hr, 'Ready');
  return `${ready}; chartRef ${ref.kind ?? 'unset'} ${ref.namespace ?? hr.metadata?.namespace}/${ref.name ?? 'unset'}`;
}

/** key -> the value the facts expect in flux-system/cluster-settings */
export function expectedSettings(f: Facts): Record<string, string> {
  const k = f.cluster.settings.keys;
  return {
    [k.name]: f.cluster.name,
    [k.id]: String(f.cluster.id),
    [k.podCidr]: f.cluster.podCidr,
    [k.serviceCidr]: f.cluster.serviceCidr,
    [k.lbPoolCidr]: f.cilium.lbPool.cidr,
    [k.dnsClusterIp]: f.coredns.clusterIp,
  };
}

/** `KEY: "seen" (expected "want")` for each key that differs or is missing. */
export function settingsMismatches(
  data: Record<string, string> | undefined,
  want: Record<string, string>,
): string[] {
  return Object.entries(want)
    .filter(([key, v]) => data?.[key] !== v)
    .map(
      ([key, v]) =>
        `${key}: ${data?.[key] === undefined ? 'missing' : JSON.stringify(data[key])} (expected ${JSON.stringify(v)})`,
    );
}
