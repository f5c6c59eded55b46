// Actions Runner Controller's scale sets, read as its controllers leave them (gha-runner-scale-set,
// controllers/actions.github.com): an AutoscalingRunnerSet is annotated `runner-scale-set-id` once
// GitHub created the scale set, then the controller creates an AutoscalingListener (labelled with
// the set's name and namespace) in its own namespace, and that listener's pod (restartPolicy Never)
// holds the long poll to GitHub. A set whose GitHub App credentials are refused never gets the id
// nor a listener; a listener GitHub refuses later exits.
import type { V1Pod } from '@kubernetes/client-node';
import type { Facts } from '../config/index.js';
import { getCustom, isNotFound, listCustom, podReady, type Gvr, type KObject } from '../reads/k8s.js';
import type { Probe } from './kubernetes.js';
import { pollWithin } from './poll.js';

export const AUTOSCALING_RUNNER_SET: Gvr = {
  group: 'actions.github.com',
  version: 'v1alpha1',
  plural: 'autoscalingrunnersets',
};
export const AUTOSCALING_LISTENER: Gvr = {
  group: 'actions.github.com',
  version: 'v1alpha1',
  plural: 'autoscalinglisteners',
};
export const SCALE_SET_ID = 'runner-scale-set-id';
const SET_NAME = 'actions.github.com/scale-set-name';
const SET_NAMESPACE = 'actions.github.com/scale-set-namespace';

const of = (namespace: string, name: string) => (o: { metadata?: { labels?: Record<string, string> } }) =>
  o.metadata?.labels?.[SET_NAME] === name && o.metadata?.labels?.[SET_NAMESPACE] === namespace;

function podState(p: V1Pod): string {
  const c = p.status?.containerStatuses?.[0];
  const t = c?.state?.terminated ?? c?.lastState?.terminated;
  const w = c?.state?.waiting;
  const why = t
    ? `, container ${c?.name} terminated ${t.reason ?? ''} exit ${t.exitCode}`
    : w
      ? `, ${w.reason}`
      : '';
  return `phase ${p.status?.phase ?? 'unknown'}${podReady(p) ? '' : ', not Ready'}${why}`;
}

/**
 * What keeps the scale set `namespace/name` from taking jobs, [] when it is registered (id
 * annotation), has its AutoscalingListener with that id, and the listener pod is Running and Ready.
 */
export function scaleSetProblems(
  namespace: string,
  name: string,
  set: KObject | undefined,
  listeners: readonly KObject[],
  pods: readonly V1Pod[],
): string[] {
  const ref = `AutoscalingRunnerSet ${namespace}/${name}`;
  if (!set) return [`${ref} not found`];
  const id = set.metadata?.annotations?.[SCALE_SET_ID];
  if (!id)
    return [
      `${ref} has no ${SCALE_SET_ID} annotation: GitHub has not created its scale set (controller logs; githubConfigSecret ${String(set.spec?.githubConfigSecret)})`,
    ];
  const listener = listeners.find(of(namespace, name));
  if (!listener) return [`${ref} (scale set id ${id}) has no AutoscalingListener`];
  const lref = `AutoscalingListener ${listener.metadata?.namespace}/${listener.metadata?.name}`;
  const problems: string[] = [];
  if (String(listener.spec?.runnerScaleSetId) !== id)
    problems.push(`${lref} listens for scale set id ${String(listener.spec?.runnerScaleSetId)}, not ${id}`);
  const pod = pods.find((p) => p.metadata?.name === listener.metadata?.name && of(namespace, name)(p));
  if (!pod) problems.push(`${lref} has no listener pod`);
  else if (pod.status?.phase !== 'Running' || !podReady(pod))
    problems.push(
      `listener pod ${pod.metadata?.namespace}/${pod.metadata?.name} of ${ref}: ${podState(pod)}`,
    );
  return problems;
}

/** Every scale set of facts.arc is registered and has its listener pod Running (polled). */
export function scaleSetsListening(pick: (f: Facts) => Facts['arc'], timeoutMs = 30_000): Probe {
  return async ({ cluster, facts, evidence }) => {
    const { namespace, controllerNamespace, scaleSets } = pick(facts);
    await pollWithin(
      async () => {
        const listeners = await listCustom(cluster, AUTOSCALING_LISTENER, controllerNamespace);
        const pods = (
          await cluster.core.listNamespacedPod({
            namespace: controllerNamespace,
            labelSelector: 'app.kubernetes.io/component=runner-scale-set-listener',
          })
        ).items;
        const sets = await Promise.all(
          scaleSets.map((name) =>
            getCustom(cluster, AUTOSCALING_RUNNER_SET, namespace, name).catch((e: unknown) => {
              if (isNotFound(e)) return undefined;
              throw e;
            }),
          ),
        );
        evidence.json('scale-sets', {
          sets: sets.map((s, i) => ({
            name: `${namespace}/${scaleSets[i]}`,
            found: !!s,
            id: s?.metadata?.annotations?.[SCALE_SET_ID],
            status: s?.status,
          })),
          listeners: listeners.map((l) => ({ name: l.metadata?.name, spec: l.spec })),
          pods: pods.map((p) => ({ name: p.metadata?.name, state: podState(p) })),
        });
        return scaleSets.flatMap((name, i) => scaleSetProblems(namespace, name, sets[i], listeners, pods));
      },
      `runner scale sets of ${namespace} not listening`,
      timeoutMs,
    ).toEqual([]);
  };
}
