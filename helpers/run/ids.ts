// Run identity and run-owned names. PV_RUN_ID is set by bin/test.ts (YYYYMMDDTHHMMSSZ-<6 hex>).
import { randomBytes } from 'node:crypto';
import type { V1Namespace } from '@kubernetes/client-node';
import { RUN_ID_RE, setting } from '../config/settings.js';

export { RUN_ID_RE };

export const LABEL_RUN_ID = 'platform-validation/run-id';
export const LABEL_OWNED = 'platform-validation/owned';
export const ANNOTATION_EXPIRES = 'platform-validation/expires-at';
export const LABEL_SHARD = 'platform-validation/shard';
export const NAMESPACE_PREFIX = 'pv-run-';

/** This process's shard of the run (`--shard i/n`: PV_SHARD="i/n", set by bin/test.ts), if any. */
export function currentShard(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return setting('PV_SHARD', env);
}

let generated: string | undefined;

/** The run id: PV_RUN_ID, else one generated for this process (standalone scripts). */
export function currentRunId(env: NodeJS.ProcessEnv = process.env): string {
  return setting('PV_RUN_ID', env) ?? (generated ??= newRunId());
}

export function newRunId(now = new Date()): string {
  const ts = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${ts}-${randomBytes(3).toString('hex')}`;
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * The run's namespace name on every cluster: `pv-run-<runid-lowercase>`, plus `-s<i>of<n>` for a shard,
 * so the shards of one run never share (and the first to finish never deletes) a namespace.
 */
export function runNamespaceName(runId: string, shard: string | undefined = currentShard()): string {
  const suffix = shard ? `-s${shard.replace('/', 'of')}` : '';
  return `${NAMESPACE_PREFIX}${slug(runId)}${suffix}`.slice(0, 63).replace(/-$/, '');
}

/** The shard label value (`i-of-n`; label values may not hold `/`), or '' for an unsharded run. */
export function shardLabel(shard: string | undefined = currentShard()): string {
  return shard ? shard.replace('/', '-of-') : '';
}

/**
 * A run-owned name for keys, topics, schema subjects, repositories: `<prefix>-<runid-lowercase>`, valid as a
 * Kafka topic, a Redis key, a DNS label (<= 63 chars) and an OCI repository path component.
 */
export function runOwnedName(runId: string, prefix: string): string {
  const p = slug(prefix);
  if (!p) throw new Error(`run-owned name: prefix "${prefix}" has no letters or digits`);
  return `${p}-${slug(runId)}`.slice(0, 63).replace(/-$/, '');
}

/** runOwnedName for the current run. */
export function runName(prefix: string): string {
  return runOwnedName(currentRunId(), prefix);
}

/**
 * The run id a run-owned name was made for (runOwnedName writes it lower-cased, possibly followed by a
 * suffix of the check's own: `pv-subject-<runid>-<hex>-value`), or undefined for any other name.
 */
export function runIdOfName(name: string): string | undefined {
  const m = /-(\d{8})t(\d{6})z-([0-9a-f]{6})(?:-|$)/.exec(name);
  return m ? `${m[1]}T${m[2]}Z-${m[3]}` : undefined;
}

/** When the run started, from its id (YYYYMMDDTHHMMSSZ-...), in ms since the epoch; NaN if malformed. */
export function runStartedAt(runId: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-/.exec(runId);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : NaN;
}

/** True when `name` was made by runOwnedName/runNamespaceName for `runId`. */
export function isOwnedBy(name: string, runId: string): boolean {
  return name.endsWith(`-${slug(runId)}`);
}

/**
 * Guard: only namespaces this framework made: the prefix, both labels, a well-formed run id, and the
 * name this run id (and its shard label) gives, so a look-alike (`pv-run-team-b`) is never touched.
 */
export function isRunNamespace(ns: V1Namespace, runId?: string): boolean {
  const labels = ns.metadata?.labels ?? {};
  const id = labels[LABEL_RUN_ID] ?? '';
  const shard = labels[LABEL_SHARD] ? labels[LABEL_SHARD].replace('-of-', '/') : undefined;
  return (
    !!ns.metadata?.name?.startsWith(NAMESPACE_PREFIX) &&
    labels[LABEL_OWNED] === 'true' &&
    RUN_ID_RE.test(id) &&
    (runId === undefined || id === runId) &&
    ns.metadata.name === runNamespaceName(id, shard)
  );
}
