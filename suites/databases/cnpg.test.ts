/**
 * CloudNative-PG shared cluster and its PgBouncer poolers (STORY-VALIDATE-NETWORKING AC4).
 *
 * Reads: the CNPG Cluster status/spec, pg_stat_replication on the primary (with the pg_monitor
 * role of facts.cnpg.monitorSecret), the Pooler objects, the apps' credential Secrets (values
 * registered for redaction, never printed). Probes each pooler at protocol level through a tunnel
 * to its Service: `SELECT version()`, then a temporary table written and read in one transaction
 * (dropped on commit). Creates nothing in the cluster.
 *
 * Lab: the CNPG operator is simulated (Cluster/Pooler status from lab/sim); behind the pods are a
 * real PostgreSQL primary with two real streaming standbys and real PgBouncers, reached through
 * the real apiserver's port-forward.
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { expectClusterHealth, expectReplication, probePooler } from '../../helpers/probes/cnpg.js';
import { scheduledBackupProblems } from '../../helpers/probes/backups.js';
import { pollWithin } from '../../helpers/probes/poll.js';
import { GVR, listCustom } from '../../helpers/reads/k8s.js';

const cnpg = suite({
  clusters: ['apps'],
  story: 'STORY-VALIDATE-NETWORKING',
  requires: { 'cnpg.enabled': 'no shared PostgreSQL on this cluster' },
});

cnpg.check(
  {
    id: 'DB-CNPG-001',
    title: 'the shared PostgreSQL cluster is healthy with all instances and a synchronous replica',
    priority: 'P0',
    component: 'cnpg',
    ac: ['AC4.2', 'P0-5'],
    risks: ['R6'],
    suggestedAction:
      "kubectl cnpg status shared-postgres -n cnpg-system (Streaming Replication status: sync_state); check the standbys' logs for WAL receiver errors",
    timeoutMs: 90_000,
  },
  async ({ cluster, facts, evidence }) => {
    const c = facts.cnpg;
    const requiredSync = await expectClusterHealth(cluster, c, evidence, {
      phase: 'Cluster in healthy state',
      ready: true,
      instances: c.instances,
      readyInstances: c.instances,
      primary: true,
    });
    // the spec only asks for synchronous standbys: the primary says whether they are
    await expectReplication(cluster, c, evidence, {
      streamingStandbys: c.instances - 1,
      synchronousStandbys: requiredSync,
    });
  },
);

cnpg.check(
  {
    id: 'DB-CNPG-002',
    title: 'every pooler answers SQL with its application credentials',
    priority: 'P0',
    component: 'pgbouncer',
    ac: ['AC4.3', 'AC4.4', 'AC4.5', 'AC4.6', 'AC4.7', 'AC4.9', 'P0-5'],
    risks: ['R6'],
    suggestedAction:
      'kubectl -n cnpg-system get pooler,pods -l cnpg.io/poolerName; check the app Secret and PgBouncer logs',
    timeoutMs: 120_000,
  },
  async ({ cluster, facts, evidence }) => {
    const c = facts.cnpg;
    expect(c.poolers.length, 'poolers listed in facts.cnpg.poolers').toBeGreaterThan(0);
    const results = [];
    for (const p of c.poolers) results.push(await probePooler(cluster, c, p, evidence));
    evidence.json('poolers', results);
    const failed = results.filter((r) => !r.ok).map((r) => `${r.pooler}: ${r.detail}`);
    expect(failed, `poolers failing: ${failed.join(' | ')}`).toEqual([]);
  },
);

cnpg.check(
  {
    id: 'DB-CNPG-003',
    title: 'the shared cluster’s daily ScheduledBackup fired within a day and its newest Backup completed',
    priority: 'P1',
    component: 'cnpg',
    ac: ['AC4.8'],
    risks: ['R6'],
    suggestedAction:
      'kubectl -n cnpg-system get scheduledbackups,backups -o wide; kubectl cnpg backup shared-postgres -n cnpg-system; check the object store credentials (barmanObjectStore)',
  },
  async ({ cluster, facts, evidence }) => {
    const c = facts.cnpg;
    await pollWithin(
      async () => {
        const [scheduled, backups] = await Promise.all([
          listCustom(cluster, GVR.cnpgScheduledBackup, c.namespace),
          listCustom(cluster, GVR.cnpgBackup, c.namespace),
        ]);
        evidence.json('backups', {
          scheduled: scheduled.map((s) => ({ name: s.metadata?.name, spec: s.spec, status: s.status })),
          backups: backups.map((b) => ({
            name: b.metadata?.name,
            cluster: b.spec?.cluster,
            status: b.status,
          })),
        });
        return scheduledBackupProblems(scheduled, backups, c.cluster, c.backupMaxAgeHours, new Date());
      },
      `backups of Cluster ${c.namespace}/${c.cluster}`,
      15_000,
    ).toEqual([]);
  },
);
