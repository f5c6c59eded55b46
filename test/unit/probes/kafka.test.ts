// The Kafka check mechanisms (helpers/probes/kafka.ts) on fakes: recorded Kafka/broker objects on a
// fake ClusterHandle, and an in-memory Kafka behind a fake kafkaAccess. Passing and failing shapes,
// the sweep of crashed runs' topics and groups, and the removals registered until the topic is gone.
import { describe, expect, it } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import { runOwnedName } from '../../../helpers/run/ids.js';
import {
  TOPIC_GONE,
  kafkaReadiness,
  messageRoundTrip,
  produceLatency,
  type KafkaAccess,
} from '../../../helpers/probes/kafka.js';
import { failure, fakeEvidence, fakeRun, runIdHoursAgo } from './fake-run.js';

const kf = (): Facts['kafka'] => (structuredClone(factsDefaults('apps')) as Facts).kafka;

/**
 * A fake apiserver as Strimzi's CRDs make it (packaging/install/cluster-operator/040-Crd-kafka.yaml):
 * `served` are the kafka.strimzi.io versions of the installed release (1.0.0+: v1 only; 0.49-0.51:
 * v1 and v1beta2; 0.48: v1beta2 only). A read in another version is a 404, as the real apiserver answers.
 */
const reads: string[] = [];
function brokerCluster(ready: string, readyPods: number, pods = 3, served: string[] = ['v1']) {
  const pod = (i: number) => ({
    metadata: { name: `kafka-cluster-broker-${i}` },
    spec: { nodeName: `node-${i}` },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: i < readyPods ? 'True' : 'False' }],
    },
  });
  return {
    custom: {
      getNamespacedCustomObject: async (r: { group: string; version: string }) => {
        if (r.group !== 'kafka.strimzi.io' || !served.includes(r.version))
          throw Object.assign(new Error(`HTTP-Code: 404 ${r.group}/${r.version} kafkas`), { code: 404 });
        reads.push(r.version);
        return {
          metadata: { name: 'kafka-cluster' },
          status: {
            conditions: [{ type: 'Ready', status: ready, reason: ready === 'True' ? undefined : 'NotReady' }],
          },
        };
      },
    },
    apis: {
      getAPIVersions: async () => ({
        groups: [
          { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }] },
          ...(served.length
            ? [
                {
                  name: 'kafka.strimzi.io',
                  versions: served.map((v) => ({ groupVersion: `kafka.strimzi.io/${v}`, version: v })),
                },
              ]
            : []),
        ],
      }),
    },
    core: { listNamespacedPod: async () => ({ items: Array.from({ length: pods }, (_, i) => pod(i)) }) },
  } as unknown as ClusterHandle;
}

describe('kafkaReadiness (MSG-KAFKA-001)', () => {
  const want = (n: number) => new RegExp(`^Ready=True.*; ready brokers ${n}$`);
  it('passes: Ready=True and every broker Ready; the Kafka object and the brokers are attached', async () => {
    const { evidence, attached } = fakeEvidence();
    const line = await kafkaReadiness(brokerCluster('True', 3), kf(), evidence);
    expect(line).toBe('Ready=True; ready brokers 3');
    expect(line).toMatch(want(kf().brokers));
    expect(Object.keys(attached)).toEqual(['status kafka-cluster', 'brokers']);
  });
  it('fails showing the condition and the Ready count', async () => {
    const line = await kafkaReadiness(brokerCluster('False', 2), kf(), fakeEvidence().evidence);
    expect(line).toBe('Ready=False (NotReady); ready brokers 2');
    expect(line).not.toMatch(want(3));
  });
  it('passes on Strimzi 1.x, which serves kafka.strimzi.io only in v1: the object is read in v1', async () => {
    reads.length = 0;
    const line = await kafkaReadiness(brokerCluster('True', 3, 3, ['v1']), kf(), fakeEvidence().evidence);
    expect(line).toBe('Ready=True; ready brokers 3');
    expect(reads).toEqual(['v1']);
  });
  it('prefers v1 where both are served (Strimzi 0.49-0.51); falls back to v1beta2 (0.48)', async () => {
    reads.length = 0;
    await kafkaReadiness(brokerCluster('True', 3, 3, ['v1', 'v1beta2']), kf(), fakeEvidence().evidence);
    await kafkaReadiness(brokerCluster('True', 3, 3, ['v1beta2']), kf(), fakeEvidence().evidence);
    expect(reads).toEqual(['v1', 'v1beta2']);
  });
  it('fails naming the group when neither v1 nor v1beta2 is served', async () => {
    expect(
      await failure(kafkaReadiness(brokerCluster('True', 3, 3, []), kf(), fakeEvidence().evidence)),
    ).toMatch(
      /API group kafka\.strimzi\.io \(kafkas\) is not served in a version this check reads \(v1, v1beta2\); served: none/,
    );
    expect(
      await failure(kafkaReadiness(brokerCluster('True', 3, 3, ['v1alpha1']), kf(), fakeEvidence().evidence)),
    ).toMatch(/served: v1alpha1/);
  });
});

/** An in-memory Kafka: topics, groups, the messages produced; consumers replay them from the beginning. */
function fakeKafka(o: { listed?: string[]; deliver?: boolean; deleteFails?: boolean } = {}) {
  const topics = new Set(o.listed ?? []);
  const groups = new Set<string>();
  const produced: { topic: string; key?: string; value: string }[] = [];
  let closed = false;
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    listTopics: async () => {
      if (o.deleteFails && produced.length) throw new Error('list failed: broker gone');
      return [...topics];
    },
    createTopics: async ({ topics: t }: { topics: { topic: string }[] }) =>
      t.forEach((x) => topics.add(x.topic)),
    deleteTopics: async ({ topics: t }: { topics: string[] }) => {
      if (o.deleteFails && produced.length) throw new Error('This server is not the leader');
      t.forEach((x) => topics.delete(x));
    },
    listGroups: async () => ({ groups: [...groups].map((groupId) => ({ groupId })) }),
    deleteGroups: async (g: string[]) => g.forEach((x) => groups.delete(x)),
  };
  const producer = () => ({
    connect: async () => undefined,
    disconnect: async () => undefined,
    send: async (r: { topic: string; messages: { key?: string; value: string }[] }) => {
      produced.push(...r.messages.map((m) => ({ topic: r.topic, ...m })));
      return [{ topicName: r.topic, partition: 0, errorCode: 0 }];
    },
  });
  const consumer = ({ groupId }: { groupId: string }) => ({
    connect: async () => void groups.add(groupId),
    subscribe: async () => undefined,
    disconnect: async () => undefined,
    run: async ({ eachMessage }: { eachMessage: (p: unknown) => Promise<void> }) => {
      if (o.deliver === false) return;
      for (const m of produced)
        await eachMessage({ message: { key: Buffer.from(m.key ?? ''), value: Buffer.from(m.value) } });
    },
  });
  const access = {
    kafka: { admin: () => admin, producer, consumer },
    brokers: () => ['kafka-cluster-broker-0.kafka-cluster-kafka-brokers.messaging.svc:9092'],
    close: async () => void (closed = true),
  } as unknown as KafkaAccess;
  return { access, topics, groups, produced, closed: () => closed };
}

describe('messageRoundTrip (MSG-KAFKA-002)', () => {
  it('passes: the keyed message comes back, topic and group are gone, crashed runs’ names swept', async () => {
    const old = runIdHoursAgo(5);
    const recent = runIdHoursAgo(0.5);
    const leftovers = [runOwnedName(old, 'pv-topic'), runOwnedName(old, 'pv-perf')];
    const k = fakeKafka({ listed: [...leftovers, runOwnedName(recent, 'pv-topic'), 'orders'] });
    const { run, pending } = fakeRun();
    const { evidence, attached, swept } = fakeEvidence();
    const steps = await messageRoundTrip(k.access, run, evidence);
    expect(steps).toContain(TOPIC_GONE);
    expect(steps.find((s) => s.startsWith('consumed key pv-'))).toBeDefined();
    expect(swept['Kafka topic']).toEqual({ removed: leftovers, failed: [] });
    expect(swept['Kafka consumer group']).toEqual({ removed: [], failed: [] });
    expect([...k.topics].sort()).toEqual(['orders', runOwnedName(recent, 'pv-topic')].sort());
    expect([...k.groups]).toEqual([]);
    expect(pending.size, 'every registered removal was released').toBe(0);
    expect(attached['kafka-session.txt']).toBe(steps.join('\n') + '\n');
    expect(k.closed()).toBe(true);
  });
  it('MSG-KAFKA-002 fails naming the message key when it is not consumed back (steps still attached)', async () => {
    const k = fakeKafka({ deliver: false });
    const { evidence, attached } = fakeEvidence();
    const msg = await failure(messageRoundTrip(k.access, fakeRun().run, evidence, 600));
    expect(msg).toMatch(/^message with key pv-[0-9a-f]{16} not consumed/);
    expect(String(attached['kafka-session.txt'])).toContain(TOPIC_GONE);
  });
  it('fails the suite’s assertion with the steps when the topic cannot be shown gone', async () => {
    const k = fakeKafka({ deleteFails: true });
    const { run, pending } = fakeRun();
    const steps = await messageRoundTrip(k.access, run, fakeEvidence().evidence);
    const msg = await failure(() => expect(steps, 'the run-owned topic is gone').toContain(TOPIC_GONE));
    expect(msg).toContain('the run-owned topic is gone');
    expect(msg).toContain(TOPIC_GONE);
    expect(msg).toContain('delete topic failed: This server is not the leader');
    expect(msg).toContain('topic still listed after delete: unknown (list failed)');
    expect([...pending.keys()]).toEqual([`delete Kafka topic ${run.name('pv-topic')}`]);
  });
});

describe('produceLatency (PERF-KAFKA-001)', () => {
  it('passes: one warm-up and N timed acks=all sends on a run-owned topic, deleted afterwards', async () => {
    const k = fakeKafka();
    const { run, pending } = fakeRun();
    const { evidence, attached } = fakeEvidence();
    const r = await produceLatency(k.access, run, 5, evidence);
    expect(r).toMatchObject({ topic: run.name('pv-perf'), topicLeftOver: false, summary: { samples: 5 } });
    expect(k.produced.map((m) => m.key)).toEqual([undefined, '0', '1', '2', '3', '4']);
    expect(k.produced[0]!.value).toHaveLength(1000);
    expect(attached['kafka-produce-latency']).toMatchObject({ topic: r.topic, topicLeftOver: false });
    expect(pending.size).toBe(0);
    expect(k.closed()).toBe(true);
  });
  it('PERF-KAFKA-001 fails the suite’s assertion naming the topic when it is left over (its removal stays registered)', async () => {
    const k = fakeKafka({ deleteFails: true });
    const { run, pending } = fakeRun();
    const r = await produceLatency(k.access, run, 2, fakeEvidence().evidence);
    expect(r.topicLeftOver).toBe(true);
    const msg = await failure(() =>
      expect(r.topicLeftOver, `run-owned topic ${r.topic} deleted`).toBe(false),
    );
    expect(msg).toContain(`run-owned topic ${run.name('pv-perf')} deleted`);
    expect(msg).toContain('expected true to be false');
    expect(pending.size).toBe(1);
  });
});
