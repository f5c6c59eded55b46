/**
 * Messaging (STORY-VALIDATE-NETWORKING AC6): Strimzi Kafka and Schema Registry on apps.
 *
 * Reads: the Kafka object and broker pods, the KafkaTopics, the Schema Registry Deployment. Protocol probes from outside the cluster: kafkajs over
 * per-broker tunnels (a run-owned topic is created, a message with a unique key produced and
 * consumed back, the topic deleted and its absence verified); Schema Registry REST through a
 * tunnel (a run-owned subject registered, read back, a compatible and an incompatible change
 * checked, the subject deleted permanently and its absence verified); and the `_schemas` topic read
 * back for the record a run-owned registration writes there.
 *
 * Lab: Strimzi is simulated (Kafka and KafkaTopic status from lab/sim; the declared topics are made
 * real on the brokers by lab/services/kafka-topics.ts); behind the broker pods run three real
 * Apache Kafka KRaft nodes advertising the Strimzi pod addresses; the Schema Registry is a lab
 * implementation of the Confluent REST API whose compatibility decisions come from Apache Avro.
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { fixtureText } from '../../helpers/reads/fixtures.js';
import { kafkaAccess } from '../../helpers/reads/kafka.js';
import { deploymentReplicas } from '../../helpers/probes/kubernetes.js';
import { TOPIC_GONE, kafkaReadiness, messageRoundTrip } from '../../helpers/probes/kafka.js';
import { schemaRegistrySession, subjectSessionProblems } from '../../helpers/probes/schema-registry.js';
import { kafkaTopicsOnBrokers } from '../../helpers/probes/kafka-topics.js';
import { schemaStoreSession, storeProblems } from '../../helpers/probes/schema-store.js';

const kafka = suite({
  component: 'kafka',
  clusters: ['apps'],
  story: 'STORY-VALIDATE-NETWORKING',
  requires: 'kafka.enabled',
});

kafka.check(
  {
    id: 'MSG-KAFKA-001',
    title: 'the Kafka cluster is Ready with all brokers Ready',
    priority: 'P1',
    ac: ['AC6.2', 'P1-6'],
    suggestedAction:
      'kubectl -n messaging get kafka,kafkanodepool,pods -l strimzi.io/cluster=kafka-cluster; strimzi operator logs',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence }) => {
    const kf = facts.kafka;
    await expect
      .poll(() => kafkaReadiness(cluster, kf, evidence), {
        timeout: 30_000,
        interval: 2_000,
        message: `Kafka ${kf.namespace}/${kf.cluster}`,
      })
      .toMatch(new RegExp(`^Ready=True.*; ready brokers ${kf.brokers}$`));
  },
);

kafka.check(
  {
    id: 'MSG-KAFKA-003',
    title: 'every KafkaTopic is Ready and on the brokers as declared, `_schemas` among them',
    priority: 'P1',
    ac: ['AC6.3'],
    suggestedAction:
      'kubectl -n messaging get kafkatopics; kafka-topics.sh --describe --topic <name>; entity-operator (topic operator) logs',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence }) => {
    const access = kafkaAccess(cluster, facts, 'platform-validation');
    const problems = await kafkaTopicsOnBrokers(cluster, facts.kafka, access, evidence);
    expect(problems, `KafkaTopics of ${facts.kafka.cluster}`).toEqual([]);
  },
);

kafka.check(
  {
    id: 'MSG-KAFKA-002',
    title: 'a run-owned message is produced and consumed back by its unique key through the brokers',
    priority: 'P1',
    ac: ['AC6.4', 'P1-6'],
    suggestedAction:
      'kafka-console-producer/consumer against kafka-cluster-kafka-bootstrap:9092; check broker logs and under-replicated partitions',
    timeoutMs: 120_000,
  },
  async ({ cluster, facts, evidence, run }) => {
    // sweeps expired pv-topic/pv-perf topics and pv-group groups first (evidence.swept)
    const access = kafkaAccess(cluster, facts, 'platform-validation');
    const steps = await messageRoundTrip(access, run, evidence);
    expect(steps, 'the run-owned topic is gone').toContain(TOPIC_GONE);
  },
);

kafka.check(
  {
    id: 'MSG-SR-001',
    title:
      'Schema Registry registers, serves and checks compatibility of a run-owned Avro subject, then deletes it',
    priority: 'P1',
    ac: ['AC6.7', 'AC6.8'],
    suggestedAction:
      'curl schema-registry:8081/subjects; check its connection to the _schemas topic and its compatibility level',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence, run }) => {
    const schemas = {
      v1: fixtureText('messaging/order-v1.avsc'),
      compatible: fixtureText('messaging/order-v2-compatible.avsc'),
      incompatible: fixtureText('messaging/order-v3-incompatible.avsc'),
    };
    // sweeps expired pv-subject subjects first (evidence.swept)
    const log = await schemaRegistrySession(cluster, facts.kafka, schemas, run, evidence);
    evidence.json('schema-registry', log);
    const problems = subjectSessionProblems(log);
    expect(problems, `Schema Registry session for ${log.subject}: ${problems.join('; ')}`).toEqual([]);
  },
);

kafka.check(
  {
    id: 'MSG-SR-003',
    title:
      'Schema Registry stores its schemas in `_schemas`: a run-owned subject it registers is written there',
    priority: 'P1',
    ac: ['AC6.6'],
    suggestedAction:
      "kafka-console-consumer --topic _schemas --property print.key=true: the registry's records; check SCHEMA_REGISTRY_KAFKASTORE_TOPIC (kafkastore.topic) in its Deployment",
    timeoutMs: 90_000,
  },
  async ({ cluster, facts, evidence, run }) => {
    const access = kafkaAccess(cluster, facts, 'platform-validation');
    const schema = fixtureText('messaging/order-v1.avsc');
    const session = await schemaStoreSession(cluster, facts.kafka, schema, access, run, evidence);
    const problems = storeProblems(session);
    expect(problems, `store topic of the Schema Registry: ${problems.join('; ')}`).toEqual([]);
  },
);

kafka.check(
  {
    id: 'MSG-SR-002',
    title: 'Schema Registry runs its replicas, all Ready and Available',
    priority: 'P1',
    ac: ['AC6.5'],
    suggestedAction:
      'kubectl -n messaging get deploy schema-registry; kubectl -n messaging describe pods -l app=schema-registry',
    timeoutMs: 90_000,
  },
  async (ctx) => {
    const sr = ctx.facts.kafka.schemaRegistry;
    const n = sr.replicas;
    await deploymentReplicas(ctx, ctx.facts.kafka.namespace, sr.deployment, ` (want ${n})`).toEqual({
      spec: n,
      ready: n,
      available: n,
    });
  },
);
