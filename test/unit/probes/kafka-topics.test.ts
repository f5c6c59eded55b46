// MSG-KAFKA-003's comparison of each KafkaTopic with the brokers' view, and the lab's declared topics.
import { describe, expect, it } from 'vitest';
import { kafkaTopicProblems, type BrokerTopic } from '../../../helpers/probes/kafka-topics.js';
import { declaredTopics } from '../../../lab/services/kafka-topics.js';

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
