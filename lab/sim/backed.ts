/**
 * Kubernetes objects for the pods that real lab processes back, built from the services catalogue
 * (lab/services/catalogue.ts): one workload per catalogue workload (StatefulSet or Deployment, with
 * the labels the real operator puts on its pods), the Services in front of them and the credential
 * Secrets (values from the lab's generated credentials; never printed).
 *
 * Per-pod labels that differ between replicas (CNPG instance role, Strimzi pod name, Dragonfly
 * master/replica) are not expressible in a pod template; `podLabels()` returns them and the
 * simulated operator loop (lab/sim/operators.ts) puts them on the pods, as the operators do.
 */
import { serviceCatalogue, type ServiceEntry } from '../services/catalogue.js';
import { serviceSecrets } from '../services/secrets.js';
import type { LabPaths } from '../core/paths.js';
import type { LabClusterName } from '../core/topology.js';
import type { K8sObject } from './fixtures.js';

const IMAGES: Record<ServiceEntry['kind'], string> = {
  postgres: 'ghcr.io/cloudnative-pg/postgresql:16.10-standard-bookworm',
  pgbouncer: 'ghcr.io/cloudnative-pg/pgbouncer:1.24.1',
  redis: 'docker.dragonflydb.io/dragonflydb/dragonfly:v1.34.2',
  kafka: 'quay.io/strimzi/kafka:1.2.0-kafka-4.1.0',
  'schema-registry': 'docker.io/bitnami/schema-registry:8.0.1',
  registry: 'docker.io/goharbor/registry-photon:v2.14.0',
  'harbor-core': 'docker.io/goharbor/harbor-core:v2.14.0',
  coredns: 'mirror.gcr.io/coredns/coredns:1.12.3',
};

/** Marks the workloads and pods a real local process backs (the operator loop re-routes new pods). */
export const BACKED = { 'lab.platform-validation.io/backed-by': 'local-process' };

/** Labels the kube-controller-manager sets itself on StatefulSet pods. */
const CONTROLLER_SET = new Set(['statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index']);

interface Group {
  key: string;
  namespace: string;
  workload: ServiceEntry['workload'];
  owner: ServiceEntry['owner'];
  entries: ServiceEntry[];
}

function groups(cluster: LabClusterName): Group[] {
  const by = new Map<string, Group>();
  for (const e of serviceCatalogue().filter((s) => s.cluster === cluster)) {
    const key = `${e.namespace}/${e.workload.kind}/${e.workload.name}`;
    const g = by.get(key) ?? {
      key,
      namespace: e.namespace,
      workload: e.workload,
      owner: e.owner,
      entries: [],
    };
    g.entries.push(e);
    by.set(key, g);
  }
  return [...by.values()];
}

/** every label of a pod of the group: selector + per-pod labels of its entry */
function podLabelSets(g: Group): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const e of g.entries) {
    for (const pod of e.pods ?? [`${g.workload.name}-*`]) {
      out.set(pod, { ...e.selector, ...(e.podLabels?.[pod] ?? {}) });
    }
  }
  return out;
}

/** labels shared (same key and value) by all pods of the group: the pod template's labels */
function templateLabels(g: Group): Record<string, string> {
  const sets = [...podLabelSets(g).values()];
  const first = sets[0] ?? {};
  return Object.fromEntries(
    Object.entries(first).filter(([k, v]) => !CONTROLLER_SET.has(k) && sets.every((s) => s[k] === v)),
  );
}

/** Per-pod labels the simulated operator adds to backed pods (pod name -> labels). */
export function podLabels(
  cluster: LabClusterName,
): { namespace: string; pod: string; labels: Record<string, string> }[] {
  const out: { namespace: string; pod: string; labels: Record<string, string> }[] = [];
  for (const g of groups(cluster)) {
    const tpl = templateLabels(g);
    for (const [pod, labels] of podLabelSets(g)) {
      if (pod.endsWith('-*')) continue;
      const extra = Object.fromEntries(
        Object.entries(labels).filter(([k]) => !(k in tpl) && !CONTROLLER_SET.has(k)),
      );
      if (Object.keys(extra).length) out.push({ namespace: g.namespace, pod, labels: extra });
    }
  }
  return out;
}

function serviceSelector(g: Group, covered: string[]): Record<string, string> {
  const tpl = templateLabels(g);
  const all = podLabelSets(g);
  const pods = [...all.keys()];
  if (covered.length === pods.length) return tpl;
  const inside = covered.map((p) => all.get(p)!);
  const outside = pods.filter((p) => !covered.includes(p)).map((p) => all.get(p)!);
  // prefer role-like keys shared by the covered pods and absent/different on the others
  const candidates = Object.keys(inside[0] ?? {}).filter(
    (k) => !(k in tpl) && !CONTROLLER_SET.has(k) && inside.every((l) => l[k] === inside[0]![k]),
  );
  const sel = { ...tpl };
  for (const k of candidates.sort((a, b) => Number(/name$/i.test(a)) - Number(/name$/i.test(b)))) {
    sel[k] = inside[0]![k]!;
    if (outside.every((l) => Object.entries(sel).some(([sk, sv]) => l[sk] !== sv))) return sel;
  }
  throw new Error(`backed objects: no label selector picks exactly ${covered.join(', ')} in ${g.key}`);
}

function ownerRef(g: Group, uids: Map<string, string>): Record<string, unknown>[] | undefined {
  if (g.owner.apiVersion === 'apps/v1') return undefined;
  const uid = uids.get(`${g.owner.apiVersion}/${g.owner.kind}/${g.namespace}/${g.owner.name}`);
  if (!uid) return undefined;
  return [
    {
      apiVersion: g.owner.apiVersion,
      kind: g.owner.kind,
      name: g.owner.name,
      uid,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
}

function workload(g: Group, uids: Map<string, string>): K8sObject {
  const e0 = g.entries[0]!;
  const labels = templateLabels(g);
  const headless = g.entries.flatMap((e) => e.services).find((s) => s.headless)?.name;
  const ordinals = g.entries
    .flatMap((e) => e.pods ?? [])
    .map((p) => Number(p.match(/-(\d+)$/)?.[1]))
    .filter((n) => Number.isFinite(n)) as number[];
  const start = ordinals.length ? Math.min(...ordinals) : 0;
  const spread = g.workload.replicas > 1 && g.workload.kind === 'StatefulSet';
  const owners = ownerRef(g, uids);
  const podSpec: Record<string, unknown> = {
    containers: [
      {
        name: e0.container,
        image: IMAGES[e0.kind],
        ports: [{ name: e0.portName, containerPort: e0.containerPort, protocol: 'TCP' }],
      },
    ],
    ...(spread
      ? {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } },
              ],
            },
          },
        }
      : {}),
  };
  const common = {
    metadata: {
      name: g.workload.name,
      namespace: g.namespace,
      labels: { ...labels, ...BACKED },
      ...(owners ? { ownerReferences: owners } : {}),
    },
  };
  if (g.workload.kind === 'StatefulSet') {
    return {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      ...common,
      spec: {
        replicas: g.workload.replicas,
        serviceName: headless ?? e0.services[0]?.name ?? g.workload.name,
        podManagementPolicy: 'Parallel',
        ...(start !== 0 ? { ordinals: { start } } : {}),
        selector: { matchLabels: labels },
        template: { metadata: { labels: { ...labels, ...BACKED } }, spec: podSpec },
      },
    };
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    ...common,
    spec: {
      replicas: g.workload.replicas,
      selector: { matchLabels: labels },
      template: { metadata: { labels: { ...labels, ...BACKED } }, spec: podSpec },
    },
  };
}

function services(g: Group): K8sObject[] {
  const byName = new Map<string, { port: number; headless?: boolean; pods: string[]; entry: ServiceEntry }>();
  for (const e of g.entries) {
    for (const s of e.services) {
      const cur = byName.get(s.name) ?? { port: s.port, headless: s.headless, pods: [], entry: e };
      cur.pods.push(...(e.pods ?? [...podLabelSets(g).keys()]));
      byName.set(s.name, cur);
    }
  }
  return [...byName].map(([name, s]) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: g.namespace, labels: templateLabels(g) },
    spec: {
      ...(s.headless ? { clusterIP: 'None', publishNotReadyAddresses: true } : {}),
      selector: serviceSelector(g, [...new Set(s.pods)]),
      ports: [{ name: s.entry.portName, port: s.port, targetPort: s.entry.containerPort, protocol: 'TCP' }],
    },
  }));
}

/** dragonfly-operator's version label value: the fixture's operator image (docker.dragonflydb.io/dragonflydb/operator:v1.3.0). */
const DRAGONFLY_OPERATOR_VERSION = 'v1.3.0';

/**
 * The PodDisruptionBudget dragonfly-operator creates for a Dragonfly of more than one replica (since
 * v1.2.0; v1.3.0 internal/resources/resources.go): named after the CR, owned by it, labelled with
 * generateResourceLabels, `maxUnavailable: 1`, selecting the pod template labels.
 */
function operatorPdbs(g: Group, uids: Map<string, string>): K8sObject[] {
  if (g.owner.kind !== 'Dragonfly' || g.workload.replicas < 2) return [];
  const name = g.owner.name;
  const owners = ownerRef(g, uids);
  return [
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: {
        name,
        namespace: g.namespace,
        labels: {
          'app.kubernetes.io/component': 'dragonfly',
          'app.kubernetes.io/instance': name,
          'app.kubernetes.io/name': 'dragonfly',
          'app.kubernetes.io/version': DRAGONFLY_OPERATOR_VERSION,
          'app.kubernetes.io/part-of': 'dragonfly',
          'app.kubernetes.io/managed-by': 'dragonfly-operator',
          app: name,
        },
        ...(owners ? { ownerReferences: owners } : {}),
      },
      spec: {
        maxUnavailable: 1,
        selector: {
          matchLabels: {
            app: name,
            'app.kubernetes.io/part-of': 'dragonfly',
            'app.kubernetes.io/name': 'dragonfly',
          },
        },
      },
    },
  ];
}

/** The credential Secrets of the services of this cluster, as lab/services shapes them (CNPG keys etc.). */
function secrets(cluster: LabClusterName, stateRoot: string): K8sObject[] {
  const namespaces = new Set(
    serviceCatalogue()
      .filter((e) => e.cluster === cluster)
      .map((e) => e.namespace),
  );
  return serviceSecrets({ paths: { root: stateRoot } as LabPaths })
    .filter((s) => namespaces.has(s.metadata.namespace))
    .map((s) => ({ ...s, metadata: { ...s.metadata } }) as unknown as K8sObject);
}

/**
 * The backed objects of a cluster. `uids` maps `apiVersion/kind/namespace/name` of owner CRs to
 * their uid (so workloads carry the ownerReference the operator would set); `skip` holds
 * `Kind/namespace/name` keys a fixture already defines (the fixture wins, e.g. CoreDNS).
 */
export function backedObjects(
  cluster: LabClusterName,
  stateRoot: string,
  uids: Map<string, string>,
  skip: Set<string>,
): K8sObject[] {
  const out: K8sObject[] = [];
  const seen = new Set<string>();
  for (const g of groups(cluster)) {
    for (const o of [workload(g, uids), ...services(g), ...operatorPdbs(g, uids)]) {
      const key = `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
      if (skip.has(key) || seen.has(key)) continue;
      seen.add(key);
      out.push(o);
    }
  }
  for (const o of secrets(cluster, stateRoot)) {
    const key = `Secret/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (!skip.has(key) && !seen.has(key)) out.push(o);
  }
  return out;
}

/** Owner CRs the backed workloads point at (to look up their uids first). */
export function backedOwners(
  cluster: LabClusterName,
): { apiVersion: string; kind: string; namespace: string; name: string }[] {
  return groups(cluster)
    .filter((g) => g.owner.apiVersion !== 'apps/v1')
    .map((g) => ({
      apiVersion: g.owner.apiVersion,
      kind: g.owner.kind,
      namespace: g.namespace,
      name: g.owner.name,
    }));
}
