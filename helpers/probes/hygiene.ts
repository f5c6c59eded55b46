// Cluster-wide hygiene probes (STORY-VALIDATE-NETWORKING AC1.7, AC11.14, AC11.15; STORY-BOOT-CORE
// RF-P2b): namespaces Active, no pod in CrashLoopBackOff, no recent container restart of the core
// controllers, no PodDisruptionBudget violated or blocking every eviction. Each polls (bounded: a pod being replaced or a PDB being recomputed settles), attaches what it read and fails
// naming each object with the value seen. The verdicts are pure functions, unit-tested on shapes.
import type { V1Namespace, V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import type { Facts } from '../config/index.js';
import { isNotFound } from '../reads/k8s.js';
import type { Probe } from './kubernetes.js';
import { pollWithin } from './poll.js';

/** `<name>: phase <phase>` for a namespace that is not Active; undefined when it is. */
export function namespaceProblem(name: string, ns: V1Namespace | undefined): string | undefined {
  if (!ns) return `${name}: not found`;
  const phase = ns.status?.phase ?? 'unset';
  return phase === 'Active' ? undefined : `${name}: phase ${phase}`;
}

/** Each namespace named exists with status.phase Active. */
export function namespacesActive(pick: (f: Facts) => readonly string[], timeoutMs = 30_000): Probe {
  return async ({ cluster, facts, evidence }) => {
    const names = pick(facts);
    await pollWithin(
      async () => {
        const seen: Record<string, string> = {};
        const problems: string[] = [];
        for (const name of names) {
          const ns = await cluster.core.readNamespace({ name }).catch((e: unknown) => {
            if (isNotFound(e)) return undefined;
            throw e;
          });
          seen[name] = ns?.status?.phase ?? 'not found';
          const p = namespaceProblem(name, ns);
          if (p) problems.push(p);
        }
        evidence.json('namespaces', seen);
        return problems;
      },
      'namespaces not Active',
      timeoutMs,
    ).toEqual([]);
  };
}

/**
 * Every container (init containers included) of a pod waiting in CrashLoopBackOff, as
 * `<ns>/<pod> container <c> (restarts N, last exit <reason> <code>)`.
 */
export function crashLooping(pods: readonly V1Pod[]): string[] {
  return pods.flatMap((p) =>
    [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]
      .filter((c) => c.state?.waiting?.reason === 'CrashLoopBackOff')
      .map((c) => {
        const last = c.lastState?.terminated;
        const exit = last ? `, last exit ${last.reason ?? 'terminated'} ${last.exitCode}` : '';
        return `${p.metadata?.namespace}/${p.metadata?.name} container ${c.name} (restarts ${c.restartCount}${exit})`;
      }),
  );
}

/** No pod in any namespace has a container waiting in CrashLoopBackOff. */
export function noCrashLoopingPods(timeoutMs = 30_000): Probe {
  return async ({ cluster, evidence }) => {
    await pollWithin(
      async () => {
        const pods = (await cluster.core.listPodForAllNamespaces()).items;
        const looping = crashLooping(pods);
        evidence.json('crashloop', { pods: pods.length, crashLoopBackOff: looping });
        return looping;
      },
      'pods in CrashLoopBackOff',
      timeoutMs,
    ).toEqual([]);
  };
}

/** Every container (init containers included) of these pods with a restart count above 0. */
function restartedContainers(pods: readonly V1Pod[]) {
  return pods.flatMap((p) =>
    [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]
      .filter((c) => (c.restartCount ?? 0) > 0)
      .map((c) => ({
        pod: `${p.metadata?.namespace}/${p.metadata?.name}`,
        container: c.name,
        restartCount: c.restartCount,
        lastTerminated: c.lastState?.terminated,
      })),
  );
}

/**
 * Every container of these pods that restarted within `windowMs` before `now`, as `<ns>/<pod>
 * container <c> (restarts N, last exit <reason> <code> at <time>)`. A restart count with no
 * last state (its time unknown) counts too: it cannot be shown to be old.
 */
export function recentRestarts(pods: readonly V1Pod[], now: Date, windowMs: number): string[] {
  return restartedContainers(pods).flatMap((c) => {
    const last = c.lastTerminated;
    const at = last?.finishedAt ? new Date(last.finishedAt) : undefined;
    if (at && now.getTime() - at.getTime() > windowMs) return [];
    const exit = last ? `, last exit ${last.reason ?? 'terminated'} ${last.exitCode}` : '';
    const when = at ? ` at ${at.toISOString()}` : ', time of the last restart unknown';
    return [`${c.pod} container ${c.container} (restarts ${c.restartCount}${exit}${when})`];
  });
}

/**
 * No container of the pods in these namespaces restarted in the last `withinMinutes`: a controller
 * that crashed and came back is Available again, so a rollout check cannot see it. Older restarts
 * are in the evidence only.
 */
export function noRecentRestarts(
  pick: (f: Facts) => readonly string[],
  withinMinutes: number,
  timeoutMs = 10_000,
): Probe {
  return async ({ cluster, facts, evidence }) => {
    const namespaces = pick(facts);
    await pollWithin(
      async () => {
        const lists = await Promise.all(
          namespaces.map((namespace) => cluster.core.listNamespacedPod({ namespace })),
        );
        const pods = lists.flatMap((l) => l.items);
        // a controller namespace without pods (a wrong name in the facts) proves nothing
        const empty = namespaces.filter((_, i) => !lists[i]!.items.length);
        evidence.json('restarts', {
          namespaces,
          pods: pods.length,
          withinMinutes,
          restarted: restartedContainers(pods),
        });
        return [
          ...empty.map((ns) => `${ns}: no pod in this namespace`),
          ...recentRestarts(pods, new Date(), withinMinutes * 60_000),
        ];
      },
      `containers restarted in the last ${withinMinutes} min`,
      timeoutMs,
    ).toEqual([]);
  };
}

/**
 * Why a PDB is a problem, undefined when it is not: violated (fewer healthy pods than the budget
 * demands), or blocking every voluntary disruption while all its pods are healthy (a node drain can
 * never finish, e.g. minAvailable 1 over one replica). A PDB selecting no pod is no violation.
 */
export function pdbProblem(pdb: V1PodDisruptionBudget): string | undefined {
  const s = pdb.status;
  const name = `${pdb.metadata?.namespace}/${pdb.metadata?.name}`;
  if (!s || (s.observedGeneration ?? 0) < (pdb.metadata?.generation ?? 0))
    return `${name}: status not observed yet`;
  const seen = `currentHealthy ${s.currentHealthy}, desiredHealthy ${s.desiredHealthy}, expectedPods ${s.expectedPods}, disruptionsAllowed ${s.disruptionsAllowed}`;
  if (s.currentHealthy < s.desiredHealthy) return `${name}: violated (${seen})`;
  if (s.expectedPods > 0 && s.disruptionsAllowed < 1 && s.currentHealthy >= s.expectedPods)
    return `${name}: allows no disruption with every pod healthy (${seen})`;
  return undefined;
}

/** Every PodDisruptionBudget, in all namespaces, is met and lets at least one pod be evicted. */
export function pdbsAllowDisruption(timeoutMs = 30_000): Probe {
  return async ({ cluster, evidence }) => {
    await pollWithin(
      async () => {
        const pdbs = (await cluster.policy.listPodDisruptionBudgetForAllNamespaces()).items;
        evidence.json(
          'pdbs',
          pdbs.map((p) => ({
            name: `${p.metadata?.namespace}/${p.metadata?.name}`,
            minAvailable: p.spec?.minAvailable,
            maxUnavailable: p.spec?.maxUnavailable,
            status: p.status,
          })),
        );
        return pdbs.map(pdbProblem).filter((x): x is string => x !== undefined);
      },
      'PodDisruptionBudgets not met',
      timeoutMs,
    ).toEqual([]);
  };
}
