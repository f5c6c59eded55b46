// Stakater Reloader, end to end (STORY-VALIDATE-NETWORKING AC2.24): a run-owned ConfigMap and a
// run-owned Deployment that names it in Reloader's annotation; once the Deployment has rolled out,
// the ConfigMap's data changes, and Reloader must change the pod template (its STAKATER_* env var or
// last-reloaded-from annotation) so that the Deployment rolls out again. Nothing but Reloader
// touches the Deployment, so a changed template is Reloader's doing. Both objects live in the run's
// namespace and go with it.
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import type { ClusterHandle } from '../cluster/index.js';
import type { Facts } from '../config/index.js';
import { netexecPod } from '../reads/connectivity.js';
import { isNotFound } from '../reads/k8s.js';
import type { Probe } from './kubernetes.js';
import { pollWithin, settleMs } from './poll.js';

/** Reloader's per-object annotation: reload this workload when the named ConfigMap(s) change. */
export const RELOAD_ON_CONFIGMAP = 'configmap.reloader.stakater.com/reload';

/** The run-owned Deployment: one restricted pod (the catalogue's netexec) reading the ConfigMap. */
export function reloadedDeployment(
  facts: Facts,
  name: string,
  namespace: string,
  configMap: string,
): V1Deployment {
  const pod = netexecPod(facts, name, namespace, undefined, 'reloader');
  const labels = { ...pod.metadata?.labels, 'platform-validation/reloader': name };
  const spec = { ...pod.spec!, restartPolicy: 'Always' };
  spec.containers = spec.containers.map((c) => ({ ...c, envFrom: [{ configMapRef: { name: configMap } }] }));
  return {
    metadata: { name, namespace, labels, annotations: { [RELOAD_ON_CONFIGMAP]: configMap } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { 'platform-validation/reloader': name } },
      template: { metadata: { labels }, spec },
    },
  };
}

/** What Reloader leaves on a template it changed: STAKATER_* env var names, reloader annotations. */
export function reloaderMarks(d: V1Deployment): string[] {
  const t = d.spec?.template;
  const envs = (t?.spec?.containers ?? []).flatMap((c) =>
    (c.env ?? []).filter((e) => e.name.startsWith('STAKATER_')).map((e) => `env ${c.name}/${e.name}`),
  );
  const annotations = Object.keys(t?.metadata?.annotations ?? {})
    .filter((k) => k.startsWith('reloader.stakater.com/'))
    .map((k) => `annotation ${k}`);
  return [...envs, ...annotations];
}

/** '' once the Deployment's latest generation is rolled out and Available, else what is missing. */
export function rolloutProblem(d: V1Deployment): string {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const seen = `generation ${d.metadata?.generation}, observed ${s.observedGeneration ?? 'none'}, updated ${s.updatedReplicas ?? 0}/${want}, available ${s.availableReplicas ?? 0}/${want}`;
  const done =
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    (s.updatedReplicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want;
  return done ? '' : seen;
}

/**
 * Why the Deployment has not been reloaded since `before` (its state before the ConfigMap changed),
 * '' once Reloader changed its template and the new generation rolled out.
 */
export function reloadProblem(before: V1Deployment, now: V1Deployment): string {
  const g0 = before.metadata?.generation ?? 1;
  const changed = JSON.stringify(now.spec?.template) !== JSON.stringify(before.spec?.template);
  if (!changed)
    return `pod template unchanged (generation ${now.metadata?.generation ?? g0}, was ${g0}; no STAKATER_* env var or reloader.stakater.com annotation)`;
  const rollout = rolloutProblem(now);
  return rollout
    ? `template changed (${reloaderMarks(now).join(', ') || 'no Reloader mark'}) but not rolled out: ${rollout}`
    : '';
}

async function reloaderState(cluster: ClusterHandle, facts: Facts): Promise<string> {
  const { namespace, deployment } = facts.reloader;
  // for the failure message only: a read that fails is said as such, never as "not found"
  const d = await cluster.apps
    .readNamespacedDeployment({ namespace, name: deployment })
    .catch((e: unknown) => (isNotFound(e) ? undefined : (e as Error)));
  if (d instanceof Error)
    return `Reloader Deployment ${namespace}/${deployment} unreadable (${d.message.split('\n')[0]})`;
  if (!d) return `Reloader Deployment ${namespace}/${deployment} not found`;
  return `Reloader Deployment ${namespace}/${deployment}: ${d.status?.availableReplicas ?? 0} of ${d.spec?.replicas ?? 1} available`;
}

/**
 * A change to a run-owned ConfigMap rolls the run-owned Deployment that names it, within
 * facts.reloader.rolloutTimeoutMs. The failure names both objects, what the template and rollout
 * show, and the Reloader Deployment's availability.
 */
export function reloadsOnConfigMapChange(): Probe {
  return async ({ cluster, facts, evidence, run }) => {
    const namespace = await run.namespace();
    const name = run.name('pv-reload');
    const timeoutMs = facts.reloader.rolloutTimeoutMs;
    const configMap: V1ConfigMap = { metadata: { name, namespace }, data: { REVISION: '1' } };
    await cluster.core.createNamespacedConfigMap({ namespace, body: configMap });
    await cluster.apps.createNamespacedDeployment({
      namespace,
      body: reloadedDeployment(facts, name, namespace, name),
    });
    const read = () => cluster.apps.readNamespacedDeployment({ namespace, name });
    let before: V1Deployment | undefined;
    await pollWithin(
      async () => rolloutProblem((before = await read())),
      `Deployment ${namespace}/${name} rolled out before the ConfigMap changes`,
      timeoutMs,
    ).toBe('');
    const changedAt = new Date().toISOString();
    await cluster.core.patchNamespacedConfigMap({
      namespace,
      name,
      body: [{ op: 'replace', path: '/data/REVISION', value: '2' }],
    });
    let after: V1Deployment | undefined;
    try {
      await pollWithin(
        async () => {
          const problem = reloadProblem(before!, (after = await read()));
          return problem ? `${problem}; ${await reloaderState(cluster, facts)}` : '';
        },
        `Deployment ${namespace}/${name} not reloaded within ${settleMs(timeoutMs) / 1000} s of its ConfigMap ${namespace}/${name} changing`,
        timeoutMs,
      ).toBe('');
    } finally {
      evidence.json('reloader', {
        configMap: `${namespace}/${name}`,
        deployment: `${namespace}/${name}`,
        changedAt,
        generationBefore: before?.metadata?.generation,
        generationAfter: after?.metadata?.generation,
        marks: after ? reloaderMarks(after) : [],
        status: after?.status,
      });
    }
  };
}
