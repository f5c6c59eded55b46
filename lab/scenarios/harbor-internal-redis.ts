import { CoreV1Api } from '@kubernetes/client-node';
import type { Scenario } from './types.js';

/**
 * apps: harbor-core's Redis URL names the chart's internal Redis (`harbor-redis`), as a values change
 * back to `redis.type: internal` renders it. `lab reset` re-applies the declared Secret.
 */
export const harborInternalRedis: Scenario = {
  name: 'harbor-internal-redis',
  summary:
    "apps: Secret harbor/harbor-core _REDIS_URL_CORE set to redis://harbor-redis:6379/0 (the chart's internal Redis)",
  expect:
    'REG-HARBOR-004 fails naming the Secret and host "harbor-redis"; the other Harbor checks pass (Harbor itself stays healthy)',
  faults: {},
  apply: async (ctx) => {
    const core = ctx.clusters.apps.kc.makeApiClient(CoreV1Api);
    const url = 'redis://harbor-redis:6379/0?idle_timeout_seconds=30';
    await core.patchNamespacedSecret({
      namespace: 'harbor',
      name: 'harbor-core',
      body: [{ op: 'replace', path: '/data/_REDIS_URL_CORE', value: Buffer.from(url).toString('base64') }],
    });
  },
};
