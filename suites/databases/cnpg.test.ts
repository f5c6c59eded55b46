/**
 * CloudNative-PG shared cluster and its PgBouncer poolers (STORY-VALIDATE-NETWORKING AC4).
 *
 * Reads: the CNPG Cluster status/spec, the Pooler objects, the apps' credential Secrets (values
 * registered for redaction, never printed). Probes each pooler at protocol level through a tunnel
 * to its Service: `SELECT version()`, then a temporary table written and read in one transaction
 * (dropped on commit). Creates nothing in the cluster.
 *
 * Lab: the CNPG operator is simulated (Cluster/Pooler status from lab/sim); behind the pooler pods
 * is a real PgBouncer in front of a real PostgreSQL, reached through the real apiserver's
 * port-forward.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { check } from '../../helpers/check/index.js';
import { probePostgres } from '../../helpers/clients/pg.js';
import { GVR, describeCondition, getCustom, readSecretValue } from '../../helpers/checks/k8s.js';
import { withTunnel } from '../../helpers/checks/tunnel.js';

const STORY = 'STORY-VALIDATE-NETWORKING';

check(
  {
    id: 'DB-CNPG-001',
    title: 'the shared PostgreSQL cluster is healthy with all instances and a synchronous replica',
    priority: 'P0',
    component: 'cnpg',
    clusters: ['apps'],
    story: STORY,
    ac: ['AC4'],
    risks: ['R6'],
    suggestedAction:
      'kubectl -n cnpg-system get cluster shared-postgres -o yaml; kubectl cnpg status shared-postgres',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence, skip }) => {
    const c = facts.cnpg;
    if (!c.enabled) skip('facts.cnpg.enabled is false: no shared PostgreSQL on this cluster');
    await expect
      .poll(
        async () => {
          const pgc = await getCustom(cluster, GVR.cnpgCluster, c.namespace, c.cluster);
          evidence.status(pgc);
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
        },
        { timeout: 30_000, interval: 2_000, message: `CNPG Cluster ${c.namespace}/${c.cluster}` },
      )
      .toEqual({
        phase: 'Cluster in healthy state',
        ready: true,
        instances: c.instances,
        readyInstances: c.instances,
        primary: true,
        synchronousReplicas: true,
      });
  },
);

check(
  {
    id: 'DB-CNPG-002',
    title: 'every pooler answers SQL with its application credentials',
    priority: 'P0',
    component: 'pgbouncer',
    clusters: ['apps'],
    story: STORY,
    ac: ['AC4'],
    risks: ['R6', 'OPS-002'],
    suggestedAction:
      'kubectl -n cnpg-system get pooler,pods -l cnpg.io/poolerName; check the app Secret and PgBouncer logs',
    timeoutMs: 120_000,
  },
  async ({ cluster: k, facts, evidence, skip }) => {
    const c = facts.cnpg;
    if (!c.enabled) skip('facts.cnpg.enabled is false: no shared PostgreSQL on this cluster');
    expect(c.poolers.length, 'poolers listed in facts.cnpg.poolers').toBeGreaterThan(0);
    const results: { pooler: string; ok: boolean; detail: string; ms?: number }[] = [];
    for (const p of c.poolers) {
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
        results.push({
          pooler: p.name,
          ok,
          detail: ok
            ? r.version
            : `temp table returned ${JSON.stringify(r.roundTrip)}, version ${JSON.stringify(r.version)}`,
          ms: Math.round(performance.now() - t0),
        });
      } catch (e) {
        results.push({ pooler: p.name, ok: false, detail: (e as Error).message });
      }
    }
    evidence.json('poolers', results);
    const failed = results.filter((r) => !r.ok).map((r) => `${r.pooler}: ${r.detail}`);
    expect(failed, `poolers failing: ${failed.join(' | ')}`).toEqual([]);
  },
);
