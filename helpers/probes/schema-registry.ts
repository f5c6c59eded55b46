// The mechanism of MSG-SR-001 (suites/messaging/kafka.test.ts): a run-owned Avro subject's life in
// the Schema Registry, from registration to its permanent deletion, as one comparable session log.
import { randomBytes } from 'node:crypto';
import type { Facts } from '../config/index.js';
import type { CheckEvidence, RunContext } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { SchemaRegistryClient } from '../reads/schema-registry.js';
import { withTunnel } from '../reads/tunnel.js';
import { sweepRunOwned } from '../run/sweep-owned.js';

export type SubjectRegistry = Pick<
  SchemaRegistryClient,
  'register' | 'latest' | 'compatible' | 'subjects' | 'deleteSubject'
>;

export interface AvroChanges {
  v1: string;
  compatible: string;
  incompatible: string;
}

export interface SubjectSession {
  subject: string;
  registeredId?: number;
  latest?: { version: number; id: number };
  /** the latest version is the one registered, with the same schema (compared as parsed JSON) */
  latestMatches?: boolean;
  compatibleChange?: boolean;
  incompatibleChange?: boolean;
  deleteError?: string;
  /** listed with ?deleted=true after the permanent delete */
  subjectListedAfterDelete?: boolean;
}

/** Why MSG-SR-001 fails on a session log; empty when every step did what the registry should. */
export function subjectSessionProblems(log: SubjectSession): string[] {
  const problems: string[] = [];
  if (log.latestMatches !== true)
    problems.push(
      `the latest version is not the one registered (registered id ${log.registeredId}, latest ${JSON.stringify(log.latest)})`,
    );
  if (log.compatibleChange !== true) problems.push('a backward-compatible change was refused');
  if (log.incompatibleChange !== false)
    problems.push('an incompatible change was accepted (is the compatibility level NONE?)');
  if (log.deleteError)
    problems.push(`DELETE of subject ${log.subject} (soft, then permanent): ${log.deleteError}`);
  if (log.subjectListedAfterDelete !== false)
    problems.push(`subject ${log.subject} still listed after the permanent delete`);
  return problems;
}

/**
 * Sweeps expired pv-subject subjects (soft-deleted ones too: they still hold their name), registers
 * `schemas.v1` under `subject`, reads the latest version back, asks whether `compatible` and
 * `incompatible` would be accepted, then deletes the subject (soft, then permanent) and lists it
 * again. Throws when a step before the delete fails (after deleting).
 */
export async function subjectLifecycle(
  c: SubjectRegistry,
  subject: string,
  schemas: AvroChanges,
  run: RunContext,
  evidence: CheckEvidence,
): Promise<SubjectSession> {
  const out: SubjectSession = { subject };
  await sweepRunOwned(evidence, {
    kind: 'Schema Registry subject',
    prefixes: ['pv-subject'],
    list: () => c.subjects(true),
    remove: (s) => c.deleteSubject(s),
  });
  const release = run.cleanup(`delete subject ${subject}`, () => c.deleteSubject(subject));
  try {
    const { id } = await c.register(subject, schemas.v1);
    out.registeredId = id;
    const latest = await c.latest(subject);
    out.latest = { version: latest.version, id: latest.id };
    out.latestMatches =
      latest.id === id &&
      JSON.stringify(JSON.parse(latest.schema)) === JSON.stringify(JSON.parse(schemas.v1));
    out.compatibleChange = await c.compatible(subject, schemas.compatible);
    out.incompatibleChange = await c.compatible(subject, schemas.incompatible);
  } finally {
    await c.deleteSubject(subject).catch((e: Error) => (out.deleteError = e.message));
    // soft-deleted subjects are hidden from /subjects: a failed permanent delete would read as gone
    out.subjectListedAfterDelete = (await c.subjects(true)).includes(subject);
    if (!out.deleteError && out.subjectListedAfterDelete === false) release();
  }
  return out;
}

/** subjectLifecycle on a fresh run-owned subject (`pv-subject-<run>-<random>-value`), through a tunnel to the Service. */
export async function schemaRegistrySession(
  k: ClusterHandle,
  kf: Facts['kafka'],
  schemas: AvroChanges,
  run: RunContext,
  evidence: CheckEvidence,
): Promise<SubjectSession> {
  const subject = `${run.name('pv-subject')}-${randomBytes(3).toString('hex')}-value`;
  const sr = kf.schemaRegistry;
  return withTunnel(k, { kind: 'Service', namespace: kf.namespace, name: sr.service, port: sr.port }, (t) =>
    subjectLifecycle(new SchemaRegistryClient(`http://${t.host}:${t.port}`), subject, schemas, run, evidence),
  );
}
