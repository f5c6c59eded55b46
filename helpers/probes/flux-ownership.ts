// The mechanisms of the GitOps ownership checks (suites/gitops/ownership.test.ts): which Flux object
// manages every workload (AC1b: nothing left unmanaged after the Helm CLI handover) and who owns the
// CRDs (TECH-005: one owner). Each problem names the object, what manages it and what was expected.
import type { KubernetesObject, V1CustomResourceDefinition } from '@kubernetes/client-node';
import type { CheckEvidence } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import type { Facts } from '../config/index.js';
import {
  describeManager,
  fluxManagerOf,
  unmanagedHint,
  type FluxKind,
  type FluxManager,
} from '../reads/flux-ownership.js';
import { GVR, getCustom, isNotFound, type Gvr } from '../reads/k8s.js';
import { errorText } from '../cluster/errors.js';
import { isRunNamespace, LABEL_OWNED } from '../run/ids.js';

const MANAGER_GVR: Record<FluxKind, Gvr> = {
  Kustomization: GVR.kustomization,
  HelmRelease: GVR.helmRelease,
  FluxInstance: GVR.fluxInstance,
  ResourceSet: { group: 'fluxcd.controlplane.io', version: 'v1', plural: 'resourcesets' },
};

/** how many owner hops are followed (a Pod -> ReplicaSet -> Deployment chain is 2) */
const MAX_OWNER_DEPTH = 3;

export interface WorkloadOwnership {
  workload: string;
  manager?: string;
  via?: string;
  problem?: string;
}

const allowed = (patterns: readonly string[], ns: string, name: string) =>
  patterns.some((p) => p === `${ns}/${name}` || p === `${ns}/*`);

/**
 * Every Deployment, DaemonSet and StatefulSet outside the run's own namespaces and
 * facts.flux.unmanagedAllowed, with the Flux object that manages it (its labels, else its owners'),
 * and a problem when none does or the one named does not exist.
 */
export async function workloadOwnership(
  k: ClusterHandle,
  facts: Facts,
  evidence: CheckEvidence,
): Promise<WorkloadOwnership[]> {
  // only the framework's own run namespaces (any run's: a concurrent run's workloads are not the
  // platform's); the owned label alone would let any workload hide behind it
  const runOwned = new Set(
    (await k.core.listNamespace({ labelSelector: `${LABEL_OWNED}=true` })).items
      .filter((n) => isRunNamespace(n))
      .map((n) => n.metadata!.name!),
  );
  const workloads: KubernetesObject[] = [
    ...(await k.apps.listDeploymentForAllNamespaces()).items.map((o) => ({ ...o, kind: 'Deployment' })),
    ...(await k.apps.listDaemonSetForAllNamespaces()).items.map((o) => ({ ...o, kind: 'DaemonSet' })),
    ...(await k.apps.listStatefulSetForAllNamespaces()).items.map((o) => ({ ...o, kind: 'StatefulSet' })),
  ];
  const exists = new Map<string, Promise<string | undefined>>();
  const managerProblem = (m: FluxManager) => {
    const key = describeManager(m);
    let p = exists.get(key);
    if (!p) {
      p = getCustom(k, MANAGER_GVR[m.kind], m.namespace, m.name).then(
        () => undefined,
        (e: unknown) =>
          isNotFound(e)
            ? `names ${key}, which does not exist`
            : `cannot read ${key}: ${errorText(e).split('\n')[0]}`,
      );
      exists.set(key, p);
    }
    return p;
  };
  const rows: WorkloadOwnership[] = [];
  for (const w of workloads) {
    const ns = w.metadata!.namespace!;
    const name = w.metadata!.name!;
    if (runOwned.has(ns) || allowed(facts.flux.unmanagedAllowed, ns, name)) continue;
    const row: WorkloadOwnership = { workload: `${w.kind} ${ns}/${name}` };
    const found = await managerOf(k, w);
    if ('error' in found) row.problem = found.error;
    else if (!found.manager) row.problem = unmanagedHint(w.metadata?.labels, w.metadata?.annotations);
    else {
      row.manager = describeManager(found.manager);
      row.via = found.via;
      row.problem = await managerProblem(found.manager);
    }
    rows.push(row);
  }
  evidence.json('workload-ownership', rows);
  return rows;
}

/** The object's Flux manager from its labels, else from its owners' (depth-bounded). */
async function managerOf(
  k: ClusterHandle,
  o: KubernetesObject,
  depth = 0,
): Promise<{ manager?: FluxManager; via?: string } | { error: string }> {
  const own = fluxManagerOf(o.metadata?.labels);
  if (own) return { manager: own };
  if (depth >= MAX_OWNER_DEPTH) return {};
  for (const ref of o.metadata?.ownerReferences ?? []) {
    const what = `${ref.kind} ${o.metadata?.namespace}/${ref.name}`;
    let owner: KubernetesObject;
    try {
      owner = await k.objects.read({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        metadata: { name: ref.name, namespace: o.metadata?.namespace },
      });
    } catch (e) {
      return {
        error: isNotFound(e)
          ? `owner ${what} does not exist`
          : `cannot read owner ${what}: ${errorText(e).split('\n')[0]}`,
      };
    }
    const up = await managerOf(k, owner, depth + 1);
    if ('error' in up || up.manager) return 'error' in up ? up : { manager: up.manager, via: up.via ?? what };
  }
  return {};
}

/** The field managers of a CRD outside its status subresource (managedFields, with their operation). */
export function specManagers(crd: V1CustomResourceDefinition): string[] {
  const managers = (crd.metadata?.managedFields ?? [])
    .filter((f) => f.subresource !== 'status' && f.manager)
    .map((f) => `${f.manager} (${f.operation})`);
  return [...new Set(managers)];
}

/**
 * TECH-005: each CRD of facts.flux.crdOwnership.groups is labelled by one Flux Kustomization that
 * exists, and its spec has that one field manager: a second manager (the Helm CLI, a chart's
 * `installCRDs`, an operator registering it too) is a second owner that will fight over it.
 */
export async function crdOwnershipProblems(
  k: ClusterHandle,
  facts: Facts,
  evidence: CheckEvidence,
): Promise<{ problems: string[]; crds: number }> {
  const { groups, manager } = facts.flux.crdOwnership;
  const crds = (await k.apiext.listCustomResourceDefinition()).items.filter((c) =>
    groups.includes(c.spec.group),
  );
  const problems: string[] = [];
  const rows: Record<string, unknown>[] = [];
  for (const crd of crds) {
    const name = crd.metadata!.name!;
    const m = fluxManagerOf(crd.metadata?.labels);
    const managers = specManagers(crd);
    rows.push({ crd: name, flux: m ? describeManager(m) : null, managers });
    if (!m || m.kind !== 'Kustomization') {
      problems.push(
        `CRD ${name}: ${m ? `managed by ${describeManager(m)}` : unmanagedHint(crd.metadata?.labels, crd.metadata?.annotations)}, expected a Flux Kustomization`,
      );
      continue;
    }
    const others = managers.filter((x) => !x.startsWith(`${manager} (`));
    if (others.length)
      problems.push(
        `CRD ${name}: ${managers.length} field managers outside status (${managers.join(', ')}), expected ${manager} only`,
      );
  }
  const ks = new Set(rows.map((r) => r.flux).filter((x): x is string => typeof x === 'string'));
  for (const key of ks) {
    const [, ns, n] = /^Kustomization (.+)\/(.+)$/.exec(key) ?? [];
    if (!ns || !n) continue;
    await getCustom(k, GVR.kustomization, ns, n).catch((e: unknown) => {
      problems.push(
        isNotFound(e)
          ? `the CRDs name ${key}, which does not exist`
          : `cannot read ${key}: ${errorText(e).split('\n')[0]}`,
      );
    });
  }
  evidence.json('crd-ownership', rows);
  return { problems, crds: crds.length };
}
