// The mechanisms of the CloudNative-PG checks (suites/databases/cnpg.test.ts): the Cluster's health
// as one comparable object, and one pooler's SQL round trip with its app's credentials.
import { randomBytes } from 'node:crypto';
import type { Facts } from '../config/index.js';
import type { CheckEvidence } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { probePostgres } from '../clients/pg.js';
import { GVR, describeCondition, getCustom, readSecretValue, type KObject } from '../checks/k8s.js';
import { withTunnel } from '../checks/tunnel.js';

type Cnpg = Facts['cnpg'];

/** What DB-CNPG-001 compares of a CNPG Cluster (status and spec), so the seen value explains itself. */
export function clusterHealth(pgc: KObject) {
  const spec = pgc.spec as {
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
  const sync = Math.max(spec.postgresql?.synchronous?.number ?? 0, spec.minSyncReplicas ?? 0);
  return {
    phase: st.phase ?? 'no phase',
    ready:
      `${describeCondition(pgc, 'Ready')}`.startsWith('Ready=True') ||
      st.phase === 'Cluster in healthy state',
    instances: spec.instances,
    readyInstances: st.readyInstances ?? 0,
    primary: !!st.currentPrimary,
    synchronousReplicas: sync >= 1,
  };
}

/** The Cluster of the facts, attached, as clusterHealth. */
export async function readClusterHealth(k: ClusterHandle, c: Cnpg, evidence: CheckEvidence) {
  const pgc = await getCustom(k, GVR.cnpgCluster, c.namespace, c.cluster);
  evidence.status(pgc);
  return clusterHealth(pgc);
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
