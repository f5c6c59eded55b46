import { CoreV1Api } from '@kubernetes/client-node';
import type { Scenario } from './types.js';

/** The metrics Service the Dragonfly ServiceMonitor selects, relabelled (MON-001's label mismatch). */
export const DRAGONFLY_METRICS = { namespace: 'dragonfly-system', name: 'dragonfly-metrics' } as const;

/** apps: a chart values change renames the metrics Service's label; the ServiceMonitor loses its targets. */
export const dragonflyMetricsUnlabelled: Scenario = {
  name: 'dragonfly-metrics-unlabelled',
  summary:
    'apps: Service dragonfly-system/dragonfly-metrics relabelled app=dragonfly-metrics (was app=dragonfly), so ServiceMonitor dragonfly-system/dragonfly (selector app=dragonfly, port admin) selects only the client Service dragonfly, which has no admin port',
  expect:
    'apps: the ServiceMonitor wiring check fails with "endpoint port admin: no selected Service has it (dragonfly-system/dragonfly)" and "3 of 3 pods are no ready endpoint of a selected Service with port admin"; the Dragonfly data-path checks and everything else pass. lab reset restores the label (seed)',
  faults: {},
  apply: async (ctx) => {
    const core = ctx.clusters.apps.kc.makeApiClient(CoreV1Api);
    await core.patchNamespacedService({
      ...DRAGONFLY_METRICS,
      body: [{ op: 'replace', path: '/metadata/labels/app', value: 'dragonfly-metrics' }],
    });
  },
};
