// A ServiceMonitor's wiring, read as the Prometheus operator (and VictoriaMetrics' converter) reads
// it: its selector and namespaceSelector pick Services, an endpoint's `port` names a Service port,
// and the targets are those Services' ready EndpointSlice endpoints. The label mismatch the
// Dragonfly risk profile names (MON-001) leaves a ServiceMonitor that selects nothing, and no
// series: this shows which link broke before any query is made.
import type { V1EndpointSlice, V1LabelSelector, V1Pod, V1Service } from '@kubernetes/client-node';
import type { ClusterHandle } from '../cluster/index.js';
import type { Facts } from '../config/index.js';
import { getCustom, isNotFound, podReady, type Gvr } from '../reads/k8s.js';
import { selectorString } from '../tunnel/resolve.js';
import type { Probe } from './kubernetes.js';
import { pollWithin } from './poll.js';

export const SERVICE_MONITOR: Gvr = {
  group: 'monitoring.coreos.com',
  version: 'v1',
  plural: 'servicemonitors',
};

interface ServiceMonitorSpec {
  selector?: V1LabelSelector;
  namespaceSelector?: { any?: boolean; matchNames?: string[] };
  endpoints?: { port?: string; targetPort?: number | string }[];
}

export interface MonitorWiring {
  serviceMonitor: string;
  selector: string;
  namespaces: string[] | 'any';
  services: { name: string; ports: string[]; readyPods: string[] }[];
}

const nameOf = (o: { metadata?: { namespace?: string; name?: string } }) =>
  `${o.metadata?.namespace}/${o.metadata?.name}`;

/**
 * What is broken between the ServiceMonitor and `pods` (the ones it must scrape), [] when every pod
 * is a ready endpoint of a selected Service that has the port each endpoint names.
 */
export function monitorProblems(w: MonitorWiring, ports: string[], pods: readonly string[]): string[] {
  const where = w.namespaces === 'any' ? 'any namespace' : `namespace ${w.namespaces.join(', ')}`;
  if (!w.services.length)
    return [
      `ServiceMonitor ${w.serviceMonitor} selects no Service (selector ${w.selector || '(all)'} in ${where})`,
    ];
  const problems: string[] = [];
  for (const port of ports) {
    const without = w.services.filter((s) => !s.ports.includes(port)).map((s) => s.name);
    if (without.length === w.services.length)
      problems.push(
        `ServiceMonitor ${w.serviceMonitor} endpoint port ${port}: no selected Service has it (${without.join(', ')})`,
      );
  }
  // a Service without any endpoint's port yields no target, whatever its endpoints
  const scraping = w.services.filter((s) => !ports.length || ports.some((p) => s.ports.includes(p)));
  const scraped = new Set(scraping.flatMap((s) => s.readyPods));
  const missing = pods.filter((p) => !scraped.has(p));
  const via = ports.length ? ` with port ${ports.join(' or ')}` : '';
  if (missing.length)
    problems.push(
      `ServiceMonitor ${w.serviceMonitor}: ${missing.length} of ${pods.length} pods are no ready endpoint of a selected Service${via} (${missing.join(', ')}; selected: ${w.services.map((s) => s.name).join(', ')})`,
    );
  return problems;
}

/** Reads the ServiceMonitor, the Services it selects and their ready endpoints' pods. */
export async function readMonitorWiring(
  k: ClusterHandle,
  namespace: string,
  name: string,
): Promise<{ wiring?: MonitorWiring; ports: string[] }> {
  const sm = await getCustom(k, SERVICE_MONITOR, namespace, name).catch((e: unknown) => {
    if (isNotFound(e)) return undefined;
    throw e;
  });
  if (!sm) return { ports: [] };
  const spec = (sm.spec ?? {}) as ServiceMonitorSpec;
  const selector = selectorString(spec.selector ?? {});
  const namespaces = spec.namespaceSelector?.any
    ? 'any'
    : (spec.namespaceSelector?.matchNames ?? [namespace]);
  const services: V1Service[] =
    namespaces === 'any'
      ? (await k.core.listServiceForAllNamespaces({ labelSelector: selector })).items
      : (
          await Promise.all(
            namespaces.map((ns) => k.core.listNamespacedService({ namespace: ns, labelSelector: selector })),
          )
        ).flatMap((l) => l.items);
  const readyPods = async (svc: V1Service): Promise<string[]> => {
    const slices: V1EndpointSlice[] = (
      await k.discovery.listNamespacedEndpointSlice({
        namespace: svc.metadata!.namespace!,
        labelSelector: `kubernetes.io/service-name=${svc.metadata!.name}`,
      })
    ).items;
    return slices.flatMap((s) =>
      s.endpoints
        .filter((e) => e.conditions?.ready !== false && e.targetRef?.kind === 'Pod')
        .map((e) => `${e.targetRef!.namespace ?? svc.metadata!.namespace}/${e.targetRef!.name}`),
    );
  };
  return {
    ports: (spec.endpoints ?? []).map((e) => e.port).filter((p): p is string => !!p),
    wiring: {
      serviceMonitor: `${namespace}/${name}`,
      selector,
      namespaces,
      services: await Promise.all(
        services.map(async (s) => ({
          name: nameOf(s),
          ports: (s.spec?.ports ?? []).map((p) => p.name ?? String(p.port)),
          readyPods: await readyPods(s),
        })),
      ),
    },
  };
}

/** Ready pods as `<namespace>/<name>`, the form readMonitorWiring gives the endpoints in. */
export const readyPodNames = (pods: readonly V1Pod[]) => pods.filter(podReady).map(nameOf);

/**
 * The ServiceMonitor named scrapes every Ready pod of `podSelector`: it exists, selects a Service
 * that has each endpoint's port, and each pod is a ready endpoint of a selected Service. Polls
 * (an EndpointSlice catching up with a pod settles), attaches the wiring it read.
 */
export function scrapesEveryPod(
  pick: (f: Facts) => { namespace: string; serviceMonitor: string; podSelector: string },
  timeoutMs = 30_000,
): Probe {
  return async ({ cluster, facts, evidence }) => {
    const { namespace, serviceMonitor, podSelector } = pick(facts);
    await pollWithin(
      async () => {
        const { wiring, ports } = await readMonitorWiring(cluster, namespace, serviceMonitor);
        const pods = readyPodNames(
          (await cluster.core.listNamespacedPod({ namespace, labelSelector: podSelector })).items,
        );
        evidence.json('service-monitor', { wiring, ports, pods });
        if (!wiring) return [`ServiceMonitor ${namespace}/${serviceMonitor} not found`];
        if (!pods.length) return [`no Ready pod matches ${podSelector} in namespace ${namespace}`];
        return monitorProblems(wiring, ports, pods);
      },
      `ServiceMonitor ${namespace}/${serviceMonitor} does not scrape every pod of ${podSelector}`,
      timeoutMs,
    ).toEqual([]);
  };
}
