// The CNPG check mechanisms (helpers/probes/cnpg.ts) on fakes: recorded Cluster objects, a fake
// ClusterHandle of the calls used and a fake Postgres behind a fake tunnel. Passing and failing shapes.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { CheckEvidence } from '../../../helpers/check/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import { clusterHealth, probePooler, readClusterHealth } from '../../../helpers/probes/cnpg.js';

const pg = vi.hoisted(() => ({
  answer: undefined as { version: string; roundTrip?: string } | Error | undefined,
  seen: [] as { user: string; password: string; database: string }[],
}));
vi.mock('../../../helpers/checks/tunnel.js', () => ({
  withTunnel: async (_k: unknown, _t: unknown, fn: (t: { host: string; port: number }) => unknown) =>
    fn({ host: '127.0.0.1', port: 15432 }),
}));
vi.mock('../../../helpers/clients/pg.js', () => ({
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
  synchronousReplicas: true,
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
    expect(await readClusterHealth(k, cnpg(), evidence)).toEqual(HEALTHY);
    expect(attached).toEqual(['status']);
  });
  it('fails showing each seen field: degraded phase, 2 of 3 Ready, no primary, no synchronous replica', () => {
    expect(
      clusterHealth(pgCluster({ phase: 'Waiting for the instances to become active', ready: 2, sync: 0 })),
    ).toEqual({
      phase: 'Waiting for the instances to become active',
      ready: false,
      instances: 3,
      readyInstances: 2,
      primary: false,
      synchronousReplicas: false,
    });
    expect(clusterHealth({ metadata: { name: 'x' }, spec: {} }).phase).toBe('no phase');
  });
  it('minSyncReplicas counts as a synchronous replica too', () => {
    const c = pgCluster({ sync: 0 });
    (c.spec as { minSyncReplicas?: number }).minSyncReplicas = 1;
    expect(clusterHealth(c).synchronousReplicas).toBe(true);
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
