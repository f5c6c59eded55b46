/**
 * What the catalogue touches outside its run-owned namespace, derived from one cluster's facts:
 * the Secrets it reads (by name), the existing pods it execs into (namespace, pod name as the
 * controller generates it, container, exact command) and the pods a disruptive check evicts.
 *
 * The checks run exactly these commands (their probes import them from here), and `pnpm rbac`
 * (deploy/rbac.ts) renders deploy/rbac from the same lists: Secret Roles with `resourceNames`
 * and the admission policy's exec/eviction allowlist. A new Secret read or exec goes here first,
 * or the least-privilege ServiceAccount is refused it (test/lab/trust/rbac-secrets.test.ts).
 */
import type { Facts } from '../config/facts.js';

/** NET-CILIUM-001/003 in every agent (container `facts.cilium.agentContainer`). */
export const CILIUM_STATUS_COMMAND: readonly string[] = ['cilium-dbg', 'status'];
/** NET-CLUSTERMESH-002 in every agent: the status as JSON (its cluster-mesh part). */
export const CILIUM_STATUS_JSON_COMMAND: readonly string[] = ['cilium-dbg', 'status', '-o', 'json'];
/** STO-CEPH-002 in the Rook toolbox (its only container). */
export const CEPH_STATUS_COMMAND: readonly string[] = ['ceph', 'status', '-f', 'json'];

export interface SecretRead {
  namespace: string;
  name: string;
  /** which check / fact reads it */
  why: string;
}

export interface ExecTarget {
  namespace: string;
  /** RE2 (CEL `matches`) over the pod name, anchored: the names the owning controller generates */
  podPattern: string;
  /** the container the check names; undefined: none is named (the pod's only container) */
  container?: string;
  command: readonly string[];
  why: string;
}

export interface EvictionTarget {
  namespace: string;
  podPattern: string;
  why: string;
}

function re(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Pods of a DaemonSet: `<name>-<5 random>`. */
export function daemonSetPods(name: string): string {
  return `^${re(name)}-[a-z0-9]{5}$`;
}
/** Pods of a Deployment: `<name>-<pod-template-hash>-<5 random>`. */
export function deploymentPods(name: string): string {
  return `^${re(name)}-[a-z0-9]{1,10}-[a-z0-9]{5}$`;
}
/** Pods of a StatefulSet: `<name>-<ordinal>`. */
export function statefulSetPods(name: string): string {
  return `^${re(name)}-[0-9]+$`;
}

/** Every Secret the catalogue reads on a cluster with these facts (`get` by name, never list). */
export function secretReads(f: Facts): SecretRead[] {
  const out: SecretRead[] = [];
  if (f.flux.gitSecret)
    out.push({
      namespace: f.flux.namespace,
      name: f.flux.gitSecret,
      why: `GITOPS-FLUX-*: credentials of GitRepository ${f.flux.gitRepository} (facts.flux.gitSecret)`,
    });
  if (f.cnpg.enabled) {
    out.push({
      namespace: f.cnpg.namespace,
      name: f.cnpg.monitorSecret,
      why: `DB-CNPG-001: a pg_monitor (or superuser) role reading pg_stat_replication on the primary (facts.cnpg.monitorSecret)`,
    });
    for (const p of f.cnpg.poolers)
      out.push({
        namespace: f.cnpg.namespace,
        name: p.secret,
        why: `DB-CNPG-*: credentials of pooler ${p.name} (facts.cnpg.poolers[].secret)`,
      });
  }
  if (f.dragonfly.enabled)
    out.push({
      namespace: f.dragonfly.namespace,
      name: f.dragonfly.password.name,
      why: 'DB-DRAGONFLY-*: the Dragonfly password (facts.dragonfly.password)',
    });
  if (f.harbor.enabled)
    out.push({
      namespace: f.harbor.namespace,
      name: f.harbor.credentials,
      why: 'REG-HARBOR-*: the registry account (facts.harbor.credentials)',
    });
  if (f.harbor.enabled && f.dragonfly.enabled)
    out.push({
      namespace: f.harbor.namespace,
      name: f.harbor.coreConfigMap,
      why: "REG-HARBOR-004: harbor-core's Secret, where its Redis URL is when not in the ConfigMap (facts.harbor.coreConfigMap)",
    });
  return out;
}

/** Every exec into a pod the run does not own. */
export function execTargets(f: Facts): ExecTarget[] {
  const out: ExecTarget[] = [
    {
      namespace: f.cilium.namespace,
      podPattern: daemonSetPods(f.cilium.daemonSet),
      container: f.cilium.agentContainer,
      command: CILIUM_STATUS_COMMAND,
      why: `NET-CILIUM-*: cilium-dbg status in the agents of DaemonSet ${f.cilium.daemonSet}`,
    },
  ];
  if (f.cilium.clusterMesh.enabled)
    out.push({
      namespace: f.cilium.namespace,
      podPattern: daemonSetPods(f.cilium.daemonSet),
      container: f.cilium.agentContainer,
      command: CILIUM_STATUS_JSON_COMMAND,
      why: `NET-CLUSTERMESH-002: cilium-dbg status -o json in the agents of DaemonSet ${f.cilium.daemonSet}`,
    });
  if (f.storage.ceph.enabled)
    out.push({
      namespace: f.storage.ceph.namespace,
      podPattern: deploymentPods(f.storage.ceph.toolbox),
      command: CEPH_STATUS_COMMAND,
      why: `STO-CEPH-002: ceph status in the toolbox Deployment ${f.storage.ceph.toolbox}`,
    });
  return out;
}

/** Evictions of the disruptive checks (only with the opt-in deploy/rbac-disruptive). */
export function evictionTargets(f: Facts): EvictionTarget[] {
  if (!f.dragonfly.enabled) return [];
  return [
    {
      namespace: f.dragonfly.namespace,
      podPattern: statefulSetPods(f.dragonfly.name),
      why: `DB-DRAGONFLY-008: evicts one data pod of Dragonfly ${f.dragonfly.name} (its StatefulSet)`,
    },
  ];
}
