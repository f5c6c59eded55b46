/**
 * Pod status as the kubelet would report it when a container crashes or restarts, written through
 * the pods/status subresource of the real apiserver (KWOK's default stages only act on Pending
 * pods, so a Running pod keeps what is written here). The original readiness and restart counts
 * are kept in an annotation so `reset` restores them exactly.
 */
import { setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { httpCode, patchPodStatus, type Kube } from './kube.js';

export const FAULT_ANNOTATION = 'lab.platform-validation.io/fault';
const ORIGINAL_ANNOTATION = 'lab.platform-validation.io/original-status';

type Json = Record<string, unknown>;
const nowIso = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

async function annotate(k: Kube, pod: V1Pod, annotations: Record<string, string | null>): Promise<void> {
  await k.core.patchNamespacedPod(
    { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { metadata: { annotations } } },
    setHeaderOptions('Content-Type', 'application/merge-patch+json'),
  );
}

function original(pod: V1Pod): Json {
  return { conditions: pod.status?.conditions ?? [], containerStatuses: pod.status?.containerStatuses ?? [] };
}

/** Pods matching a label selector in a namespace. */
export async function podsBy(k: Kube, namespace: string, labelSelector: string): Promise<V1Pod[]> {
  return (await k.core.listNamespacedPod({ namespace, labelSelector })).items.filter(
    (p) => !p.metadata?.deletionTimestamp,
  );
}

/** The container crashes and stays in CrashLoopBackOff: pod not Ready, restart count +1. */
export async function crashLoop(k: Kube, pod: V1Pod, fault: string): Promise<void> {
  if (pod.metadata?.annotations?.[FAULT_ANNOTATION] === fault) return; // already applied
  const ns = pod.metadata!.namespace!;
  const name = pod.metadata!.name!;
  await annotate(k, pod, { [FAULT_ANNOTATION]: fault, [ORIGINAL_ANNOTATION]: JSON.stringify(original(pod)) });
  const now = nowIso();
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const statuses = (pod.status?.containerStatuses ?? []).map((cs) => ({
    ...cs,
    ready: false,
    started: false,
    restartCount: (cs.restartCount ?? 0) + 1,
    state: {
      waiting: {
        reason: 'CrashLoopBackOff',
        message: `back-off 10s restarting failed container=${cs.name} pod=${name}_${ns}(${pod.metadata!.uid})`,
      },
    },
    lastState: { terminated: { exitCode: 1, reason: 'Error', startedAt: now, finishedAt: now } },
  }));
  const msg = `containers with unready status: [${containers.join(' ')}]`;
  const conditions = (pod.status?.conditions ?? []).map((c) =>
    c.type === 'Ready' || c.type === 'ContainersReady'
      ? { ...c, status: 'False', reason: 'ContainersNotReady', message: msg, lastTransitionTime: now }
      : c,
  );
  await patchPodStatus(k, ns, name, { conditions, containerStatuses: statuses });
}

/** The container restarted once (exit 137) and runs again: Ready, restart count +1. */
export async function containerRestart(k: Kube, pod: V1Pod, fault: string): Promise<void> {
  if (pod.metadata?.annotations?.[FAULT_ANNOTATION] === fault) return;
  await annotate(k, pod, { [FAULT_ANNOTATION]: fault, [ORIGINAL_ANNOTATION]: JSON.stringify(original(pod)) });
  const now = nowIso();
  const statuses = (pod.status?.containerStatuses ?? []).map((cs) => ({
    ...cs,
    restartCount: (cs.restartCount ?? 0) + 1,
    state: { running: { startedAt: now } },
    lastState: {
      terminated: {
        exitCode: 137,
        reason: 'Error',
        startedAt: cs.state?.running?.startedAt ?? now,
        finishedAt: now,
      },
    },
  }));
  await patchPodStatus(k, pod.metadata!.namespace!, pod.metadata!.name!, { containerStatuses: statuses });
}

/** Undo crashLoop/containerRestart on every pod of the namespaces that carries a fault mark. */
export async function restoreFaultedPods(
  k: Kube,
  keep: (pod: V1Pod) => boolean = () => false,
): Promise<number> {
  const pods = (await k.core.listPodForAllNamespaces({})).items.filter(
    (p) => p.metadata?.annotations?.[FAULT_ANNOTATION] && !keep(p),
  );
  for (const pod of pods) {
    const raw = pod.metadata!.annotations![ORIGINAL_ANNOTATION];
    try {
      if (raw) {
        const orig = JSON.parse(raw) as Json;
        await patchPodStatus(k, pod.metadata!.namespace!, pod.metadata!.name!, orig);
      }
      await annotate(k, pod, { [FAULT_ANNOTATION]: null, [ORIGINAL_ANNOTATION]: null });
    } catch (e) {
      if (httpCode(e) !== 404) throw e; // the pod went away meanwhile: nothing to restore
    }
  }
  return pods.length;
}
