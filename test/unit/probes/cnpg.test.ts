// The CNPG check mechanisms (helpers/probes/cnpg.ts) on fakes: recorded Cluster objects, a fake
// ClusterHandle of the calls used and a fake Postgres behind a fake tunnel. Passing and failing shapes.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { CheckEvidence } from '../../../helpers/check/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import {
  clusterHealth,
  describeStandbys,
  expectClusterHealth,
  expectReplication,
  probePooler,
  readClusterHealth,
  readStandbys,
  replicationState,
  requiredSyncStandbys,
} from '../../../helpers/probes/cnpg.js';
import { failure } from './fake-run.js';

const pg = vi.hoisted(() => ({
  answer: undefined as { version: string; roundTrip?: string } | Error | undefined,
  seen: [] as { user: string; password: string; database: string }[],
  /** what pg_stat_replication returns through pgClient, and the address it was asked of */
  rows: [] as unknown[],
  dialed: [] as { user: string; database: string }[],
  tunnels: [] as unknown[],
}));
vi.mock('../../../helpers/reads/tunnel.js', () => ({
  withTunnel: async (_k: unknown, t: unknown, fn: (t: { host: string; port: number }) => unknown) => {
    pg.tunnels.push(t);
    return fn({ host: '127.0.0.1', port: 15432 });
  },
}));
vi.mock('../../../helpers/clients/pg.js', () => ({
  pgClient: (o: { user: string; database: string }) => ({
    connect: async () => pg.dialed.push({ user: o.user, database: o.database }),
    query: async () => ({ rows: pg.rows }),
    end: async () => undefined,
  }),
  probePostgres: async (o: { user: string; password: string; database: string; marker: string }) => {
    pg.seen.push({ user: o.user, password: o.password, database: o.database });
    if (pg.answer instanceof Error) throw pg.answer;
    return { version: pg.answer!.version, roundTrip: pg.answer!.roundTrip ?? o.marker };
  },
}));

const cnpg = (): Facts['cnpg'] => {
  const f = structuredClone(factsDefaults('apps')) as Facts;
  return f.cnpg;
};
const HEALTHY = {
  phase: 'Cluster in healthy state',
  ready: true,
  instances: 3,
  readyInstances: 3,
  primary: true,
};
const pgCluster = (o: {
  phase?: string;
  ready?: number;
  sync?: number;
  primary?: string;
  cond?: string;
}) => ({
  metadata: { namespace: 'cnpg-system', name: 'shared-postgres' },
  spec: { instances: 3, postgresql: { synchronous: { number: o.sync ?? 1 } } },
  status: {
    phase: o.phase,
    readyInstances: o.ready,
    currentPrimary: o.primary,
    conditions: o.cond ? [{ type: 'Ready', status: o.cond }] : [],
  },
});

function fakeEvidence() {
  const attached: string[] = [];
  const evidence = {
    status: (_o: unknown, name?: string) => attached.push(name ?? 'status'),
  } as unknown as CheckEvidence;
  return { evidence, attached };
}

describe('clusterHealth (DB-CNPG-001)', () => {
  it('passes: healthy phase, all instances Ready, a primary and a synchronous replica', async () => {
    const c = pgCluster({
      phase: 'Cluster in healthy state',
      ready: 3,
      primary: 'shared-postgres-1',
      cond: 'True',
    });
    expect(clusterHealth(c)).toEqual(HEALTHY);
    const k = { custom: { getNamespacedCustomObject: async () => c } } as unknown as ClusterHandle;
    const { evidence, attached } = fakeEvidence();
    expect(await readClusterHealth(k, cnpg(), evidence)).toEqual({ health: HEALTHY, requiredSync: 1 });
    expect(attached).toEqual(['status']);
  });
  it('fails showing each seen field: degraded phase, 2 of 3 Ready, no primary', () => {
    expect(
      clusterHealth(pgCluster({ phase: 'Waiting for the instances to become active', ready: 2, sync: 0 })),
    ).toEqual({
      phase: 'Waiting for the instances to become active',
      ready: false,
      instances: 3,
      readyInstances: 2,
      primary: false,
    });
    expect(clusterHealth({ metadata: { name: 'x' }, spec: {} }).phase).toBe('no phase');
  });
  it('a Cluster without spec or status is a finding, not a TypeError', () => {
    expect(clusterHealth({ metadata: { name: 'x' } })).toMatchObject({ phase: 'no phase', ready: false });
  });
});

describe('the synchronous standbys DB-CNPG-001 requires and sees', () => {
  it('requires synchronous.number, else the legacy minSyncReplicas, and at least one', () => {
    expect(requiredSyncStandbys(pgCluster({ sync: 2 }))).toBe(2);
    const legacy = { metadata: { name: 'x' }, spec: { instances: 3, minSyncReplicas: 2 } };
    expect(requiredSyncStandbys(legacy)).toBe(2);
    expect(requiredSyncStandbys({ metadata: { name: 'x' }, spec: { instances: 3 } })).toBe(1);
  });
  const row = (application_name: string, state: string | null, sync_state: string | null) => ({
    application_name,
    state,
    sync_state,
  });
  it('passes: two streaming standbys, one sync (FIRST 1) or quorum (ANY 1)', () => {
    const first = [
      row('shared-postgres-2', 'streaming', 'sync'),
      row('shared-postgres-3', 'streaming', 'potential'),
    ];
    expect(replicationState(first, 1)).toEqual({ streamingStandbys: 2, synchronousStandbys: 1 });
    const any = [row('a', 'streaming', 'quorum'), row('b', 'streaming', 'quorum')];
    expect(replicationState(any, 1)).toEqual({ streamingStandbys: 2, synchronousStandbys: 1 });
  });
  it('fails on what the spec cannot show: no standby connected, all async, one still catching up', () => {
    expect(replicationState([], 1)).toEqual({ streamingStandbys: 0, synchronousStandbys: 0 });
    expect(describeStandbys([])).toBe('no standby connected');
    const async = [
      row('shared-postgres-2', 'streaming', 'async'),
      row('shared-postgres-3', 'streaming', 'async'),
    ];
    expect(replicationState(async, 1).synchronousStandbys).toBe(0);
    const catchup = [
      row('shared-postgres-2', 'catchup', 'sync'),
      row('shared-postgres-3', 'streaming', 'potential'),
    ];
    expect(replicationState(catchup, 1)).toEqual({ streamingStandbys: 1, synchronousStandbys: 0 });
    expect(describeStandbys(catchup)).toBe(
      'shared-postgres-2 catchup/sync, shared-postgres-3 streaming/potential',
    );
  });
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const k = {
    name: 'apps',
    core: {
      readNamespacedSecret: async () => ({
        data: { username: b64('platform_validation'), password: b64('pw') },
      }),
    },
  } as unknown as ClusterHandle;
  beforeEach(() => {
    pg.rows = [];
    pg.dialed = [];
    pg.tunnels = [];
  });
  it("reads pg_stat_replication on the primary's -rw Service with the monitor Secret, rows attached", async () => {
    pg.rows = [row('shared-postgres-2', 'streaming', 'sync')];
    const attached: string[] = [];
    const evidence = { json: (name: string) => attached.push(name) } as unknown as CheckEvidence;
    expect(await readStandbys(k, cnpg(), evidence)).toEqual(pg.rows);
    expect(pg.tunnels).toEqual([
      { kind: 'Service', namespace: 'cnpg-system', name: 'shared-postgres-rw', port: 5432 },
    ]);
    expect(pg.dialed).toEqual([{ user: 'platform_validation', database: 'postgres' }]);
    expect(attached).toEqual(['pg_stat_replication']);
  });
  it('a role without pg_monitor (every state NULL) is an error naming the Secret, not 0 standbys', async () => {
    pg.rows = [row('shared-postgres-2', null, null), row('shared-postgres-3', null, null)];
    const evidence = { json: () => undefined } as unknown as CheckEvidence;
    await expect(readStandbys(k, cnpg(), evidence)).rejects.toThrow(
      /Secret cnpg-system\/platform-validation-pg-monitor is not a member of pg_monitor/,
    );
  });
});

describe('DB-CNPG-001 as the suite asserts it: expectClusterHealth, then expectReplication', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const k = (pgc: unknown) =>
    ({
      name: 'apps',
      custom: { getNamespacedCustomObject: async () => pgc },
      core: {
        readNamespacedSecret: async () => ({
          data: { username: b64('platform_validation'), password: b64('pw') },
        }),
      },
    }) as unknown as ClusterHandle;
  const row = (application_name: string, state: string, sync_state: string) => ({
    application_name,
    state,
    sync_state,
  });
  beforeEach(() => {
    pg.rows = [];
    pg.tunnels = [];
  });

  it('passes: a healthy Cluster returns the synchronous standbys its spec requires; they stream in sync', async () => {
    const healthy = pgCluster({ phase: 'Cluster in healthy state', ready: 3, primary: 'p-1', sync: 2 });
    const { evidence, attached } = fakeEvidence();
    expect(await expectClusterHealth(k(healthy), cnpg(), evidence, HEALTHY, 50)).toBe(2);
    expect(attached).toEqual(['status']);
    pg.rows = [row('shared-postgres-2', 'streaming', 'sync'), row('shared-postgres-3', 'streaming', 'sync')];
    const json: string[] = [];
    const ev = { json: (n: string) => json.push(n) } as unknown as CheckEvidence;
    await expectReplication(k(healthy), cnpg(), ev, { streamingStandbys: 2, synchronousStandbys: 2 }, 50);
    expect(json[0]).toBe('pg_stat_replication');
  });
  it('fails naming the Cluster, with each seen field: 2 of 3 instances Ready', async () => {
    const degraded = pgCluster({ phase: 'Cluster in healthy state', ready: 2, primary: 'p-1' });
    const msg = await failure(expectClusterHealth(k(degraded), cnpg(), fakeEvidence().evidence, HEALTHY, 50));
    expect(msg).toMatch(/CNPG Cluster cnpg-system\/shared-postgres[\s\S]*"readyInstances":2/);
  });
  it('fails naming the -rw Service, the counts and each standby seen: one still catching up', async () => {
    pg.rows = [
      row('shared-postgres-2', 'streaming', 'sync'),
      row('shared-postgres-3', 'catchup', 'potential'),
    ];
    const ev = { json: () => undefined } as unknown as CheckEvidence;
    const want = { streamingStandbys: 2, synchronousStandbys: 1 };
    const msg = await failure(expectReplication(k({}), cnpg(), ev, want, 50));
    expect(msg).toMatch(/pg_stat_replication on cnpg-system\/shared-postgres-rw/);
    expect(msg).toMatch(/"streamingStandbys":1[\s\S]*shared-postgres-3 catchup\/potential/);
  });
});

describe('probePooler (DB-CNPG-002)', () => {
  const pooler = {
    name: 'gitlab-pooler-rw',
    port: 5432,
    secret: 'gitlab-db-credentials',
    database: 'gitlabhq_production',
  };
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const cluster = (secret = true) =>
    ({
      name: 'apps',
      context: 'apps',
      server: 'https://127.0.0.1:9',
      custom: { getNamespacedCustomObject: async () => ({ metadata: { name: pooler.name } }) },
      core: {
        readNamespacedSecret: async () => ({
          data: secret ? { username: b64('gitlab'), password: b64('s3cret') } : { user: b64('gitlab') },
        }),
      },
    }) as unknown as ClusterHandle;
  beforeEach(() => {
    pg.answer = undefined;
    pg.seen = [];
  });

  it('passes: the version, with the credentials of the Secret, the Pooler attached', async () => {
    pg.answer = { version: 'PostgreSQL 17.2 on x86_64' };
    const { evidence, attached } = fakeEvidence();
    const r = await probePooler(cluster(), cnpg(), pooler, evidence);
    expect(r).toMatchObject({ pooler: 'gitlab-pooler-rw', ok: true, detail: 'PostgreSQL 17.2 on x86_64' });
    expect(typeof r.ms).toBe('number');
    expect(pg.seen).toEqual([{ user: 'gitlab', password: 's3cret', database: 'gitlabhq_production' }]);
    expect(attached).toEqual(['pooler-gitlab-pooler-rw']);
  });
  it('fails naming what came back: a temp table that did not round-trip', async () => {
    pg.answer = { version: 'PostgreSQL 17.2', roundTrip: '' };
    expect(await probePooler(cluster(), cnpg(), pooler, fakeEvidence().evidence)).toMatchObject({
      ok: false,
      detail: 'temp table returned "", version "PostgreSQL 17.2"',
    });
  });
  it('fails with the error, never throwing: a Secret without the key, a refused login', async () => {
    const noKey = await probePooler(cluster(false), cnpg(), pooler, fakeEvidence().evidence);
    expect(noKey).toMatchObject({ ok: false });
    expect(noKey.detail).toMatch(/Secret cnpg-system\/gitlab-db-credentials has no key "username"/);
    pg.answer = new Error('password authentication failed for user "gitlab"');
    expect(await probePooler(cluster(), cnpg(), pooler, fakeEvidence().evidence)).toEqual({
      pooler: 'gitlab-pooler-rw',
      ok: false,
      detail: 'password authentication failed for user "gitlab"',
    });
  });
});
