/**
 * Routing simulated pods to local processes with KWOK's debugging resources
 * (group kwok.x-k8s.io/v1alpha1). KWOK serves the kubelet API for every simulated node, so
 * `kubectl port-forward|exec|logs` go: kubectl -> real kube-apiserver -> KWOK -> this route.
 *
 * - A namespaced PortForward/Exec/Logs named after a pod routes that one pod. It wins over any
 *   Cluster* rule, so this module merges all routes of one pod into that pod's single object
 *   (per port for PortForward, per container for Exec/Logs).
 * - Without `pods`, a Cluster* object selecting the namespace routes every pod in it.
 * - Exec runs the command on this machine; KWOK resolves it on its own PATH, which starts with
 *   .lab/shims (put shim executables there); the route adds PV_LAB_CLUSTER, PV_LAB_NAMESPACE,
 *   PV_LAB_POD (per-pod routes), PV_LAB_CONTAINER (if one container) to the command's env.
 */
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { registerLogMirror } from './cri-log.js';
import type { LabClusterName } from './topology.js';

export const KWOK_GROUP = 'kwok.x-k8s.io';
export const KWOK_VERSION = 'v1alpha1';

export interface PodSelection {
  namespace: string;
  /** pod names; omitted = every pod in the namespace (a Cluster* rule) */
  pods?: string[];
}

export interface RoutePortOptions extends PodSelection {
  /** pod port(s); omitted = every port not routed otherwise */
  ports?: number[];
  /** where the bytes go: a local process on loopback */
  target: { address: string; port: number };
}

export interface RouteExecOptions extends PodSelection {
  /** container names; omitted = every container */
  containers?: string[];
  /** extra env for the executed command */
  env?: Record<string, string>;
  workDir?: string;
}

export interface RouteLogsOptions extends PodSelection {
  containers?: string[];
  /** absolute path of the file `kubectl logs` shows */
  logsFile: string;
  /**
   * 'text' (default): a plain log a process writes; the pod runtime mirrors it into the CRI
   * format KWOK requires (new lines show up within ~0.5 s). 'cri': the file already is
   * `<RFC3339Nano> stdout F <line>` lines (see criLine in lab/core/cri-log.ts).
   */
  format?: 'text' | 'cri';
  previousLogsFile?: string;
  /** keep streaming with -f (default true) */
  follow?: boolean;
}

export interface LabRouting {
  routePodPort(cluster: LabClusterName, opts: RoutePortOptions): Promise<void>;
  routeExec(cluster: LabClusterName, opts: RouteExecOptions): Promise<void>;
  routeLogs(cluster: LabClusterName, opts: RouteLogsOptions): Promise<void>;
  /** remove every per-pod route (PortForward, Exec, Logs) of one pod */
  unroutePod(cluster: LabClusterName, namespace: string, pod: string): Promise<void>;
}

type Kind = 'PortForward' | 'Exec' | 'Logs';
const PLURAL: Record<Kind, string> = { PortForward: 'portforwards', Exec: 'execs', Logs: 'logs' };
const CLUSTER_PLURAL: Record<Kind, string> = {
  PortForward: 'clusterportforwards',
  Exec: 'clusterexecs',
  Logs: 'clusterlogs',
};
const LIST_FIELD: Record<Kind, string> = { PortForward: 'forwards', Exec: 'execs', Logs: 'logs' };

interface KwokObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

function httpCode(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'code' in e
    ? Number((e as { code: unknown }).code)
    : undefined;
}

/** A rule entry "overlaps" an existing one when it covers the same ports/containers (or both are defaults). */
function sameKeys(a: unknown[] | undefined, b: unknown[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  if (x.length === 0 || y.length === 0) return x.length === 0 && y.length === 0;
  return x.some((v) => y.includes(v));
}

export function createRouting(
  kubeconfigs: Record<LabClusterName, KubeConfig>,
  shimsDir: string,
  binDir: string,
  dataDir: string,
): LabRouting {
  const api = (cluster: LabClusterName) => {
    const kc = kubeconfigs[cluster];
    if (!kc) throw new Error(`routing: unknown lab cluster '${cluster}' (expected infra or apps)`);
    return kc.makeApiClient(CustomObjectsApi);
  };

  async function ensureNamespace(cluster: LabClusterName, name: string): Promise<void> {
    const core = kubeconfigs[cluster]!.makeApiClient(CoreV1Api);
    try {
      await core.createNamespace({ body: { metadata: { name } } });
    } catch (e) {
      if (httpCode(e) !== 409) throw e; // 409: created meanwhile
    }
  }

  /** read-modify-write of one object with a bounded retry on conflicts */
  async function upsert(
    cluster: LabClusterName,
    kind: Kind,
    namespaced: boolean,
    name: string,
    namespace: string,
    entry: Record<string, unknown>,
    keyField: 'ports' | 'containers',
    selector?: Record<string, unknown>,
  ): Promise<void> {
    const client = api(cluster);
    const plural = namespaced ? PLURAL[kind] : CLUSTER_PLURAL[kind];
    const fullKind = namespaced ? kind : `Cluster${kind}`;
    const listField = LIST_FIELD[kind];
    for (let attempt = 0; attempt < 5; attempt++) {
      let existing: KwokObject | undefined;
      try {
        existing = (await (namespaced
          ? client.getNamespacedCustomObject({
              group: KWOK_GROUP,
              version: KWOK_VERSION,
              namespace,
              plural,
              name,
            })
          : client.getClusterCustomObject({
              group: KWOK_GROUP,
              version: KWOK_VERSION,
              plural,
              name,
            }))) as KwokObject;
      } catch (e) {
        if (httpCode(e) !== 404) throw e;
      }
      const old = ((existing?.spec[listField] as Record<string, unknown>[] | undefined) ?? []).filter(
        (o) => !sameKeys(o[keyField] as unknown[] | undefined, entry[keyField] as unknown[] | undefined),
      );
      const body: KwokObject = {
        apiVersion: `${KWOK_GROUP}/${KWOK_VERSION}`,
        kind: fullKind,
        metadata: {
          name,
          ...(namespaced ? { namespace } : {}),
          labels: { 'app.kubernetes.io/managed-by': 'pv-lab' },
          ...(existing?.metadata.resourceVersion
            ? { resourceVersion: existing.metadata.resourceVersion }
            : {}),
        },
        spec: { ...(selector ? { selector } : {}), [listField]: [...old, entry] },
      };
      try {
        if (!existing) {
          await (namespaced
            ? client.createNamespacedCustomObject({
                group: KWOK_GROUP,
                version: KWOK_VERSION,
                namespace,
                plural,
                body,
              })
            : client.createClusterCustomObject({ group: KWOK_GROUP, version: KWOK_VERSION, plural, body }));
        } else {
          await (namespaced
            ? client.replaceNamespacedCustomObject({
                group: KWOK_GROUP,
                version: KWOK_VERSION,
                namespace,
                plural,
                name,
                body,
              })
            : client.replaceClusterCustomObject({
                group: KWOK_GROUP,
                version: KWOK_VERSION,
                plural,
                name,
                body,
              }));
        }
        return;
      } catch (e) {
        if (namespaced && httpCode(e) === 404 && !existing) {
          // routes may be set up before whoever owns the namespace creates it
          await ensureNamespace(cluster, namespace);
          continue;
        }
        if (httpCode(e) !== 409) throw e; // conflict: someone else wrote it; read again
      }
    }
    throw new Error(`routing: could not write ${fullKind} ${namespace}/${name} after 5 conflicting attempts`);
  }

  /** apply an entry per pod (namespaced objects) or once for the namespace (Cluster* object) */
  async function apply(
    cluster: LabClusterName,
    kind: Kind,
    sel: PodSelection,
    entry: (pod: string | undefined) => Record<string, unknown>,
    keyField: 'ports' | 'containers',
  ): Promise<void> {
    if (!sel.namespace) throw new Error(`routing ${kind}: namespace is required`);
    if (sel.pods && sel.pods.length > 0) {
      for (const pod of sel.pods) await upsert(cluster, kind, true, pod, sel.namespace, entry(pod), keyField);
    } else {
      await upsert(cluster, kind, false, `pv-lab-${sel.namespace}`, '', entry(undefined), keyField, {
        matchNamespaces: [sel.namespace],
      });
    }
  }

  return {
    async routePodPort(cluster, opts) {
      const { address, port } = opts.target;
      if (!/^127\.\d+\.\d+\.\d+$/.test(address)) {
        throw new Error(`routePodPort: target address ${address} is not on loopback (127.0.0.0/8)`);
      }
      await apply(
        cluster,
        'PortForward',
        opts,
        () => ({ ...(opts.ports?.length ? { ports: opts.ports } : {}), target: { address, port } }),
        'ports',
      );
    },
    async routeExec(cluster, opts) {
      await apply(
        cluster,
        'Exec',
        opts,
        (pod) => {
          const env: Record<string, string> = {
            PATH: `${shimsDir}:${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
            PV_LAB_CLUSTER: cluster,
            PV_LAB_NAMESPACE: opts.namespace,
            ...(pod ? { PV_LAB_POD: pod } : {}),
            ...(opts.containers?.length === 1 ? { PV_LAB_CONTAINER: opts.containers[0]! } : {}),
            ...opts.env,
          };
          return {
            ...(opts.containers?.length ? { containers: opts.containers } : {}),
            local: {
              ...(opts.workDir ? { workDir: opts.workDir } : {}),
              envs: Object.entries(env).map(([name, value]) => ({ name, value })),
            },
          };
        },
        'containers',
      );
    },
    async routeLogs(cluster, opts) {
      const file = opts.format === 'cri' ? opts.logsFile : registerLogMirror(dataDir, opts.logsFile);
      await apply(
        cluster,
        'Logs',
        opts,
        () => ({
          ...(opts.containers?.length ? { containers: opts.containers } : {}),
          logsFile: file,
          ...(opts.previousLogsFile ? { previousLogsFile: opts.previousLogsFile } : {}),
          follow: opts.follow ?? true,
        }),
        'containers',
      );
    },
    async unroutePod(cluster, namespace, pod) {
      const client = api(cluster);
      for (const kind of ['PortForward', 'Exec', 'Logs'] as Kind[]) {
        try {
          await client.deleteNamespacedCustomObject({
            group: KWOK_GROUP,
            version: KWOK_VERSION,
            namespace,
            plural: PLURAL[kind],
            name: pod,
          });
        } catch (e) {
          if (httpCode(e) !== 404) throw e;
        }
      }
    },
  };
}
