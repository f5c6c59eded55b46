/**
 * Performance baselines (STORY-VALIDATE-NETWORKING AC11, P2): DNS average, HTTP p95 through the
 * Gateway, Kafka produce p95, pod start time (creation to Ready, run-namespace pods), compared with the targets in facts.performance (AC11 defaults) and
 * reported as JUnit `metric.*` / `target.*` properties plus the raw samples as evidence.
 *
 * DNS and Kafka are measured from the runner through port-forward tunnels, so those figures include
 * the tunnel's overhead (an upper bound of what an in-cluster client sees); HTTP is measured from a
 * client pod in the run namespace against the Gateway's address (its Service has no selector to
 * port-forward to). Kafka uses a run-owned topic, deleted afterwards.
 *
 * Lab: CoreDNS and Kafka are real; the Gateway's data plane is a real nginx the lab serves on the
 * loopback alias of the Gateway's address (the client pod's curl runs through the lab's exec shim).
 */
import { expect, inject } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { kafkaAccess } from '../../helpers/reads/kafka.js';
import type { Facts } from '../../helpers/config/facts.js';
import { produceLatency } from '../../helpers/probes/kafka.js';
import { dnsLatency, httpErrors, httpLatencyThroughGateway } from '../../helpers/probes/performance.js';
import { podStartSummary, podStartTimes } from '../../helpers/probes/pod-start.js';

// targets are facts of this project's cluster, known at collection time
const perf = (inject('pvClusterConfig')?.facts as Facts | undefined)?.performance;
const baseline = suite({
  clusters: ['infra', 'apps'],
  story: 'STORY-VALIDATE-NETWORKING',
  timeoutMs: 120_000,
});

baseline.check(
  {
    id: 'PERF-DNS-001',
    title: 'DNS query latency average is under the AC11 target',
    priority: 'P2',
    component: 'coredns',
    ac: ['AC11.8'],
    risks: ['R10'],
    suggestedAction:
      'dnsperf against the kube-dns ClusterIP from inside the cluster; check CoreDNS CPU and cache settings',
    targets: perf ? { dns_avg_ms: perf.dnsAvgMs } : undefined,
    // an average over 50 queries of ~1 ms is moved past 10 ms by one 0.5 s stall of the runner or the
    // tunnel (CI: a loaded 2-core host); a slow platform fails both attempts, and the JUnit marks a
    // pass on the second one flaky with the first attempt's failure kept
    retry: 1,
  },
  async ({ cluster, facts, evidence }) => {
    const s = await dnsLatency(cluster, facts, evidence);
    const target = facts.performance.dnsAvgMs;
    evidence.metric('dns_avg_ms', s.avgMs);
    expect(s.avgMs, `DNS average over ${s.samples} queries (target < ${target} ms)`).toBeLessThan(target);
  },
);

baseline.check(
  {
    id: 'PERF-HTTP-001',
    title: 'HTTP p95 through the Gateway is under the AC11 target',
    priority: 'P2',
    component: 'gateway',
    ac: ['AC11.9'],
    risks: ['R10'],
    suggestedAction:
      'hey -n 1000 -c 10 http://<gateway-ip>/ from inside the cluster; check Envoy/cilium-envoy load',
    targets: perf ? { http_p95_ms: perf.httpP95Ms } : undefined,
  },
  async ({ cluster, facts, evidence, run }) => {
    const { url, summary: s, answers } = await httpLatencyThroughGateway(cluster, facts, run, evidence);
    evidence.metric('http_p95_ms', s.p95Ms);
    // only a 2xx/3xx came from a route's backend (a 404 is the Gateway answering for itself)
    const errors = httpErrors(answers);
    expect(
      errors.count,
      `HTTP errors (no answer, 4xx or 5xx: ${errors.statuses}) through Gateway ${url}: ${errors.count}/${answers.length}`,
    ).toBe(0);
    expect(
      s.p95Ms,
      `HTTP p95 over ${s.samples} requests to ${url} (target < ${facts.performance.httpP95Ms} ms)`,
    ).toBeLessThan(facts.performance.httpP95Ms);
  },
);

baseline.check(
  {
    id: 'PERF-KAFKA-001',
    title: 'Kafka produce latency p95 (acks=all) is under the AC11 target',
    priority: 'P2',
    component: 'kafka',
    ac: ['AC11.11'],
    risks: ['R10'],
    clusters: ['apps'],
    requires: 'kafka.enabled',
    suggestedAction:
      'kafka-producer-perf-test.sh --producer-props acks=all; check broker disk latency and ISR',
    targets: perf ? { kafka_produce_p95_ms: perf.kafkaProduceP95Ms } : undefined,
  },
  async ({ cluster, facts, evidence, run }) => {
    // a run-owned topic, deleted afterwards (MSG-KAFKA-002 sweeps what crashed runs left of it)
    const access = kafkaAccess(cluster, facts, 'platform-validation-perf');
    const samples = facts.kafka.samples;
    const { topic, summary: s, topicLeftOver } = await produceLatency(access, run, samples, evidence);
    const target = facts.performance.kafkaProduceP95Ms;
    evidence.metric('kafka_produce_p95_ms', s.p95Ms);
    expect(topicLeftOver, `run-owned topic ${topic} deleted`).toBe(false);
    expect(s.p95Ms, `produce p95 over ${s.samples} sends (target < ${target} ms)`).toBeLessThan(target);
  },
);

baseline.check(
  {
    id: 'PERF-POD-001',
    title: 'pod start time (creation to Ready) average is under the AC11 target',
    priority: 'P2',
    component: 'kubernetes',
    ac: ['AC11.7'],
    risks: ['R10'],
    suggestedAction:
      'kubectl get events -n <run namespace> (Scheduled, Pulling, Pulled, Started); check image pull times (Spegel, the registry mirror), the scheduler and the kubelets',
    targets: perf ? { pod_start_avg_ms: perf.podStartAvgMs } : undefined,
  },
  async ({ cluster, facts, evidence, run }) => {
    const { avgMs, notReady } = podStartSummary(await podStartTimes(cluster, facts, run, evidence));
    expect(notReady, 'pods not Ready in time').toEqual([]);
    evidence.metric('pod_start_avg_ms', avgMs);
    const target = facts.performance.podStartAvgMs;
    expect(
      avgMs,
      `pod start average over ${facts.performance.podStartPods} pods (target < ${target} ms)`,
    ).toBeLessThan(target);
  },
);
