import type { Scenario } from './types.js';

/** Kafka broker 2 is stopped; Strimzi reports the Kafka NotReady. */
export const kafkaBrokerDown: Scenario = {
  name: 'kafka-broker-down',
  summary:
    'apps: the Kafka process of node 2 (kafka-cluster-kafka-2) is stopped, its pod is not Ready (CrashLoopBackOff) and the Kafka CR has NotReady=True (TimeoutException waiting for the pod)',
  expect:
    'apps: the Kafka Ready/3-brokers check fails (NotReady, 2/3 broker pods ready); produce/consume may still succeed through the remaining brokers (as on a real cluster with RF 3); schema registry, other services and infra pass',
  faults: { kafkaBrokersDown: [2] },
  services: { stopped: ['kafka-2'] },
};
