/**
 * Performance baselines (STORY-VALIDATE-NETWORKING AC11, P2): DNS average, HTTP p95 through the
 * Gateway, Kafka produce p95, compared with the targets in facts.performance (AC11 defaults) and
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
import { randomBytes } from 'node:crypto';
import { expect, inject } from 'vitest';
import { check } from '../../helpers/check/index.js';
import { resolveA } from '../../helpers/clients/dns.js';
import { deleteTopicAndWait, kafkaAccess } from '../../helpers/checks/kafka.js';

import { sampleLatency, summarize } from '../../helpers/clients/latency.js';
import { curlTimings, deployHttpClient, gatewayAddress } from '../../helpers/checks/gateway-http.js';
import { withTunnel } from '../../helpers/checks/tunnel.js';
import type { Facts } from '../../helpers/config/facts.js';

const STORY = 'STORY-VALIDATE-NETWORKING';
// targets are facts of this project's cluster, known at collection time
const perf = (inject('pvClusterConfig')?.facts as Facts | undefined)?.performance;

check(
  {
    id: 'PERF-DNS-001',
    title: 'DNS query latency average is under the AC11 target',
    priority: 'P2',
    component: 'coredns',
    clusters: ['infra', 'apps'],
    story: STORY,
    ac: ['AC11'],
    risks: ['PERF-002'],
    suggestedAction:
      'dnsperf against the kube-dns ClusterIP from inside the cluster; check CoreDNS CPU and cache settings',
    timeoutMs: 120_000,
    targets: perf ? { dns_avg_ms: perf.dnsAvgMs } : undefined,
  },
  async ({ cluster, facts, evidence }) => {
    const c = facts.coredns;
    const r = await withTunnel(
      cluster,
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
    evidence.metric('dns_avg_ms', s.avgMs);
    expect(
      s.avgMs,
      `DNS average over ${s.samples} queries (target < ${facts.performance.dnsAvgMs} ms)`,
    ).toBeLessThan(facts.performance.dnsAvgMs);
  },
);

check(
  {
    id: 'PERF-HTTP-001',
    title: 'HTTP p95 through the Gateway is under the AC11 target',
    priority: 'P2',
    component: 'gateway',
    clusters: ['infra', 'apps'],
    story: STORY,
    ac: ['AC11'],
    risks: ['PERF-004'],
    suggestedAction:
      'hey -n 1000 -c 10 http://<gateway-ip>/ from inside the cluster; check Envoy/cilium-envoy load',
    timeoutMs: 120_000,
    targets: perf ? { http_p95_ms: perf.httpP95Ms } : undefined,
  },
  async ({ cluster: k, facts, evidence, run }) => {
    const p = facts.gateway.probe;
    const address = await gatewayAddress(k, facts);
    const url = `http://${address.includes(':') ? `[${address}]` : address}:${p.port}${p.path}`;
    const namespace = await run.namespace();
    const pod = run.name('pv-http');
    await deployHttpClient(k, facts, namespace, pod);
    try {
      const answers = await curlTimings(k, namespace, pod, url, facts.performance.samples, p.host);
      const s = summarize(answers.map((a) => a.ms));
      evidence.json('http-latency', {
        url,
        host: p.host ?? '(the address)',
        from: `pod ${namespace}/${pod}`,
        summary: s,
        statuses: answers.map((a) => a.status),
        samplesMs: answers.map((a) => a.ms),
        via: 'curl in a run-namespace pod, one keep-alive connection, curl time_total per request',
      });
      evidence.metric('http_p95_ms', s.p95Ms);
      // only a 2xx/3xx came from a route's backend: a 404 is the Gateway answering for itself (no
      // route matched, e.g. a hostname-bound route without facts.gateway.probe.host), and its
      // latency says nothing about the path to a backend
      const errors = answers.filter((a) => a.status < 200 || a.status >= 400);
      const statuses = [...new Set(errors.map((a) => a.status || 'no answer'))].join(', ');
      expect(
        errors.length,
        `HTTP errors (no answer, 4xx or 5xx: ${statuses}) through Gateway ${url}: ${errors.length}/${answers.length}`,
      ).toBe(0);
      expect(
        s.p95Ms,
        `HTTP p95 over ${s.samples} requests to ${url} (target < ${facts.performance.httpP95Ms} ms)`,
      ).toBeLessThan(facts.performance.httpP95Ms);
    } finally {
      await k.core
        .deleteNamespacedPod({ namespace, name: pod, gracePeriodSeconds: 0 })
        .catch(() => undefined);
    }
  },
);

check(
  {
    id: 'PERF-KAFKA-001',
    title: 'Kafka produce latency p95 (acks=all) is under the AC11 target',
    priority: 'P2',
    component: 'kafka',
    clusters: ['apps'],
    story: STORY,
    ac: ['AC11'],
    risks: ['PERF-001'],
    suggestedAction:
      'kafka-producer-perf-test.sh --producer-props acks=all; check broker disk latency and ISR',
    timeoutMs: 120_000,
    targets: perf ? { kafka_produce_p95_ms: perf.kafkaProduceP95Ms } : undefined,
  },
  async ({ cluster, facts, evidence, run, skip }) => {
    if (!facts.kafka.enabled) skip('facts.kafka.enabled is false');
    const topic = run.name('pv-perf');
    const access = kafkaAccess(cluster, facts, 'platform-validation-perf');
    const admin = access.kafka.admin();
    let samples: number[] | undefined;
    let leftover: boolean | undefined;
    let releaseTopic = () => {};
    try {
      await admin.connect();
      await admin.createTopics({
        topics: [{ topic, numPartitions: 1 }],
        waitForLeaders: true,
        timeout: 20_000,
      });
      // removed in finally; registered in case the run is interrupted first
      releaseTopic = run.cleanup(`delete Kafka topic ${topic}`, () =>
        admin.deleteTopics({ topics: [topic], timeout: 20_000 }),
      );
      const producer = access.kafka.producer({ allowAutoTopicCreation: false });
      await producer.connect();
      try {
        const payload = randomBytes(500).toString('hex'); // 1000-byte records as in AC11's perf test
        await producer.send({ topic, acks: -1, messages: [{ value: payload }] }); // warm-up: metadata + connections
        samples = await sampleLatency(facts.kafka.samples, async (i) => {
          await producer.send({ topic, acks: -1, messages: [{ key: String(i), value: payload }] });
        });
      } finally {
        await producer.disconnect().catch(() => undefined);
      }
    } finally {
      leftover = (await deleteTopicAndWait(admin, topic)).stillListed !== false;
      if (!leftover) releaseTopic();
      await admin.disconnect().catch(() => undefined);
      await access.close();
    }
    if (!samples) throw new Error('no produce latency samples were taken');
    const s = summarize(samples);
    evidence.json('kafka-produce-latency', {
      topic,
      summary: s,
      samplesMs: samples,
      topicLeftOver: leftover,
    });
    evidence.metric('kafka_produce_p95_ms', s.p95Ms);
    expect(leftover, `run-owned topic ${topic} deleted`).toBe(false);
    expect(
      s.p95Ms,
      `produce p95 over ${s.samples} sends (target < ${facts.performance.kafkaProduceP95Ms} ms)`,
    ).toBeLessThan(facts.performance.kafkaProduceP95Ms);
  },
);
