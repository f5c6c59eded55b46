/**
 * Kafka for the suites: helpers/clients' kafkajs session (bootstrap through the Strimzi bootstrap
 * Service, then one tunnel per broker pod named in the metadata), configured from facts.
 */
import { kafkaClient } from '../clients/index.js';
import type { Facts } from '../config/facts.js';
import type { ClusterHandle } from './k8s.js';

export function kafkaAccess(cluster: ClusterHandle, facts: Facts, clientId: string) {
  const k = facts.kafka;
  const s = kafkaClient(cluster, {
    namespace: k.namespace,
    bootstrap: { kind: 'Service', name: `${k.cluster}-kafka-bootstrap`, port: k.brokerPort },
    clientId,
  });
  return {
    kafka: s.kafka,
    /** broker addresses tunnelled so far (evidence that the per-broker mapping was used) */
    brokers: () => [...s.tunnels.keys()],
    close: () => s.close(),
  };
}
