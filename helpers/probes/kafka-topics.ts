// MSG-KAFKA-003: every KafkaTopic of the Kafka cluster (Strimzi's topic operator) is Ready and is a
// real topic on the brokers with the partitions, replicas and config it declares, and the topics the
// facts require (`_schemas` for Schema Registry) are among them. The comparison is pure (unit-tested);
// the reads go through the same per-broker tunnels as the other Kafka checks.
import type { Admin } from 'kafkajs';
import { kafkajs } from '../clients/kafka.js';
import type { Facts } from '../config/index.js';
import type { CheckEvidence } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import {
  GVR,
  STRIMZI_VERSIONS,
  describeCondition,
  isTrue,
  listCustom,
  servedGvr,
  type KObject,
} from '../reads/k8s.js';
import type { KafkaAccess } from './kafka.js';

/** A topic as the brokers report it. */
export interface BrokerTopic {
  partitions: number;
  /** replicas of its first partition */
  replicas: number;
  config: Record<string, string>;
}

/** The topic name a KafkaTopic manages: spec.topicName, else its own name. */
export const topicNameOf = (kt: KObject) =>
  (kt.spec?.topicName as string | undefined) ?? String(kt.metadata?.name);

/** What is wrong with one KafkaTopic against the brokers' view of its topic (empty: nothing). */
export function kafkaTopicProblems(kt: KObject, onBrokers: BrokerTopic | undefined): string[] {
  const topic = topicNameOf(kt);
  const where = `KafkaTopic ${kt.metadata?.namespace}/${kt.metadata?.name} (${topic})`;
  const problems: string[] = [];
  if (!isTrue(kt, 'Ready')) problems.push(`${where}: ${describeCondition(kt, 'Ready')}`);
  if (!onBrokers) return [...problems, `${where}: not on the brokers`];
  const want = { partitions: kt.spec?.partitions, replicas: kt.spec?.replicas };
  for (const k of ['partitions', 'replicas'] as const)
    if (want[k] !== undefined && Number(want[k]) !== onBrokers[k])
      problems.push(`${where}: ${k} ${onBrokers[k]}, declared ${String(want[k])}`);
  for (const [key, v] of Object.entries((kt.spec?.config ?? {}) as Record<string, unknown>))
    if (onBrokers.config[key] !== String(v))
      problems.push(`${where}: ${key} ${onBrokers.config[key] ?? 'unset'}, declared ${String(v)}`);
  return problems;
}

/** Partitions, replicas and the named config of each topic that exists (the others are absent). */
async function brokerTopics(admin: Admin, wanted: Map<string, string[]>): Promise<Map<string, BrokerTopic>> {
  const listed = new Set(await admin.listTopics());
  const names = [...wanted.keys()].filter((t) => listed.has(t));
  const out = new Map<string, BrokerTopic>();
  if (names.length === 0) return out;
  const meta = await admin.fetchTopicMetadata({ topics: names });
  const configs = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({
      type: kafkajs().ConfigResourceTypes.TOPIC,
      name,
      configNames: wanted.get(name),
    })),
  });
  for (const t of meta.topics) {
    const entries = configs.resources.find((r) => r.resourceName === t.name)?.configEntries ?? [];
    out.set(t.name, {
      partitions: t.partitions.length,
      replicas: t.partitions[0]?.replicas.length ?? 0,
      config: Object.fromEntries(entries.map((e) => [e.configName, e.configValue])),
    });
  }
  return out;
}

/**
 * The problems of every KafkaTopic of facts.kafka.cluster (label strimzi.io/cluster) and the required
 * topics (facts.kafka.topics) that no KafkaTopic declares or the brokers lack. Attaches both views.
 * Closes `access`.
 */
export async function kafkaTopicsOnBrokers(
  k: ClusterHandle,
  kf: Facts['kafka'],
  access: KafkaAccess,
  evidence: CheckEvidence,
): Promise<string[]> {
  const gvr = await servedGvr(k, { ...GVR.kafka, plural: 'kafkatopics' }, STRIMZI_VERSIONS);
  const declared = (await listCustom(k, gvr, kf.namespace)).filter(
    (t) => t.metadata?.labels?.['strimzi.io/cluster'] === kf.cluster,
  );
  const wanted = new Map(declared.map((t) => [topicNameOf(t), Object.keys(t.spec?.config ?? {})]));
  for (const t of kf.topics) if (!wanted.has(t)) wanted.set(t, []);
  const admin = access.kafka.admin();
  let seen: Map<string, BrokerTopic>;
  try {
    await admin.connect();
    seen = await brokerTopics(admin, wanted);
  } finally {
    await admin.disconnect().catch(() => undefined);
    await access.close();
  }
  evidence.json('kafka-topics', {
    declared: declared.map((t) => ({
      name: t.metadata?.name,
      topic: topicNameOf(t),
      spec: t.spec,
      ready: describeCondition(t, 'Ready'),
    })),
    onBrokers: Object.fromEntries(seen),
  });
  const problems = declared.flatMap((t) => kafkaTopicProblems(t, seen.get(topicNameOf(t))));
  for (const t of kf.topics) {
    if (!declared.some((d) => topicNameOf(d) === t))
      problems.push(`topic ${t}: no KafkaTopic of ${kf.cluster} declares it`);
    if (!seen.has(t) && !declared.some((d) => topicNameOf(d) === t))
      problems.push(`topic ${t}: not on the brokers`);
  }
  return problems;
}
