import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import type { Scenario } from './types.js';
import { unlessGone } from '../sim/kube.js';

/** The scale set this scenario leaves unregistered, and what the controller had made for it. */
export const UNREGISTERED = {
  namespace: 'actions-runner',
  name: 'pilar-apps',
  listener: 'pilar-apps-696d8f77-listener',
} as const;

const ARC = { group: 'actions.github.com', version: 'v1alpha1' } as const;

/**
 * apps: GitHub refuses the pilar-apps scale set (its GitHub App was uninstalled from the repository):
 * the controller's state then is a set without the runner-scale-set-id annotation, no listener, no
 * listener pod.
 */
export const arcScaleSetUnregistered: Scenario = {
  name: 'arc-scale-set-unregistered',
  summary:
    'apps: AutoscalingRunnerSet actions-runner/pilar-apps without its runner-scale-set-id annotation and without AutoscalingListener or listener pod, as the controller leaves a scale set GitHub refused to create',
  expect:
    'apps: the scale-set check fails naming pilar-apps and the missing runner-scale-set-id annotation; k8s-gitops, the ARC controller rollout and everything else pass. lab reset (seed) restores the annotation, the listener and its pod',
  faults: {},
  apply: async (ctx) => {
    const kc = ctx.clusters.apps.kc;
    const custom = kc.makeApiClient(CustomObjectsApi);
    await custom.patchNamespacedCustomObject({
      ...ARC,
      plural: 'autoscalingrunnersets',
      namespace: UNREGISTERED.namespace,
      name: UNREGISTERED.name,
      body: [{ op: 'remove', path: '/metadata/annotations/runner-scale-set-id' }],
    });
    await custom
      .deleteNamespacedCustomObject({
        ...ARC,
        plural: 'autoscalinglisteners',
        namespace: UNREGISTERED.namespace,
        name: UNREGISTERED.listener,
      })
      .catch(unlessGone);
    await kc
      .makeApiClient(CoreV1Api)
      .deleteNamespacedPod({
        namespace: UNREGISTERED.namespace,
        name: UNREGISTERED.listener,
        gracePeriodSeconds: 0,
      })
      .catch(unlessGone);
  },
};
