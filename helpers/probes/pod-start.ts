// PERF-POD-001 (AC11.7): how long the platform takes to start a pod, from its creation to its Ready
// condition, both stamped by the API server (no runner clock in the figure; 1 s resolution). The
// pods are the connectivity matrix's netexec pods in the run namespace, started side by side, and
// deleted afterwards.
import type { V1Pod } from '@kubernetes/client-node';
import type { Facts } from '../config/index.js';
import type { CheckEvidence, RunContext } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { netexecPod } from '../reads/connectivity.js';
import { podReady } from '../reads/k8s.js';

/** Creation to Ready in ms, by the API server's timestamps; undefined while the pod is not Ready. */
export function podStartMs(p: V1Pod): number | undefined {
  const ready = p.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True');
  const created = p.metadata?.creationTimestamp;
  if (!podReady(p) || !ready?.lastTransitionTime || !created) return undefined;
  return Math.max(0, new Date(ready.lastTransitionTime).getTime() - new Date(created).getTime());
}

export interface PodStart {
  pod: string;
  ms?: number;
  /** what a pod not Ready shows: its phase and the reason a container waits */
  state?: string;
}

const stateOf = (p: V1Pod) => {
  const waiting = p.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
  return `${p.status?.phase ?? 'no phase'}${waiting?.reason ? ` (${waiting.reason})` : ''}`;
};

/** The average over the Ready pods, and the pods that never became Ready (named with their state). */
export function podStartSummary(starts: readonly PodStart[]): { avgMs: number; notReady: string[] } {
  const ready = starts.filter((s) => s.ms !== undefined);
  return {
    avgMs: ready.length ? ready.reduce((a, s) => a + s.ms!, 0) / ready.length : NaN,
    notReady: starts.filter((s) => s.ms === undefined).map((s) => `pod ${s.pod}: ${s.state ?? 'not Ready'}`),
  };
}

/**
 * facts.performance.podStartPods pods created side by side in the run namespace, each waited for
 * until Ready or twice the target (at least facts.connectivity.readyTimeoutMs); attaches the start
 * time of each. The pods are deleted before it returns.
 */
export async function podStartTimes(
  k: ClusterHandle,
  facts: Facts,
  run: RunContext,
  evidence: CheckEvidence,
): Promise<PodStart[]> {
  const namespace = await run.namespace();
  const names = Array.from({ length: facts.performance.podStartPods }, (_, i) => run.name(`pv-start-${i}`));
  const deadline =
    Date.now() + Math.max(2 * facts.performance.podStartAvgMs, facts.connectivity.readyTimeoutMs);
  try {
    await Promise.all(
      names.map((name) =>
        k.core.createNamespacedPod({
          namespace,
          body: netexecPod(facts, name, namespace, undefined, 'pod-start'),
        }),
      ),
    );
    const starts = new Map<string, PodStart>();
    while (true) {
      for (const name of names) {
        if (starts.get(name)?.ms !== undefined) continue;
        const p = await k.core.readNamespacedPod({ namespace, name });
        const ms = podStartMs(p);
        starts.set(name, ms === undefined ? { pod: name, state: stateOf(p) } : { pod: name, ms });
      }
      if ([...starts.values()].every((s) => s.ms !== undefined) || Date.now() > deadline) break;
      // the figure is the server's timestamps: polling faster would not make it finer
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const out = names.map((n) => starts.get(n)!);
    evidence.json('pod-start', {
      namespace,
      pods: out,
      via: 'creationTimestamp to Ready lastTransitionTime',
    });
    return out;
  } finally {
    await Promise.all(
      names.map((name) =>
        k.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }).catch(() => undefined),
      ),
    );
  }
}
