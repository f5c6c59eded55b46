// The mechanisms of the Kafka checks (suites/messaging/kafka.test.ts, PERF-KAFKA-001): the Kafka
// object and its brokers as one comparable line, a run-owned message's produce/consume round trip
// and the produce latency on a run-owned topic. Each topic is deleted again and its absence read
// back; the round trip first sweeps what crashed runs left of both checks' names.
import { randomBytes } from 'node:crypto';
import type { Admin } from 'kafkajs';
import { expect } from 'vitest';
import type { Facts } from '../config/index.js';
import type { CheckEvidence, RunContext } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { deleteTopicAndWait, type kafkaAccess } from '../reads/kafka.js';
import {
  GVR,
  STRIMZI_VERSIONS,
  describeCondition,
  getCustom,
  listPods,
  podReady,
  servedGvr,
} from '../reads/k8s.js';
import { sampleLatency, summarize, type LatencySummary } from '../clients/latency.js';
import { sweepRunOwned } from '../run/sweep-owned.js';

export type KafkaAccess = ReturnType<typeof kafkaAccess>;

/** `Ready=True; ready brokers 3`: the Kafka object's Ready condition and its Ready broker pods (both attached). */
export async function kafkaReadiness(
  k: ClusterHandle,
  kf: Facts['kafka'],
  evidence: CheckEvidence,
): Promise<string> {
  // the version through API discovery: v1 (Strimzi >= 0.49), else v1beta2 (<= 0.51)
  const obj = await getCustom(k, await servedGvr(k, GVR.kafka, STRIMZI_VERSIONS), kf.namespace, kf.cluster);
  evidence.status(obj);
  const pods = await listPods(k, kf.namespace, kf.brokerSelector);
  evidence.json(
    'brokers',
    pods.map((p) => ({ name: p.metadata?.name, node: p.spec?.nodeName, ready: podReady(p) })),
  );
  return `${describeCondition(obj, 'Ready')}; ready brokers ${pods.filter(podReady).length}`;
}

/** Creates a one-partition topic and registers its removal in case the run is interrupted. */
async function createRunTopic(admin: Admin, run: RunContext, topic: string): Promise<() => void> {
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true, timeout: 20_000 });
  return run.cleanup(`delete Kafka topic ${topic}`, () =>
    admin.deleteTopics({ topics: [topic], timeout: 20_000 }),
  );
}

/** What crashed runs left: MSG-KAFKA-002's and PERF-KAFKA-001's topics, MSG-KAFKA-002's groups. */
async function sweepKafka(admin: Admin, evidence: CheckEvidence): Promise<void> {
  await sweepRunOwned(evidence, {
    kind: 'Kafka topic',
    prefixes: ['pv-topic', 'pv-perf'],
    list: () => admin.listTopics(),
    remove: (t) => admin.deleteTopics({ topics: [t], timeout: 20_000 }),
  });
  await sweepRunOwned(evidence, {
    kind: 'Kafka consumer group',
    prefixes: ['pv-group'],
    list: async () => (await admin.listGroups()).groups.map((g) => g.groupId),
    remove: (g) => admin.deleteGroups([g]),
  });
}

/** The line of the session log that says the run-owned topic is gone. */
export const TOPIC_GONE = 'topic still listed after delete: false';

/**
 * MSG-KAFKA-002's session through the brokers: sweep, create a run-owned topic, produce one message
 * with a unique key (acks=all), consume it back by that key from a run-owned group (within
 * `consumeTimeoutMs`), delete group and topic. Returns the steps (attached as kafka-session.txt),
 * among them TOPIC_GONE when the topic is no longer listed; throws when a step fails (the steps are
 * attached first). Closes `access`.
 */
export async function messageRoundTrip(
  access: KafkaAccess,
  run: RunContext,
  evidence: CheckEvidence,
  consumeTimeoutMs = 30_000,
): Promise<string[]> {
  const topic = run.name('pv-topic');
  const key = `pv-${randomBytes(8).toString('hex')}`;
  const value = JSON.stringify({ runId: run.id, at: new Date().toISOString() });
  const admin = access.kafka.admin();
  const steps: string[] = [];
  let releaseTopic = () => {};
  try {
    await admin.connect();
    await sweepKafka(admin, evidence);
    releaseTopic = await createRunTopic(admin, run, topic);
    steps.push(`created topic ${topic}`);
    const producer = access.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const meta = await producer.send({ topic, acks: -1, messages: [{ key, value }] });
    steps.push(`produced key ${key}: ${JSON.stringify(meta)}`);
    await producer.disconnect();
    const group = run.name('pv-group');
    const consumer = access.kafka.consumer({ groupId: group, sessionTimeout: 10_000 });
    // a group with a member cannot be deleted: leave it first
    const releaseGroup = run.cleanup(`delete Kafka consumer group ${group}`, async () => {
      await consumer.disconnect().catch(() => undefined);
      await admin.deleteGroups([group]);
    });
    let got: string | undefined;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (message.key?.toString() === key) got = message.value?.toString();
        },
      });
      await expect
        .poll(() => got, {
          timeout: consumeTimeoutMs,
          interval: 250,
          message: `message with key ${key} not consumed`,
        })
        .toBe(value);
      steps.push(`consumed key ${key}`);
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await admin
        .deleteGroups([group])
        .then(releaseGroup)
        .catch(() => undefined);
    }
  } finally {
    const gone = await deleteTopicAndWait(admin, topic);
    if (gone.error) steps.push(`delete topic failed: ${gone.error}`);
    steps.push(`topic still listed after delete: ${gone.stillListed ?? 'unknown (list failed)'}`);
    if (gone.stillListed === false) releaseTopic();
    await admin.disconnect().catch(() => undefined);
    steps.push(`broker tunnels used: ${access.brokers().join(', ')}`);
    await access.close();
    evidence.text('kafka-session.txt', steps.join('\n') + '\n');
  }
  return steps;
}

/**
 * PERF-KAFKA-001's measurement: on a run-owned topic, one warm-up send (metadata and connections)
 * then `samples` sends of a 1000-byte record with acks=all, each timed. The topic is deleted
 * afterwards; `topicLeftOver` is true unless it is no longer listed. The samples and their summary
 * are attached (kafka-produce-latency). Closes `access`.
 */
export async function produceLatency(
  access: KafkaAccess,
  run: RunContext,
  samples: number,
  evidence: CheckEvidence,
): Promise<{ topic: string; summary: LatencySummary; topicLeftOver: boolean }> {
  const topic = run.name('pv-perf');
  const admin = access.kafka.admin();
  let samplesMs: number[] | undefined;
  let topicLeftOver: boolean;
  let releaseTopic = () => {};
  try {
    await admin.connect();
    // removed in finally; registered in case the run is interrupted first
    releaseTopic = await createRunTopic(admin, run, topic);
    const producer = access.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const payload = randomBytes(500).toString('hex'); // 1000-byte records as in AC11's perf test
      await producer.send({ topic, acks: -1, messages: [{ value: payload }] }); // warm-up: metadata + connections
      samplesMs = await sampleLatency(samples, async (i) => {
        await producer.send({ topic, acks: -1, messages: [{ key: String(i), value: payload }] });
      });
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  } finally {
    topicLeftOver = (await deleteTopicAndWait(admin, topic)).stillListed !== false;
    if (!topicLeftOver) releaseTopic();
    await admin.disconnect().catch(() => undefined);
    await access.close();
  }
  if (!samplesMs) throw new Error('no produce latency samples were taken');
  const summary = summarize(samplesMs);
  evidence.json('kafka-produce-latency', { topic, summary, samplesMs, topicLeftOver });
  return { topic, summary, topicLeftOver };
}
