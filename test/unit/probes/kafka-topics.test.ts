// MSG-KAFKA-003's comparison of each KafkaTopic with the brokers' view, and the lab's declared topics.
import { describe, expect, it } from 'vitest';
import { kafkaTopicProblems, type BrokerTopic } from '../../../helpers/probes/kafka-topics.js';
import { declaredTopics } from '../../../lab/services/kafka-topics.js';
import { deploymentReplicas } from '../../../helpers/probes/kubernetes.js';
import { runCheck } from './check-body.js';
import { failure, fakeEvidence } from './fake-run.js';

const kt = (ready = 'True') => ({
  metadata: { namespace: 'messaging', name: 'schemas', labels: { 'strimzi.io/cluster': 'kafka-cluster' } },
  spec: { topicName: '_schemas', partitions: 1, replicas: 3, config: { 'cleanup.policy': 'compact' } },
  status: {
    conditions: [{ type: 'Ready', status: ready, reason: ready === 'True' ? 'Ready' : 'KafkaError' }],
  },
});
const onBrokers = (o: Partial<BrokerTopic> = {}): BrokerTopic => ({
  partitions: 1,
  replicas: 3,
  config: { 'cleanup.policy': 'compact' },
  ...o,
});

describe('kafkaTopicProblems (MSG-KAFKA-003)', () => {
  it('passes a Ready KafkaTopic whose topic the brokers hold as declared', () => {
    expect(kafkaTopicProblems(kt(), onBrokers())).toEqual([]);
  });
  it('MSG-KAFKA-003 fails naming the KafkaTopic, its topic and what differs: not Ready, absent, partitions, replicas, config', () => {
    expect(kafkaTopicProblems(kt('False'), undefined)).toEqual([
      'KafkaTopic messaging/schemas (_schemas): Ready=False (KafkaError)',
      'KafkaTopic messaging/schemas (_schemas): not on the brokers',
    ]);
    expect(
      kafkaTopicProblems(
        kt(),
        onBrokers({ partitions: 3, replicas: 1, config: { 'cleanup.policy': 'delete' } }),
      ),
    ).toEqual([
      'KafkaTopic messaging/schemas (_schemas): partitions 3, declared 1',
      'KafkaTopic messaging/schemas (_schemas): replicas 1, declared 3',
      'KafkaTopic messaging/schemas (_schemas): cleanup.policy delete, declared compact',
    ]);
  });
});

describe('the lab’s declared topics (lab/services/kafka-topics.ts)', () => {
  it('are the KafkaTopics of the apps fixtures, with their topic names, sizes and config', () => {
    expect(declaredTopics()).toEqual([
      {
        topic: '_schemas',
        numPartitions: 1,
        replicationFactor: 3,
        configEntries: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'min.insync.replicas', value: '2' },
        ],
      },
      {
        topic: 'test-topic',
        numPartitions: 3,
        replicationFactor: 3,
        configEntries: [{ name: 'retention.ms', value: '604800000' }],
      },
    ]);
  });
});

describe('MSG-SR-002 Schema Registry replicas', () => {
  const sr = (spec: number, ready: number) => ({
    apps: {
      readNamespacedDeployment: async (a: { namespace: string; name: string }) => ({
        metadata: { namespace: a.namespace, name: a.name },
        spec: { replicas: spec },
        status: { readyReplicas: ready, availableReplicas: ready },
      }),
    },
  });
  it('passes with messaging/schema-registry at 2 of 2 (the apps facts)', async () => {
    const attached = await runCheck('suites/messaging/kafka.test.ts', 'MSG-SR-002', sr(2, 2), {
      clusterName: 'apps',
    });
    expect(Object.keys(attached)).toEqual(['status schema-registry']);
  });
  it('MSG-SR-002 fails naming the Deployment with the replicas seen against the wanted 2', async () => {
    const { evidence } = fakeEvidence();
    const ctx = { cluster: sr(1, 1), evidence };
    expect(
      await failure(
        deploymentReplicas(ctx as never, 'messaging', 'schema-registry', ' (want 2)', 50).toEqual({
          spec: 2,
          ready: 2,
          available: 2,
        }),
      ),
    ).toMatch(/^Deployment messaging\/schema-registry replicas \(want 2\)[\s\S]*"spec":1/);
  });
});
