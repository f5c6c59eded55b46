// The mechanisms of the CloudNative-PG checks (suites/databases/cnpg.test.ts): the Cluster's health
// as one comparable object, the primary's own view of its standbys (pg_stat_replication), each
// polled (bounded) until it equals what the check expects, and one pooler's SQL round trip with its
// app's credentials.
import { pollWithin } from './poll.js';
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { Facts } from '../config/index.js';
import type { CheckEvidence } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { pgClient, probePostgres } from '../clients/pg.js';
import { GVR, describeCondition, getCustom, readSecretValue, type KObject } from '../reads/k8s.js';
import { withTunnel } from '../reads/tunnel.js';

type Cnpg = Facts['cnpg'];

/** What DB-CNPG-001 compares of a CNPG Cluster (status and spec), so the seen value explains itself. */
export function clusterHealth(pgc: KObject) {
  const spec = (pgc.spec ?? {}) as {
    instances?: number;
    minSyncReplicas?: number;
    postgresql?: { synchronous?: { number?: number } };
  };
  const st = (pgc.status ?? {}) as {
    phase?: string;
    readyInstances?: number;
    instances?: number;
    currentPrimary?: string;
  };
  return {
    phase: st.phase ?? 'no phase',
    ready:
      `${describeCondition(pgc, 'Ready')}`.startsWith('Ready=True') ||
      st.phase === 'Cluster in healthy state',
    instances: spec.instances,
    readyInstances: st.readyInstances ?? 0,
    primary: !!st.currentPrimary,
  };
}

/**
 * How many synchronous standbys the spec asks for: `postgresql.synchronous.number` (CNPG >= 1.24),
 * else the legacy `minSyncReplicas` (the webhook refuses both at once); at least 1, since the
 * acceptance criterion is "a synchronous replica".
 */
export function requiredSyncStandbys(pgc: KObject): number {
  const spec = (pgc.spec ?? {}) as {
    minSyncReplicas?: number;
    postgresql?: { synchronous?: { number?: number } };
  };
  return Math.max(1, spec.postgresql?.synchronous?.number ?? spec.minSyncReplicas ?? 0);
}

/** One row of pg_stat_replication (the state columns are NULL for a role without pg_monitor). */
export interface StandbyRow {
  application_name: string;
  state: string | null;
  sync_state: string | null;
}

/**
 * The primary's view of its standbys, as DB-CNPG-001 compares it: how many stream, and how many of
 * the required synchronous ones are in sync (`sync`, or `quorum` for method any). A row whose state
 * is NULL counts as neither: the role cannot see it, which proves nothing.
 */
export function replicationState(rows: StandbyRow[], required: number) {
  const streaming = rows.filter((r) => r.state === 'streaming');
  const sync = streaming.filter((r) => r.sync_state === 'sync' || r.sync_state === 'quorum');
  return {
    streamingStandbys: streaming.length,
    synchronousStandbys: Math.min(sync.length, required),
  };
}

/** The rows as one line for a failure message: `name state/sync_state, ...` or `no standby`. */
export function describeStandbys(rows: StandbyRow[]): string {
  if (rows.length === 0) return 'no standby connected';
  return rows.map((r) => `${r.application_name} ${r.state ?? 'NULL'}/${r.sync_state ?? 'NULL'}`).join(', ');
}

/**
 * pg_stat_replication on the primary (through a tunnel to CNPG's `<cluster>-rw` Service) with the
 * pg_monitor role of facts.cnpg.monitorSecret; the rows are attached. A NULL state for every row
 * means the role lacks pg_monitor: that is an error naming the Secret, not a count of 0.
 */
export async function readStandbys(
  k: ClusterHandle,
  c: Cnpg,
  evidence: CheckEvidence,
): Promise<StandbyRow[]> {
  const user = await readSecretValue(k, c.namespace, c.monitorSecret, 'username');
  const password = await readSecretValue(k, c.namespace, c.monitorSecret, 'password');
  const rows = await withTunnel(
    k,
    { kind: 'Service', namespace: c.namespace, name: `${c.cluster}-rw`, port: 5432 },
    async (t) => {
      const client = pgClient({ host: t.host, port: t.port, user, password, database: 'postgres' });
      await client.connect();
      try {
        const r = await client.query<StandbyRow>(
          'SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY application_name',
        );
        return r.rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  );
  evidence.json('pg_stat_replication', rows);
  if (rows.length > 0 && rows.every((r) => r.state === null)) {
    throw new Error(
      `pg_stat_replication on ${c.namespace}/${c.cluster}-rw shows ${rows.length} standbys but no state: the role of Secret ${c.namespace}/${c.monitorSecret} is not a member of pg_monitor`,
    );
  }
  return rows;
}

/** The Cluster of the facts, attached; its health and the synchronous standbys its spec requires. */
export async function readClusterHealth(k: ClusterHandle, c: Cnpg, evidence: CheckEvidence) {
  const pgc = await getCustom(k, GVR.cnpgCluster, c.namespace, c.cluster);
  evidence.status(pgc);
  return { health: clusterHealth(pgc), requiredSync: requiredSyncStandbys(pgc) };
}

/**
 * Polls the Cluster of facts.cnpg (default 30 s, attached each time) until its health equals
 * `want`; the message names the Cluster. Returns the synchronous standbys its spec requires, as
 * last read.
 */
export async function expectClusterHealth(
  k: ClusterHandle,
  c: Cnpg,
  evidence: CheckEvidence,
  want: ReturnType<typeof clusterHealth>,
  timeoutMs = 30_000,
): Promise<number> {
  let requiredSync = 1;
  const read = async () => {
    const seen = await readClusterHealth(k, c, evidence);
    requiredSync = seen.requiredSync;
    return seen.health;
  };
  await pollWithin(read, `CNPG Cluster ${c.namespace}/${c.cluster}`, timeoutMs).toEqual(want);
  return requiredSync;
}

/**
 * Polls pg_stat_replication on the primary (default 30 s, the rows attached each time) until its
 * counts equal `want` (`want.synchronousStandbys` is the count required: more in sync count as that
 * many); the seen value carries the standbys as one line (describeStandbys), the message names the
 * `-rw` Service.
 */
export async function expectReplication(
  k: ClusterHandle,
  c: Cnpg,
  evidence: CheckEvidence,
  want: ReturnType<typeof replicationState>,
  timeoutMs = 30_000,
): Promise<void> {
  const read = async () => {
    const rows = await readStandbys(k, c, evidence);
    return { ...replicationState(rows, want.synchronousStandbys), standbys: describeStandbys(rows) };
  };
  await pollWithin(read, `pg_stat_replication on ${c.namespace}/${c.cluster}-rw`, timeoutMs).toEqual({
    ...want,
    standbys: expect.any(String),
  });
}

export interface PoolerResult {
  pooler: string;
  ok: boolean;
  /** the server version when ok, else what came back or the error */
  detail: string;
  ms?: number;
}

/**
 * `SELECT version()` and a temporary table written and read in one transaction, through a tunnel to
 * the pooler's Service with the credentials of its Secret. Never throws: an error is a failed result.
 */
export async function probePooler(
  k: ClusterHandle,
  c: Cnpg,
  p: Cnpg['poolers'][number],
  evidence: CheckEvidence,
): Promise<PoolerResult> {
  const marker = `pv-${randomBytes(6).toString('hex')}`;
  try {
    const pooler = await getCustom(k, GVR.cnpgPooler, c.namespace, p.name);
    evidence.status(pooler, `pooler-${p.name}`);
    const user = await readSecretValue(k, c.namespace, p.secret, 'username');
    const password = await readSecretValue(k, c.namespace, p.secret, 'password');
    const t0 = performance.now();
    const r = await withTunnel(
      k,
      { kind: 'Service', namespace: c.namespace, name: p.name, port: p.port },
      (t) => probePostgres({ host: t.host, port: t.port, user, password, database: p.database, marker }),
    );
    const ok = r.roundTrip === marker && /PostgreSQL/i.test(r.version);
    return {
      pooler: p.name,
      ok,
      detail: ok
        ? r.version
        : `temp table returned ${JSON.stringify(r.roundTrip)}, version ${JSON.stringify(r.version)}`,
      ms: Math.round(performance.now() - t0),
    };
  } catch (e) {
    return { pooler: p.name, ok: false, detail: (e as Error).message };
  }
}
