import { servicePorts } from '../services/ports.js';
import { OBSERVABILITY } from '../services/observability.js';
import type { Scenario } from './types.js';

/** Instant query on the lab's VictoriaMetrics (loopback) for the series `query` returns. */
async function series(query: string): Promise<number> {
  const url = `http://127.0.0.1:${servicePorts().victoriaMetrics}${OBSERVABILITY.metricsPrefix}/api/v1/query?query=${encodeURIComponent(query)}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { data?: { result?: unknown[] } };
  return body.data?.result?.length ?? 0;
}

/**
 * One Dragonfly replica's process stopped: its exporter scrape fails, VictoriaMetrics records
 * up == 0 for it, and the real vmalert fires TargetDown, written back as an ALERTS series.
 */
export const dragonflyReplicaDown: Scenario = {
  name: 'dragonfly-replica-down',
  summary:
    'apps: the Redis process behind dragonfly-system/dragonfly-2 is stopped (the pod goes NotReady; its metrics scrape fails)',
  expect:
    'OBS-VM-005 (target down) and OBS-ALERT-001 (TargetDown firing) on infra fail naming job dragonfly, pod dragonfly-2 (cluster apps); the other observability checks pass (dragonfly_* series still come from dragonfly-0 and -1)',
  faults: {},
  services: { stopped: ['dragonfly-2'] },
  // the chain takes a scrape (15 s) and an evaluation (5 s): the scenario is in force once the
  // alert is written, as a platform's would be by the time anyone runs the catalogue
  apply: async (ctx) => {
    const deadline = Date.now() + 90_000;
    const q = 'ALERTS{alertname="TargetDown",alertstate="firing",job="dragonfly",pod="dragonfly-2"}';
    while ((await series(q).catch(() => 0)) === 0) {
      if (Date.now() > deadline)
        throw new Error(
          `scenario dragonfly-replica-down: no firing TargetDown for dragonfly-2 within 90 s (${q})`,
        );
      await new Promise((r) => setTimeout(r, 2_000));
    }
    ctx.log('scenario dragonfly-replica-down: TargetDown for dragonfly-2 is firing');
  },
};
