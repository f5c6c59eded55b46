import { CoreV1Api } from '@kubernetes/client-node';
import type { Scenario } from './types.js';

/**
 * apps: harbor-core's ConfigMap names the chart's internal database (`harbor-database`), as a values
 * change back to `database.type: internal` renders it. `lab reset` re-applies the declared ConfigMap.
 */
export const harborInternalDatabase: Scenario = {
  name: 'harbor-internal-database',
  summary:
    "apps: ConfigMap harbor/harbor-core POSTGRESQL_HOST set to harbor-database (the chart's internal PostgreSQL)",
  expect:
    'REG-HARBOR-003 fails naming the ConfigMap and POSTGRESQL_HOST "harbor-database"; the other Harbor checks pass (Harbor itself stays healthy)',
  faults: {},
  apply: async (ctx) => {
    const core = ctx.clusters.apps.kc.makeApiClient(CoreV1Api);
    await core.patchNamespacedConfigMap({
      namespace: 'harbor',
      name: 'harbor-core',
      // client-node sends a JSON patch (application/json-patch+json) by default
      body: [{ op: 'replace', path: '/data/POSTGRESQL_HOST', value: 'harbor-database' }],
    });
  },
};
