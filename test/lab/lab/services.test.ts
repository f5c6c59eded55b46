/**
 * The lab's real services answer their real protocols, and every fault hook observably changes
 * what a client sees. Needs the services up: `pnpm lab up` (all, incl. CoreDNS) or
 * `npx tsx lab/services/dev.ts up` (everything but CoreDNS). Talks to the local ports directly;
 * the path through the apiserver (port-forward to the pods) is covered by the suites/selftest.
 *   npx vitest run test/lab/lab/services.test.ts
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import { CoreV1Api } from '@kubernetes/client-node';
import { Kafka, logLevel } from 'kafkajs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLabContext, tcpOpen, TOPOLOGY } from '../../../lab/core/index.js';
import { labPaths } from '../../../lab/core/paths.js';
import { createProcessManager } from '../../../lab/core/process.js';
import { loadCredentials, type ServiceCredentials } from '../../../lab/services/credentials.js';
import {
  appDatabases,
  kafkaRoutes,
  kafkaSocketFactory,
  resolveTcp,
  servicesCatalogue,
  setServiceFault,
  startService,
  stopService,
  type ServicesContext,
} from '../../../lab/services/index.js';
import { servicePorts } from '../../../lab/services/ports.js';
import { assertPortsFree, procName } from '../../../lab/services/runtime.js';

const paths = labPaths();
// the full lab (routing through the apiservers) when its control planes answer, else services only
const clustersUp =
  fs.existsSync(paths.kubeconfig) &&
  (await tcpOpen(TOPOLOGY.apps.apiserverPort)) &&
  (await tcpOpen(TOPOLOGY.infra.apiserverPort));
const ctx: ServicesContext = clustersUp
  ? loadLabContext({ log: () => {} })
  : { paths, procs: createProcessManager(paths.run, paths.logs), log: () => {} };
const P = servicePorts();
const suffix = randomBytes(3).toString('hex');
let creds: ServiceCredentials;

beforeAll(() => {
  const missing = servicesCatalogue()
    .filter((e) => e.kind !== 'coredns' && !ctx.procs.isRunning(procName(e.name)))
    .map((e) => e.name);
  if (missing.length) {
    throw new Error(
      `lab services not running: ${missing.join(', ')}; start them with 'pnpm lab up' (or 'npx tsx lab/services/dev.ts up')`,
    );
  }
  creds = loadCredentials(paths.root);
});

async function pgQuery(port: number, user: string, password: string, database: string, sql: string) {
  const c = new pg.Client({
    host: '127.0.0.1',
    port,
    user,
    password,
    database,
    connectionTimeoutMillis: 3_000,
  });
  c.on('error', () => {});
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end().catch(() => {});
  }
}

function redis(port: number, password: string): Redis {
  const r = new Redis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => {});
  return r;
}

/** connect+PING; resolves to 'PONG' or the server's/transport's error text */
async function redisPing(port: number, password: string): Promise<string> {
  const r = redis(port, password);
  let err: unknown;
  r.on('error', (e) => (err = e));
  try {
    await r.connect();
    return await r.ping();
  } catch (e) {
    return String((err ?? e) as Error);
  } finally {
    r.disconnect();
  }
}

async function waitFor<T>(
  what: string,
  f: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      last = await f();
      if (ok(last)) return last;
    } catch (e) {
      lastErr = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `${what}: not reached in ${timeoutMs} ms (last: ${JSON.stringify(last) ?? String(lastErr)})`,
  );
}

describe('PostgreSQL + PgBouncer (CNPG shared-postgres and its poolers)', () => {
  it.each(['gitlab', 'harbor', 'keycloak', 'synergyflow'] as const)(
    '%s pooler: SELECT version() as the app role',
    async (app) => {
      const { user, database } = appDatabases[app];
      const rows = await pgQuery(
        P.pgbouncer[app],
        user,
        creds.postgres.apps[app],
        database,
        'SELECT version(), current_user, current_database()',
      );
      expect(rows[0].version).toMatch(/^PostgreSQL 15\./);
      expect(rows[0].current_user).toBe(user);
      expect(rows[0].current_database).toBe(database);
    },
  );

  it('a pooler refuses a wrong password', async () => {
    await expect(
      pgQuery(P.pgbouncer.gitlab, 'gitlab', 'not-the-password', 'gitlabhq_production', 'SELECT 1'),
    ).rejects.toThrow(/password authentication failed|SASL/);
  });

  it('primary streams synchronously to shared-postgres-2, and a write is visible on both standbys', async () => {
    const su = creds.postgres.superuser;
    const rep = await pgQuery(
      P.postgres[0],
      'postgres',
      su,
      'postgres',
      'SELECT application_name, sync_state FROM pg_stat_replication ORDER BY 1',
    );
    expect(rep).toEqual([
      { application_name: 'shared-postgres-2', sync_state: 'sync' },
      { application_name: 'shared-postgres-3', sync_state: 'potential' },
    ]);
    const table = `pv_lab_${suffix}`;
    await pgQuery(P.postgres[0], 'postgres', su, 'postgres', `CREATE TABLE ${table} AS SELECT 42 AS answer`);
    try {
      for (const port of [P.postgres[1], P.postgres[2]]) {
        const rows = await waitFor(
          `row on standby ${port}`,
          () =>
            pgQuery(
              port,
              'postgres',
              su,
              'postgres',
              `SELECT answer, pg_is_in_recovery() AS standby FROM ${table}`,
            ),
          (r) => r.length === 1,
        );
        expect(rows[0]).toEqual({ answer: 42, standby: true });
      }
    } finally {
      await pgQuery(P.postgres[0], 'postgres', su, 'postgres', `DROP TABLE ${table}`);
    }
  });

  it('a stopped standby drops out of pg_stat_replication and streams again after a restart', async () => {
    const su = creds.postgres.superuser;
    const streaming = () =>
      pgQuery(
        P.postgres[0],
        'postgres',
        su,
        'postgres',
        'SELECT application_name AS name FROM pg_stat_replication ORDER BY 1',
      );
    await stopService(ctx, 'shared-postgres-3');
    try {
      expect(await waitFor('-3 gone', streaming, (r) => r.length === 1)).toEqual([
        { name: 'shared-postgres-2' },
      ]);
    } finally {
      await startService(ctx, 'shared-postgres-3');
    }
    expect(await waitFor('-3 back', streaming, (r) => r.length === 2)).toEqual([
      { name: 'shared-postgres-2' },
      { name: 'shared-postgres-3' },
    ]);
  });

  it('pooler-down hook: stopping pgbouncer-keycloak refuses connections; starting it serves again', async () => {
    const { user, database } = appDatabases.keycloak;
    const q = () =>
      pgQuery(P.pgbouncer.keycloak, user, creds.postgres.apps.keycloak, database, 'SELECT 1 AS one');
    await stopService(ctx, 'pgbouncer-keycloak');
    try {
      await expect(q()).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await startService(ctx, 'pgbouncer-keycloak');
    }
    expect(await q()).toEqual([{ one: 1 }]);
  });
});

describe('Redis (Dragonfly cluster)', () => {
  it('primary: PING/SET/GET with the Secret password; replicas replicate; no password is refused', async () => {
    const key = `pv-lab:${suffix}`;
    const primary = redis(P.redis[0], creds.dragonfly.password);
    try {
      await primary.connect();
      expect(await primary.ping()).toBe('PONG');
      expect(await primary.set(key, 'test-value', 'EX', 60)).toBe('OK');
      expect(await primary.get(key)).toBe('test-value');
    } finally {
      primary.disconnect();
    }
    for (const port of [P.redis[1], P.redis[2]]) {
      const replica = redis(port, creds.dragonfly.password);
      try {
        await replica.connect();
        expect(
          await waitFor(
            'replicated key',
            () => replica.get(key),
            (v) => v === 'test-value',
          ),
        ).toBe('test-value');
        expect(await replica.set(key, 'x').catch((e: Error) => e.message)).toMatch(/READONLY/);
      } finally {
        replica.disconnect();
      }
    }
    expect(await redisPing(P.redis[0], '')).toMatch(/NOAUTH|Connection is closed/);
  });

  it('dragonfly-auth-wrong hook: the Secret password is refused while on, accepted after', async () => {
    await setServiceFault(ctx, 'dragonfly-auth-wrong', true);
    try {
      for (const port of P.redis)
        expect(await redisPing(port, creds.dragonfly.password)).toMatch(
          /WRONGPASS|invalid username-password/,
        );
    } finally {
      await setServiceFault(ctx, 'dragonfly-auth-wrong', false);
    }
    for (const port of P.redis) expect(await redisPing(port, creds.dragonfly.password)).toBe('PONG');
  });
});

describe('Kafka (Strimzi kafka-cluster, KRaft, 3 brokers)', () => {
  const kafka = () =>
    new Kafka({
      clientId: `pv-lab-test-${suffix}`,
      brokers: [`127.0.0.1:${P.kafkaClient[0]}`],
      socketFactory: kafkaSocketFactory(kafkaRoutes()),
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
      retry: { retries: 3 },
      logLevel: logLevel.NOTHING,
    });

  it('advertises the broker pods names and produces/consumes a message through per-broker routes', async () => {
    const k = kafka();
    const admin = k.admin();
    await admin.connect();
    const topic = `pv-lab-${suffix}`;
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual(
        [...kafkaRoutes().keys()].sort(),
      );
      await admin.createTopics({
        topics: [{ topic, numPartitions: 3, replicationFactor: 3 }],
        waitForLeaders: true,
      });
      const producer = k.producer();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: `hello ${suffix}` }] });
      await producer.disconnect();
      const consumer = k.consumer({ groupId: `pv-lab-${suffix}` });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no message consumed in 30 s')), 30_000);
        void consumer.run({
          eachMessage: async ({ message }) => {
            clearTimeout(t);
            resolve(message.value?.toString() ?? '');
          },
        });
      });
      await consumer.disconnect();
      expect(got).toBe(`hello ${suffix}`);
    } finally {
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
    }
  }, 90_000);

  it('kafka-broker-down hook: stopping kafka-2 drops it from the cluster metadata; starting it brings it back', async () => {
    const brokers = async () => {
      const admin = kafka().admin();
      await admin.connect();
      try {
        return (await admin.describeCluster()).brokers.map((b) => b.nodeId).sort();
      } finally {
        await admin.disconnect();
      }
    };
    await stopService(ctx, 'kafka-2');
    try {
      expect(await waitFor('broker 2 gone', brokers, (b) => b.join() === '0,1', 30_000)).toEqual([0, 1]);
    } finally {
      await startService(ctx, 'kafka-2');
    }
    expect(await waitFor('broker 2 back', brokers, (b) => b.join() === '0,1,2', 60_000)).toEqual([0, 1, 2]);
  }, 120_000);
});

/** consume a topic from the beginning until `count` records whose key matches (bounded) */
async function readTopic(
  topic: string,
  match: (key: string) => boolean,
  count: number,
): Promise<[string, string | null][]> {
  const k = new Kafka({
    clientId: `pv-lab-test-${suffix}`,
    brokers: [`127.0.0.1:${P.kafkaClient[0]}`],
    socketFactory: kafkaSocketFactory(kafkaRoutes()),
    logLevel: logLevel.NOTHING,
  });
  const consumer = k.consumer({ groupId: `pv-lab-read-${suffix}-${topic}` });
  const out: [string, string | null][] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const key = message.key?.toString() ?? '';
          if (match(key)) out.push([key, message.value ? message.value.toString() : null]);
          if (out.length >= count) {
            clearTimeout(t);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

describe('Schema Registry (lab simulation of the Confluent API, Avro rules from Apache Avro)', () => {
  const base = `http://127.0.0.1:${P.schemaRegistry}`;
  const CT = 'application/vnd.schemaregistry.v1+json';
  const call = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => {
    const r = await request(`${base}${path}`, {
      method,
      headers: { 'content-type': CT },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return {
      status: r.statusCode,
      type: String(r.headers['content-type']),
      json: (await r.body.json()) as Record<string, unknown> & unknown[],
    };
  };
  const schema = (fields: unknown[]) => ({
    schema: JSON.stringify({ type: 'record', name: 'Test', fields }),
  });

  it('register, read back, compatible and incompatible changes, errors, config, delete', async () => {
    const subject = `pv-lab-${suffix}-value`;
    const v1 = await call(
      'POST',
      `/subjects/${subject}/versions`,
      schema([{ name: 'field1', type: 'string' }]),
    );
    expect(v1.status).toBe(200);
    expect(v1.type).toBe(CT);
    expect(typeof v1.json.id).toBe('number');
    const latest = await call('GET', `/subjects/${subject}/versions/latest`);
    expect(latest.json).toMatchObject({ subject, version: 1, id: v1.json.id });
    expect((await call('GET', `/schemas/ids/${v1.json.id}`)).json.schema).toContain('field1');
    expect(await call('GET', '/subjects')).toMatchObject({ status: 200 });

    // BACKWARD (default): a new field without default cannot read old data; with a default it can
    const noDefault = schema([
      { name: 'field1', type: 'string' },
      { name: 'field2', type: 'int' },
    ]);
    const withDefault = schema([
      { name: 'field1', type: 'string' },
      { name: 'field2', type: 'int', default: 0 },
    ]);
    expect(
      (await call('POST', `/compatibility/subjects/${subject}/versions/latest`, noDefault)).json,
    ).toEqual({ is_compatible: false });
    expect(
      (await call('POST', `/compatibility/subjects/${subject}/versions/latest`, withDefault)).json,
    ).toEqual({ is_compatible: true });
    const refused = await call('POST', `/subjects/${subject}/versions`, noDefault);
    expect(refused.status).toBe(409);
    expect(refused.json.error_code).toBe(409);
    expect((await call('POST', `/subjects/${subject}/versions`, withDefault)).status).toBe(200);
    expect((await call('GET', `/subjects/${subject}/versions`)).json).toEqual([1, 2]);

    const invalid = await call('POST', `/subjects/${subject}/versions`, {
      schema: '{"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]}',
    });
    expect(invalid).toMatchObject({ status: 422, json: { error_code: 42201 } });
    expect((await call('GET', `/subjects/nope-${suffix}/versions`)).json.error_code).toBe(40401);

    expect((await call('PUT', `/config/${subject}`, { compatibility: 'NONE' })).json).toEqual({
      compatibility: 'NONE',
    });
    expect((await call('GET', `/config/${subject}`)).json).toEqual({ compatibilityLevel: 'NONE' });
    expect(
      (
        await call(
          'POST',
          `/compatibility/subjects/${subject}/versions/latest`,
          schema([{ name: 'field1', type: 'int' }]),
        )
      ).json,
    ).toEqual({
      is_compatible: true,
    });
    expect((await call('PUT', `/config/${subject}`, { compatibility: 'SIDEWAYS' })).json.error_code).toBe(
      42203,
    );
    expect((await call('GET', '/config')).json).toEqual({ compatibilityLevel: 'BACKWARD' });

    expect((await call('DELETE', `/subjects/${subject}`)).json).toEqual([1, 2]);
    expect((await call('GET', `/subjects/${subject}/versions`)).status).toBe(404);

    // every change went through Kafka's _schemas topic first (Confluent's key/value JSON)
    const journal = await readTopic('_schemas', (key) => key.includes(`"subject":"${subject}"`), 5);
    expect(
      journal.map(([k, v]) => [
        JSON.parse(k).keytype,
        v === null ? null : (JSON.parse(v) as { deleted?: boolean }).deleted,
      ]),
    ).toEqual([
      ['SCHEMA', false],
      ['SCHEMA', false],
      ['CONFIG', undefined],
      ['SCHEMA', true],
      ['SCHEMA', true],
    ]);
  }, 60_000);
});

describe('OCI registry behind Harbor (real Distribution registry + simulated harbor-core)', () => {
  const auth = () =>
    `Basic ${Buffer.from(`${creds.harbor.username}:${creds.harbor.password}`).toString('base64')}`;
  const sha = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

  async function pushPull(port: number, authorization: string) {
    const base = `http://127.0.0.1:${port}`;
    const repo = `library/pv-lab-${suffix}-${port}`;
    const upload = async (content: Buffer) => {
      const start = await request(`${base}/v2/${repo}/blobs/uploads/`, {
        method: 'POST',
        headers: { authorization },
      });
      await start.body.text();
      expect(start.statusCode).toBe(202);
      const loc = new URL(String(start.headers.location), base);
      loc.searchParams.set('digest', sha(content));
      const put = await request(`${base}${loc.pathname}${loc.search}`, {
        method: 'PUT',
        headers: {
          authorization,
          'content-type': 'application/octet-stream',
          'content-length': String(content.length),
        },
        body: content,
      });
      await put.body.text();
      expect(put.statusCode).toBe(201);
      return { digest: sha(content), size: content.length };
    };
    const layer = await upload(randomBytes(1024));
    const config = await upload(
      Buffer.from(
        JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }),
      ),
    );
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    });
    const put = await request(`${base}/v2/${repo}/manifests/test`, {
      method: 'PUT',
      headers: { authorization, 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
      body: manifest,
    });
    await put.body.text();
    expect(put.statusCode).toBe(201);
    expect(put.headers['docker-content-digest']).toBe(sha(manifest));
    const get = await request(`${base}/v2/${repo}/manifests/test`, {
      headers: { authorization, accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    const body = await get.body.text();
    expect(get.statusCode).toBe(200);
    expect(sha(body)).toBe(sha(manifest));
    const del = await request(`${base}/v2/${repo}/manifests/${sha(manifest)}`, {
      method: 'DELETE',
      headers: { authorization },
    });
    await del.body.text();
    expect(del.statusCode).toBe(202);
  }

  it('push blob + manifest, pull and compare the digest, delete: on the registry and through harbor-core', async () => {
    await pushPull(P.registry, auth());
    await pushPull(P.harborCore, auth());
  });

  it('anonymous and wrong-password requests get 401', async () => {
    const anon = await request(`http://127.0.0.1:${P.registry}/v2/`);
    await anon.body.text();
    expect(anon.statusCode).toBe(401);
    expect(String(anon.headers['www-authenticate'])).toMatch(/^Basic realm=/);
    const wrong = await request(`http://127.0.0.1:${P.registry}/v2/`, {
      headers: { authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` },
    });
    await wrong.body.text();
    expect(wrong.statusCode).toBe(401);
  });

  it('registry-auth-broken hook: the harbor-admin Secret stops working while on', async () => {
    const status = async () => {
      const r = await request(`http://127.0.0.1:${P.registry}/v2/`, { headers: { authorization: auth() } });
      await r.body.text();
      return r.statusCode;
    };
    expect(await status()).toBe(200);
    await setServiceFault(ctx, 'registry-auth-broken', true);
    try {
      expect(await waitFor('401 with the Secret password', status, (s) => s === 401)).toBe(401);
    } finally {
      await setServiceFault(ctx, 'registry-auth-broken', false);
    }
    expect(await waitFor('200 again', status, (s) => s === 200)).toBe(200);
  });

  it("harbor health: Harbor's JSON shape from real probes; follows pooler-down and dragonfly-auth-wrong", async () => {
    const health = async () => {
      const r = await request(`http://127.0.0.1:${P.harborCore}/api/v2.0/health`);
      const j = (await r.body.json()) as {
        status: string;
        components: { name: string; status: string; error?: string }[];
      };
      return { status: j.status, byName: Object.fromEntries(j.components.map((c) => [c.name, c.status])) };
    };
    expect(await health()).toEqual({
      status: 'healthy',
      byName: { core: 'healthy', database: 'healthy', redis: 'healthy', registry: 'healthy' },
    });
    await stopService(ctx, 'pgbouncer-harbor');
    try {
      const h = await waitFor('database unhealthy', health, (x) => x.byName.database === 'unhealthy');
      expect(h.status).toBe('unhealthy');
    } finally {
      await startService(ctx, 'pgbouncer-harbor');
    }
    await setServiceFault(ctx, 'dragonfly-auth-wrong', true);
    try {
      expect(
        (await waitFor('redis unhealthy', health, (x) => x.byName.redis === 'unhealthy')).byName.database,
      ).toBe('healthy');
    } finally {
      await setServiceFault(ctx, 'dragonfly-auth-wrong', false);
    }
    expect((await waitFor('healthy again', health, (x) => x.status === 'healthy')).status).toBe('healthy');
  });
});

describe('CoreDNS (kubernetes plugin reading each lab apiserver)', () => {
  const clusters = (['infra', 'apps'] as const).filter((c) => ctx.procs.isRunning(procName(`coredns-${c}`)));

  it.runIf(clusters.length > 0).each(clusters)(
    '%s: kubernetes.default.svc.cluster.local is the real kubernetes Service ClusterIP',
    async (cluster) => {
      const kc = ctx.clusters![cluster].kc;
      const svc = await kc
        .makeApiClient(CoreV1Api)
        .readNamespacedService({ name: 'kubernetes', namespace: 'default' });
      const r = await resolveTcp(P.coredns[cluster].dns, 'kubernetes.default.svc.cluster.local');
      expect(r.rcode).toBe(0);
      expect(r.addresses).toEqual([svc.spec!.clusterIP]);
      const missing = await resolveTcp(P.coredns[cluster].dns, `nope-${suffix}.default.svc.cluster.local`);
      expect(missing.rcode).toBe(3); // NXDOMAIN
      // no upstream forwarding: a name outside the cluster zones is refused, never resolved
      expect((await resolveTcp(P.coredns[cluster].dns, 'example.com')).rcode).toBe(5); // REFUSED
    },
  );

  it.runIf(clusters.includes('apps'))(
    'coredns-down hook: stopping coredns-apps makes queries fail; starting it answers again',
    async () => {
      const q = () => resolveTcp(P.coredns.apps.dns, 'kubernetes.default.svc.cluster.local', 2_000);
      await stopService(ctx, 'coredns-apps');
      try {
        await expect(q()).rejects.toThrow();
      } finally {
        await startService(ctx, 'coredns-apps');
      }
      expect((await q()).addresses.length).toBe(1);
    },
    90_000,
  );
});

describe('supervision', () => {
  it('a port taken by another process fails with the port, how to find its owner and how to move the block', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen({ host: '127.0.0.1', port: 0 }, r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      await expect(assertPortsFree('kafka-9', [port])).rejects.toThrow(
        new RegExp(`kafka-9: 127\\.0\\.0\\.1:${port} is already in use.*ss -ltnp.*PV_LAB_SERVICES_PORT_BASE`),
      );
    } finally {
      server.close();
    }
  });

  it('starting a running service is a no-op that keeps its pid', async () => {
    const before = ctx.procs.list().find((r) => r.name === procName('dragonfly-1'))!.pid;
    await startService(ctx, 'dragonfly-1');
    expect(ctx.procs.list().find((r) => r.name === procName('dragonfly-1'))!.pid).toBe(before);
  });

  it('an unknown service name is refused with the known names', async () => {
    await expect(stopService(ctx, 'pgbouncer-nope')).rejects.toThrow(
      /unknown lab service 'pgbouncer-nope'; known: .*pgbouncer-harbor/,
    );
  });
});

afterAll(async () => {
  // leave the lab healthy even if a test failed half-way
  for (const f of ['dragonfly-auth-wrong', 'registry-auth-broken'] as const)
    await setServiceFault(ctx, f, false).catch(() => {});
});
