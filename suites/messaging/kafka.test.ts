/**
 * Messaging (STORY-VALIDATE-NETWORKING AC6): Strimzi Kafka and Schema Registry on apps.
 *
 * Reads: the Kafka object and broker pods. Protocol probes from outside the cluster: kafkajs over
 * per-broker tunnels (a run-owned topic is created, a message with a unique key produced and
 * consumed back, the topic deleted and its absence verified); Schema Registry REST through a
 * tunnel (a run-owned subject registered, read back, a compatible and an incompatible change
 * checked, the subject deleted permanently and its absence verified).
 *
 * Lab: Strimzi is simulated (Kafka status from lab/sim); behind the broker pods run three real
 * Apache Kafka KRaft nodes advertising the Strimzi pod addresses; the Schema Registry is a lab
 * implementation of the Confluent REST API whose compatibility decisions come from Apache Avro.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { check } from '../../helpers/check/index.js';
import { fixtureText } from '../../helpers/checks/fixtures.js';
import { deleteTopicAndWait, kafkaAccess } from '../../helpers/checks/kafka.js';
import { GVR, describeCondition, getCustom, listPods, podReady } from '../../helpers/checks/k8s.js';
import { SchemaRegistryClient } from '../../helpers/checks/schema-registry.js';
import { withTunnel } from '../../helpers/checks/tunnel.js';
import { sweepRunOwned } from '../../helpers/run/sweep-owned.js';

const STORY = 'STORY-VALIDATE-NETWORKING';

check(
  {
    id: 'MSG-KAFKA-001',
    title: 'the Kafka cluster is Ready with all brokers Ready',
    priority: 'P1',
    component: 'kafka',
    clusters: ['apps'],
    story: STORY,
    ac: ['AC6'],
    risks: ['TECH-004'],
    suggestedAction:
      'kubectl -n messaging get kafka,kafkanodepool,pods -l strimzi.io/cluster=kafka-cluster; strimzi operator logs',
    timeoutMs: 60_000,
  },
  async ({ cluster: k, facts, evidence, skip }) => {
    const kf = facts.kafka;
    if (!kf.enabled) skip('facts.kafka.enabled is false');
    await expect
      .poll(
        async () => {
          const obj = await getCustom(k, GVR.kafka, kf.namespace, kf.cluster);
          evidence.status(obj);
          const pods = await listPods(k, kf.namespace, kf.brokerSelector);
          evidence.json(
            'brokers',
            pods.map((p) => ({ name: p.metadata?.name, node: p.spec?.nodeName, ready: podReady(p) })),
          );
          return `${describeCondition(obj, 'Ready')}; ready brokers ${pods.filter(podReady).length}`;
        },
        { timeout: 30_000, interval: 2_000, message: `Kafka ${kf.namespace}/${kf.cluster}` },
      )
      .toMatch(new RegExp(`^Ready=True.*; ready brokers ${kf.brokers}$`));
  },
);

check(
  {
    id: 'MSG-KAFKA-002',
    title: 'a run-owned message is produced and consumed back by its unique key through the brokers',
    priority: 'P1',
    component: 'kafka',
    clusters: ['apps'],
    story: STORY,
    ac: ['AC6', 'AC11'],
    risks: ['TECH-004'],
    suggestedAction:
      'kafka-console-producer/consumer against kafka-cluster-kafka-bootstrap:9092; check broker logs and under-replicated partitions',
    timeoutMs: 120_000,
  },
  async ({ cluster, facts, evidence, run, skip }) => {
    const kf = facts.kafka;
    if (!kf.enabled) skip('facts.kafka.enabled is false');
    const topic = run.name('pv-topic');
    const key = `pv-${randomBytes(8).toString('hex')}`;
    const value = JSON.stringify({ runId: run.id, at: new Date().toISOString() });
    const access = kafkaAccess(cluster, facts, 'platform-validation');
    const admin = access.kafka.admin();
    const steps: string[] = [];
    let releaseTopic = () => {};
    try {
      await admin.connect();
      // what crashed runs left (this check's and PERF-KAFKA-001's names)
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
      await admin.createTopics({
        topics: [{ topic, numPartitions: 1 }],
        waitForLeaders: true,
        timeout: 20_000,
      });
      steps.push(`created topic ${topic}`);
      releaseTopic = run.cleanup(`delete Kafka topic ${topic}`, () =>
        admin.deleteTopics({ topics: [topic], timeout: 20_000 }),
      );
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
            timeout: 30_000,
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
    expect(steps, 'the run-owned topic is gone').toContain('topic still listed after delete: false');
  },
);

check(
  {
    id: 'MSG-SR-001',
    title:
      'Schema Registry registers, serves and checks compatibility of a run-owned Avro subject, then deletes it',
    priority: 'P1',
    component: 'kafka',
    clusters: ['apps'],
    story: STORY,
    ac: ['AC6'],
    risks: ['TECH-004'],
    suggestedAction:
      'curl schema-registry:8081/subjects; check its connection to the _schemas topic and its compatibility level',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence, run, skip }) => {
    const kf = facts.kafka;
    if (!kf.enabled) skip('facts.kafka.enabled is false');
    const subject = `${run.name('pv-subject')}-${randomBytes(3).toString('hex')}-value`;
    const v1 = fixtureText('messaging/order-v1.avsc');
    const v2 = fixtureText('messaging/order-v2-compatible.avsc');
    const v3 = fixtureText('messaging/order-v3-incompatible.avsc');
    const sr = kf.schemaRegistry;
    const log = await withTunnel(
      cluster,
      { kind: 'Service', namespace: kf.namespace, name: sr.service, port: sr.port },
      async (t) => {
        const c = new SchemaRegistryClient(`http://${t.host}:${t.port}`);
        const out: Record<string, unknown> = { subject };
        // soft-deleted subjects of crashed runs too (they still hold their name)
        await sweepRunOwned(evidence, {
          kind: 'Schema Registry subject',
          prefixes: ['pv-subject'],
          list: () => c.subjects(true),
          remove: (s) => c.deleteSubject(s),
        });
        const release = run.cleanup(`delete subject ${subject}`, () => c.deleteSubject(subject));
        try {
          const { id } = await c.register(subject, v1);
          out.registeredId = id;
          const latest = await c.latest(subject);
          out.latest = { version: latest.version, id: latest.id };
          out.latestMatches =
            latest.id === id && JSON.stringify(JSON.parse(latest.schema)) === JSON.stringify(JSON.parse(v1));
          out.compatibleChange = await c.compatible(subject, v2);
          out.incompatibleChange = await c.compatible(subject, v3);
        } finally {
          await c.deleteSubject(subject).catch((e: Error) => (out.deleteError = e.message));
          // soft-deleted subjects are hidden from /subjects: a failed permanent delete would read as gone
          out.subjectListedAfterDelete = (await c.subjects(true)).includes(subject);
          if (!out.deleteError && out.subjectListedAfterDelete === false) release();
        }
        return out;
      },
    );
    evidence.json('schema-registry', log);
    expect(log, `Schema Registry session for ${subject}`).toMatchObject({
      latestMatches: true,
      compatibleChange: true,
      incompatibleChange: false,
      subjectListedAfterDelete: false,
    });
    expect(log.deleteError, `DELETE of subject ${subject} (soft, then permanent)`).toBeUndefined();
  },
);
