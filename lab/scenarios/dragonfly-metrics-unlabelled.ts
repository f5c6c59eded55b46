import { CoreV1Api } from '@kubernetes/client-node';
import type { Scenario } from './types.js';

/** The metrics Service the Dragonfly ServiceMonitor selects, relabelled (MON-001's label mismatch). */
export const DRAGONFLY_METRICS = { namespace: 'dragonfly-system', name: 'dragonfly-metrics' } as const;

/** apps: a chart values change renames the metrics Service's label; the ServiceMonitor selects nothing. */
export const dragonflyMetricsUnlabelled: Scenario = {
  name: 'dragonfly-metrics-unlabelled',
  summary:
    'apps: Service dragonfly-system/dragonfly-metrics relabelled app=dragonfly-metrics (was app=dragonfly), so ServiceMonitor dragonfly-system/dragonfly (selector app=dragonfly) selects no Service',
  expect:
    'apps: the ServiceMonitor wiring check fails with "selects no Service (selector app=dragonfly in namespace dragonfly-system)"; the Dragonfly data-path checks and everything else pass. lab reset restores the label (seed)',
  faults: {},
  apply: async (ctx) => {
    const core = ctx.clusters.apps.kc.makeApiClient(CoreV1Api);
    await core.patchNamespacedService({
      ...DRAGONFLY_METRICS,
      body: [{ op: 'replace', path: '/metadata/labels/app', value: 'dragonfly-metrics' }],
    });
  },
};
