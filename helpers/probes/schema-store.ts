// The mechanism of MSG-SR-003 (suites/messaging/kafka.test.ts): the Schema Registry keeps its
// schemas in the store topic the facts name (`_schemas`, AC6.6). A registry answering REST is not
// proof of that: one started with another kafkastore.topic registers and serves schemas just as
// well, and the platform's `_schemas` (the one backed up, mirrored and read by every other
// replica) never sees them. So a run-owned subject is registered and the topic itself is read, from
// the offsets it had before, for the record Confluent's registry writes: key
// `{"keytype":"SCHEMA","subject":<subject>,"version":<n>,"magic":1}`.
import { randomBytes } from 'node:crypto';
import type { Facts } from '../config/index.js';
import type { CheckEvidence, RunContext } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { SchemaRegistryClient } from '../reads/schema-registry.js';
import { withTunnel } from '../reads/tunnel.js';
import type { KafkaAccess } from './kafka.js';
import { settleMs } from './poll.js';

/** A store record's key as Confluent's registry writes it (JSON); undefined when it is not JSON. */
export interface StoreKey {
  keytype?: string;
  subject?: string;
  version?: number;
}

export function parseStoreKey(raw: string | undefined): StoreKey | undefined {
  if (!raw) return undefined;
  try {
    const k = JSON.parse(raw) as unknown;
    return k && typeof k === 'object' && !Array.isArray(k) ? (k as StoreKey) : undefined;
  } catch {
    return undefined;
  }
}

export interface StoreSession {
  topic: string;
  subject: string;
  /** the id the registry answered the registration with */
  registeredId?: number;
  /** the topic's end offsets before the registration, per partition */
  startOffsets?: Record<number, string>;
  /** every record read from those offsets on (keys only) */
  records: { partition: number; offset: string; key?: StoreKey }[];
  waitedMs?: number;
  /** a step that could not be made (topic missing, registration refused, ...) */
  error?: string;
}

/** Why MSG-SR-003 fails on a session; empty when the topic received the run subject's schema. */
export function storeProblems(s: StoreSession): string[] {
  if (s.error) return [s.error];
  if (s.registeredId === undefined) return [`subject ${s.subject} was not registered`];
  const ours = s.records.filter((r) => r.key?.keytype === 'SCHEMA' && r.key.subject === s.subject);
  if (ours.length) return [];
  const seen = s.records.map((r) => `${r.key?.keytype ?? '?'} ${r.key?.subject ?? ''}`.trim());
  return [
    `${s.topic} received no SCHEMA record for subject ${s.subject} (registered as id ${s.registeredId}) within ${Math.round((s.waitedMs ?? 0) / 1000)} s; records since ${JSON.stringify(s.startOffsets)}: ${seen.length ? seen.join(', ') : 'none'} (is the registry's kafkastore.topic another topic?)`,
  ];
}

/**
 * Registers `schema` under a fresh run-owned subject (`pv-subject-<run>-<random>-store-value`) and
 * reads the store topic from the end offsets it had before, until the subject's SCHEMA record is
 * seen or `waitMs` passes; then deletes the subject (soft, then permanent) and the run-owned
 * consumer group. The session is attached (schema-store). Closes `access`.
 */
export async function schemaStoreSession(
  k: ClusterHandle,
  kf: Facts['kafka'],
  schema: string,
  access: KafkaAccess,
  run: RunContext,
  evidence: CheckEvidence,
  waitMs = 20_000,
): Promise<StoreSession> {
  const sr = kf.schemaRegistry;
  const topic = sr.storeTopic;
  const subject = `${run.name('pv-subject')}-${randomBytes(3).toString('hex')}-store-value`;
  const s: StoreSession = { topic, subject, records: [] };
  const admin = access.kafka.admin();
  const group = `${run.name('pv-group')}-store`;
  const consumer = access.kafka.consumer({ groupId: group, sessionTimeout: 10_000 });
  let releaseGroup: (() => void) | undefined;
  try {
    await admin.connect();
    if (!(await admin.listTopics()).includes(topic)) {
      s.error = `the store topic ${topic} is not on the brokers`;
      return s;
    }
    const start = await admin.fetchTopicOffsets(topic);
    s.startOffsets = Object.fromEntries(start.map((p) => [p.partition, p.high]));
    await withTunnel(
      k,
      { kind: 'Service', namespace: kf.namespace, name: sr.service, port: sr.port },
      async (t) => {
        const c = new SchemaRegistryClient(`http://${t.host}:${t.port}`);
        const release = run.cleanup(`delete subject ${subject}`, () => c.deleteSubject(subject));
        try {
          s.registeredId = (await c.register(subject, schema)).id;
        } catch (e) {
          s.error = `registering ${subject}: ${(e as Error).message}`;
        }
        if (s.registeredId !== undefined) {
          releaseGroup = run.cleanup(`delete Kafka consumer group ${group}`, async () => {
            await consumer.disconnect().catch(() => undefined);
            await admin.deleteGroups([group]);
          });
          await consumer.connect();
          await consumer.subscribe({ topic, fromBeginning: false });
          await consumer.run({
            eachMessage: async ({ partition, message }) => {
              if (BigInt(message.offset) < BigInt(s.startOffsets?.[partition] ?? '0')) return;
              s.records.push({
                partition,
                offset: message.offset,
                key: parseStoreKey(message.key?.toString()),
              });
            },
          });
          // after run(): read from where the topic ended before the registration, whatever the group had
          for (const p of start) consumer.seek({ topic, partition: p.partition, offset: p.high });
          const t0 = Date.now();
          while (
            Date.now() - t0 < settleMs(waitMs) &&
            !s.records.some((r) => r.key?.keytype === 'SCHEMA' && r.key.subject === subject)
          )
            await new Promise((r) => setTimeout(r, 250));
          s.waitedMs = Date.now() - t0;
        }
        await c.deleteSubject(subject).then(release, (e: Error) => {
          s.error ??= `deleting ${subject}: ${e.message}`;
        });
      },
    );
  } finally {
    await consumer.disconnect().catch(() => undefined);
    if (releaseGroup)
      await admin
        .deleteGroups([group])
        .then(releaseGroup)
        .catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await access.close();
    evidence.json('schema-store', s);
  }
  return s;
}
