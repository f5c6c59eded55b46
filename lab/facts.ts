/**
 * What the local lab differs in from the reference platform, as facts overrides for the `lab`
 * environment of platform.config.ts (`facts: labFacts()`, the same for both clusters; checked there
 * against the facts schema, `clusters.<name>.facts`). The lab keeps the reference CIDRs as data; its
 * CNI is simulated, so NetworkPolicy is not enforced there and the denied-namespace test is skipped
 * instead of being counted as passed.
 */
export function labFacts() {
  return {
    cilium: { enforcesNetworkPolicy: false },
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
