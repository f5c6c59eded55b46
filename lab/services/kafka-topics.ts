/**
 * The lab's part of Strimzi's topic operator: every KafkaTopic the apps fixtures declare becomes a real
 * topic on the three brokers (partitions, replicas and config as declared), once, after Kafka is up.
 * lab/sim writes the KafkaTopic status (Ready, topicName); this makes the topic behind it real, so a
 * check can compare the two (MSG-KAFKA-003). Topics already present are left as they are (as the
 * operator would, it does not re-create them).
 */
import fs from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { parseAllDocuments } from 'yaml';
import { fixtureFiles } from '../sim/fixtures.js';
import { kafkaRoutes } from './kafka.js';
import { servicePorts } from './ports.js';
import { kafkaSocketFactory } from './probes.js';

export interface DeclaredTopic {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  configEntries: { name: string; value: string }[];
}

/** The KafkaTopics of the apps fixtures (raw text: a KafkaTopic carries no `${VAR}`). */
export function declaredTopics(files = fixtureFiles('apps')): DeclaredTopic[] {
  return files.flatMap((f) =>
    parseAllDocuments(fs.readFileSync(f, 'utf8'))
      .map((d) => d.toJS() as { kind?: string; metadata?: { name: string }; spec?: Record<string, unknown> })
      .filter((o) => o?.kind === 'KafkaTopic')
      .map((o) => ({
        topic: (o.spec?.topicName as string | undefined) ?? o.metadata!.name,
        numPartitions: Number(o.spec?.partitions ?? 1),
        replicationFactor: Number(o.spec?.replicas ?? 3),
        configEntries: Object.entries((o.spec?.config ?? {}) as Record<string, unknown>).map(([name, v]) => ({
          name,
          value: String(v),
        })),
      })),
  );
}

/** A kafkajs client of the lab: loopback brokers, reached through the pod-address routes. */
export function labKafka(): Kafka {
  return new Kafka({
    clientId: 'pv-lab-topic-operator',
    brokers: [`127.0.0.1:${servicePorts().kafkaClient[0]}`],
    socketFactory: kafkaSocketFactory(kafkaRoutes()),
    connectionTimeout: 3_000,
    requestTimeout: 20_000,
    logLevel: logLevel.NOTHING,
  });
}

/** Creates the declared topics missing on the lab's brokers; answers the names it created. */
export async function ensureDeclaredTopics(): Promise<string[]> {
  const admin = labKafka().admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = declaredTopics().filter((t) => !existing.has(t.topic));
    if (missing.length) await admin.createTopics({ topics: missing, waitForLeaders: true, timeout: 20_000 });
    return missing.map((t) => t.topic);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/**
 * Deletes these topics where the lab's brokers have them (a scenario's leftovers) and waits (bounded)
 * until none is listed: the controller finishes a deletion after answering it.
 */
export async function deleteLabTopics(topics: string[], timeoutMs = 20_000): Promise<void> {
  const admin = labKafka().admin();
  await admin.connect();
  try {
    const listed = async () => {
      const existing = new Set(await admin.listTopics());
      return topics.filter((t) => existing.has(t));
    };
    const present = await listed();
    if (!present.length) return;
    await admin.deleteTopics({ topics: present, timeout: timeoutMs });
    const deadline = Date.now() + timeoutMs;
    for (let left = await listed(); left.length; left = await listed()) {
      if (Date.now() > deadline)
        throw new Error(
          `Kafka topics still listed ${timeoutMs / 1000} s after their deletion: ${left.join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
