/**
 * What the local lab differs in from the reference platform, as facts overrides for the `lab`
 * environment of platform.config.ts (`facts: labFacts(cluster)`; checked there
 * against the facts schema, `clusters.<name>.facts`). The lab keeps the reference CIDRs as data.
 */
import type { LabClusterName } from './core/topology.js';

export function labFacts(cluster: LabClusterName) {
  return {
    // one real Reloader runs, on apps (lab/services/reloader.ts: its HTTP port 9090 is fixed, so a
    // second one cannot start); infra's kube-system/reloader is a simulated object with no
    // controller behind it, so its rollout test is skipped with this fact's reason, never passed
    reloader: { enabled: cluster === 'apps' },
    // what the lab's VictoriaMetrics scrapes (lab/services/observability.ts scrapeConfig)
    observability: {
      // the lab's vmalert evaluates every 5 s with a 5 s evalDelay (lab/services/observability.ts)
      alerts: { windowS: 45 },
      scrapeJobs: [
        'kube-apiserver-infra',
        'kube-apiserver-apps',
        'victoria-metrics',
        'victoria-logs',
        'dragonfly',
      ],
    },
  };
}
