/**
 * Kafka for the suites: helpers/clients' kafkajs session (bootstrap through the Strimzi bootstrap
 * Service, then one tunnel per broker pod named in the metadata), configured from facts.
 */
import { kafkaClient } from '../clients/index.js';
import type { Facts } from '../config/facts.js';
import type { Admin } from 'kafkajs';
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

/**
 * Delete a topic and wait (bounded) until the cluster no longer lists it. Deletion completes
 * asynchronously in the controller, so a list right after deleteTopics can still show it.
 * Answers whether it is still listed: true, false, or undefined when listing failed.
 */
export async function deleteTopicAndWait(
  admin: Admin,
  topic: string,
  timeoutMs = 20_000,
): Promise<{ stillListed: boolean | undefined; error?: string }> {
  let error: string | undefined;
  await admin.deleteTopics({ topics: [topic], timeout: timeoutMs }).catch((e: Error) => (error = e.message));
  const until = Date.now() + timeoutMs;
  for (;;) {
    const listed = await admin.listTopics().catch(() => undefined);
    const stillListed = listed ? listed.includes(topic) : undefined;
    if (stillListed !== true || Date.now() > until) return { stillListed, ...(error ? { error } : {}) };
    await new Promise((r) => setTimeout(r, 500));
  }
}
