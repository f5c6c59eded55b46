import { scaleToZero } from './scale.js';
import { RELOADER_CLUSTER, startReloader, stopReloader } from '../services/reloader.js';
import type { Scenario } from './types.js';

/** apps: Reloader scaled to 0 (a values change or a `kubectl scale`), so nothing reloads workloads. */
export const reloaderDown: Scenario = {
  name: 'reloader-down',
  summary:
    'apps: Deployment kube-system/reloader scaled to 0 replicas and the real Reloader behind it stopped: no controller acts on ConfigMap changes',
  expect:
    'apps: the Reloader rollout check fails: its run-owned Deployment\'s pod template stays unchanged after the ConfigMap changes, and the message shows "Reloader Deployment kube-system/reloader: 0 of 0 available"; infra skips it (no real Reloader there); everything else passes. lab reset scales it back and starts the controller',
  faults: {},
  apply: async (ctx) => {
    await scaleToZero(ctx, RELOADER_CLUSTER, { namespace: 'kube-system', name: 'reloader' });
    await stopReloader(ctx);
  },
  // the controller comes back with any other scenario; the replica count with `lab reset` (seed)
  revert: (ctx) => startReloader(ctx),
};
