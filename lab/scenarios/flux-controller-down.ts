import { scaleToZero } from './scale.js';
import type { Scenario } from './types.js';

/**
 * apps: Flux's helm-controller scaled to 0 (a bad FluxInstance change, a `kubectl scale`): no pod,
 * so no HelmRelease is reconciled and no controller log exists. `lab reset` applies its replicas
 * again and routes the new pod's log.
 */
export const fluxControllerDown: Scenario = {
  name: 'flux-controller-down',
  summary: 'apps: Deployment flux-system/helm-controller scaled to 0; no helm-controller pod, no log',
  expect:
    'apps: BOOT-CORE-008 fails naming flux-system/helm-controller "scaled to 0 replicas"; EVID-FLUX-001 fails "logs of helm-controller: no pod labelled app=helm-controller in flux-system"; infra passes',
  faults: {},
  apply: async (ctx) => {
    await scaleToZero(ctx, 'apps', { namespace: 'flux-system', name: 'helm-controller' });
  },
};
