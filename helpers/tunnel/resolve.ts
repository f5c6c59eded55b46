// Resolves a tunnel target (Pod, Service, Deployment, StatefulSet) to one ready pod and a container port.
import { ApiException, type V1Pod, type V1LabelSelector } from '@kubernetes/client-node';
import { where, type ClusterHandle } from '../cluster/handle.js';

export type TunnelKind = 'Pod' | 'Service' | 'Deployment' | 'StatefulSet';

export interface TunnelTarget {
  kind: TunnelKind;
  namespace: string;
  name: string;
  /** Pod/Deployment/StatefulSet: a container port (number or name). Service: a service port (number or name). */
  port: number | string;
}

export interface ResolvedTarget {
  namespace: string;
  pod: string;
  port: number;
}

export class TunnelResolveError extends Error {
  override name = 'TunnelResolveError';
}

export function describeTarget(t: TunnelTarget): string {
  return `${t.kind} ${t.namespace}/${t.name} port ${t.port}`;
}

export function isPodReady(p: V1Pod): boolean {
  return (
    !p.metadata?.deletionTimestamp &&
    p.status?.phase === 'Running' &&
    !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')
  );
}

/** A label selector as the API's string form (matchLabels and matchExpressions). */
export function selectorString(sel: V1LabelSelector | Record<string, string> | undefined): string {
  if (!sel) return '';
  const isLs = 'matchLabels' in sel || 'matchExpressions' in sel;
  const labels = (isLs ? (sel as V1LabelSelector).matchLabels : (sel as Record<string, string>)) ?? {};
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
  for (const e of (isLs ? (sel as V1LabelSelector).matchExpressions : undefined) ?? []) {
    const vals = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** A container port of the pod by number (taken as is) or by name (looked up in the pod spec). */
export function containerPort(pod: V1Pod, port: number | string): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  for (const c of pod.spec?.containers ?? []) {
    const p = c.ports?.find((x) => x.name === port);
    if (p) return p.containerPort;
  }
  const names = (pod.spec?.containers ?? []).flatMap((c) =>
    (c.ports ?? []).map((p) => p.name).filter(Boolean),
  );
  throw new TunnelResolveError(
    `pod ${pod.metadata?.namespace}/${pod.metadata?.name} has no container port named "${port}" (named ports: ${names.join(', ') || 'none'})`,
  );
}

function readySince(p: V1Pod): number {
  const t = p.status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime;
  const ms = t ? new Date(t).getTime() : NaN;
  return Number.isFinite(ms) ? ms : Number.MAX_SAFE_INTEGER;
}

async function readyPodFor(
  cluster: ClusterHandle,
  namespace: string,
  selector: string,
  what: string,
  exclude: ReadonlySet<string>,
): Promise<V1Pod> {
  if (!selector) throw new TunnelResolveError(`${what} on ${where(cluster)} has no selector`);
  const pods = await cluster.core.listNamespacedPod({ namespace, labelSelector: selector });
  // the pod ready the longest first (a pod that just turned ready may still be warming up), then by name
  const ready = pods.items
    .filter(isPodReady)
    .sort((a, b) => readySince(a) - readySince(b) || (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
  const pick = ready.find((p) => !exclude.has(p.metadata!.name!)) ?? ready[0];
  if (!pick) {
    const seen = pods.items.map(
      (p) =>
        `${p.metadata?.name} (${p.status?.phase}${p.metadata?.deletionTimestamp ? ', terminating' : ''})`,
    );
    throw new TunnelResolveError(
      `${what} on ${where(cluster)}: no ready pod matches selector ${selector} (pods: ${seen.join(', ') || 'none'})`,
    );
  }
  return pick;
}

async function read<T>(p: Promise<T>, what: string, cluster: ClusterHandle): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if (err instanceof ApiException && err.code === 404)
      throw new TunnelResolveError(`${what} does not exist on ${where(cluster)}`);
    throw err;
  }
}

/** Resolves the target now. `exclude` names pods to avoid (a pod that just failed) when another is ready. */
export async function resolveTarget(
  cluster: ClusterHandle,
  t: TunnelTarget,
  exclude: ReadonlySet<string> = new Set(),
): Promise<ResolvedTarget> {
  const ns = t.namespace;
  const what = `${t.kind} ${ns}/${t.name}`;
  if (t.kind === 'Pod') {
    const pod = await read(cluster.core.readNamespacedPod({ namespace: ns, name: t.name }), what, cluster);
    if (pod.status?.phase !== 'Running' || pod.metadata?.deletionTimestamp) {
      throw new TunnelResolveError(
        `${what} on ${where(cluster)} is not running (phase ${pod.status?.phase ?? 'unknown'}${pod.metadata?.deletionTimestamp ? ', terminating' : ''})`,
      );
    }
    return { namespace: ns, pod: t.name, port: containerPort(pod, t.port) };
  }
  if (t.kind === 'Service') {
    const svc = await read(
      cluster.core.readNamespacedService({ namespace: ns, name: t.name }),
      what,
      cluster,
    );
    const ports = svc.spec?.ports ?? [];
    // by number: a TCP port first (port-forward carries TCP; kube-dns has UDP and TCP on 53)
    const sp =
      typeof t.port === 'number' || /^\d+$/.test(String(t.port))
        ? (ports.find((p) => p.port === Number(t.port) && (p.protocol ?? 'TCP') === 'TCP') ??
          ports.find((p) => p.port === Number(t.port)))
        : ports.find((p) => p.name === t.port);
    if (!sp) {
      throw new TunnelResolveError(
        `${what} on ${where(cluster)} has no port ${JSON.stringify(t.port)} (ports: ${ports.map((p) => `${p.name ?? ''}:${p.port}`).join(', ') || 'none'})`,
      );
    }
    const pod = await readyPodFor(cluster, ns, selectorString(svc.spec?.selector), what, exclude);
    // targetPort: a number, a container port name, or absent (= the service port)
    const tp = sp.targetPort ?? sp.port;
    return { namespace: ns, pod: pod.metadata!.name!, port: containerPort(pod, tp as number | string) };
  }
  const obj =
    t.kind === 'Deployment'
      ? await read(cluster.apps.readNamespacedDeployment({ namespace: ns, name: t.name }), what, cluster)
      : await read(cluster.apps.readNamespacedStatefulSet({ namespace: ns, name: t.name }), what, cluster);
  const pod = await readyPodFor(cluster, ns, selectorString(obj.spec?.selector), what, exclude);
  return { namespace: ns, pod: pod.metadata!.name!, port: containerPort(pod, t.port) };
}
