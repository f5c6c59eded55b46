// The measurements of the performance baselines (suites/e2e/performance.test.ts) that take more
// than one call: DNS over a tunnel to the cluster DNS Service, and HTTP through the Gateway from a
// run-owned client pod (the Gateway's Service has no selector to port-forward to). Each attaches its
// samples and summary; the suite compares them with the targets. Kafka's is in ./kafka.ts.
import type { Facts } from '../config/index.js';
import type { CheckEvidence, RunContext } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { resolveA } from '../clients/dns.js';
import { summarize, type LatencySummary } from '../clients/latency.js';
import {
  curlTimings,
  deployHttpClient,
  gatewayAddress,
  type GatewayHttpSample,
} from '../reads/gateway-http.js';
import { withTunnel } from '../reads/tunnel.js';

/** facts.performance.samples A queries of facts.coredns.lookup over one TCP connection (after a warm-up). */
export async function dnsLatency(
  k: ClusterHandle,
  facts: Facts,
  evidence: CheckEvidence,
): Promise<LatencySummary> {
  const c = facts.coredns;
  const r = await withTunnel(
    k,
    { kind: 'Service', namespace: c.namespace, name: c.service, port: c.port },
    (t) => resolveA(t.host, t.port, c.lookup, facts.performance.samples),
  );
  const s = summarize(r.samplesMs);
  evidence.json('dns-latency', {
    lookup: c.lookup,
    summary: s,
    samplesMs: r.samplesMs,
    via: 'port-forward tunnel, DNS over TCP',
  });
  return s;
}

/**
 * facts.performance.samples GETs of the Gateway's probe URL (facts.gateway.probe, at the Gateway's
 * first status address) from a client pod in the run namespace, over one keep-alive connection;
 * the pod is deleted afterwards. Throws when the Gateway has no address or curl gives up.
 */
export async function httpLatencyThroughGateway(
  k: ClusterHandle,
  facts: Facts,
  run: RunContext,
  evidence: CheckEvidence,
): Promise<{ url: string; summary: LatencySummary; answers: GatewayHttpSample[] }> {
  const p = facts.gateway.probe;
  const address = await gatewayAddress(k, facts);
  const url = `http://${address.includes(':') ? `[${address}]` : address}:${p.port}${p.path}`;
  const namespace = await run.namespace();
  const pod = run.name('pv-http');
  await deployHttpClient(k, facts, namespace, pod);
  try {
    const answers = await curlTimings(k, namespace, pod, url, facts.performance.samples, p.host);
    const summary = summarize(answers.map((a) => a.ms));
    evidence.json('http-latency', {
      url,
      host: p.host ?? '(the address)',
      from: `pod ${namespace}/${pod}`,
      summary,
      statuses: answers.map((a) => a.status),
      samplesMs: answers.map((a) => a.ms),
      via: 'curl in a run-namespace pod, one keep-alive connection, curl time_total per request',
    });
    return { url, summary, answers };
  } finally {
    await k.core.deleteNamespacedPod({ namespace, name: pod, gracePeriodSeconds: 0 }).catch(() => undefined);
  }
}

/**
 * The answers that did not come from a route's backend: no answer, 4xx or 5xx. A 404 is the Gateway
 * answering for itself (no route matched, e.g. a hostname-bound route without
 * facts.gateway.probe.host), and its latency says nothing about the path to a backend.
 */
export function httpErrors(answers: readonly GatewayHttpSample[]): { count: number; statuses: string } {
  const errors = answers.filter((a) => a.status < 200 || a.status >= 400);
  return {
    count: errors.length,
    statuses: [...new Set(errors.map((a) => a.status || 'no answer'))].join(', '),
  };
}
