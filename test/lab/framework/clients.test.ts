// Protocol clients through tunnels against the lab's real services (PgBouncer+PostgreSQL, Dragonfly's
// protocol on Redis, Apache Kafka in KRaft mode, CoreDNS) and the netexec HTTP pods.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSecretValue, type ClusterHandle } from '../../../helpers/cluster/index.js';
import {
  connectRedis,
  dnsClient,
  dnsQuery,
  httpClient,
  kafkaClient,
  pgClient,
  redisClient,
  BOOTSTRAP_HOST,
} from '../../../helpers/clients/index.js';
import { redact } from '../../../helpers/evidence/redact.js';
import {
  cleanupRun,
  ensureRunNamespace,
  newRunId,
  registerCleanup,
  runCleanups,
  runOwnedName,
} from '../../../helpers/run/index.js';
import { closeAllTunnels, openTunnel } from '../../../helpers/tunnel/index.js';
import { deployEchoWorkloads, labCluster } from './lab.js';

const runId = newRunId();
let apps: ClusterHandle;
let infra: ClusterHandle;

beforeAll(async () => {
  apps = await labCluster('apps');
  infra = await labCluster('infra');
}, 60_000);
afterAll(async () => {
  await runCleanups();
  await closeAllTunnels();
  if (apps) await cleanupRun(apps, runId);
});

describe('postgres through the pooler', () => {
  it('connects with the app credentials from its Secret and runs a query', async () => {
    const user = await readSecretValue(apps, 'cnpg-system', 'gitlab-db-credentials', 'username');
    const password = await readSecretValue(apps, 'cnpg-system', 'gitlab-db-credentials', 'password');
    const database = await readSecretValue(apps, 'cnpg-system', 'gitlab-db-credentials', 'dbname');
    expect(redact(`pw=${password}`)).not.toContain(password);
    const tunnel = await openTunnel(apps, {
      kind: 'Service',
      namespace: 'cnpg-system',
      name: 'gitlab-pooler-rw',
      port: 5432,
    });
    const pg = pgClient({ host: tunnel.host, port: tunnel.port, database, user, password });
    try {
      await pg.connect();
      const r = await pg.query('select current_database() as db, current_user as u, 1 + 1 as two');
      expect(r.rows[0]).toEqual({ db: database, u: user, two: 2 });
      expect(tunnel.target.port).toBe(5432);
    } finally {
      await pg.end().catch(() => undefined);
      await tunnel.close();
    }
  });

  it('a wrong password fails, and the password is not in the message', async () => {
    const user = await readSecretValue(apps, 'cnpg-system', 'gitlab-db-credentials', 'username');
    const database = await readSecretValue(apps, 'cnpg-system', 'gitlab-db-credentials', 'dbname');
    const wrong = `wrong-${runId}`;
    const tunnel = await openTunnel(apps, {
      kind: 'Service',
      namespace: 'cnpg-system',
      name: 'gitlab-pooler-rw',
      port: 5432,
    });
    const pg = pgClient({ host: tunnel.host, port: tunnel.port, database, user, password: wrong });
    try {
      const err = await pg.connect().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).not.toContain(wrong);
    } finally {
      await pg.end().catch(() => undefined);
      await tunnel.close();
    }
  });
});

describe('redis protocol (dragonfly)', () => {
  it('SET/GET/DEL a run-owned key, cleanup registered', async () => {
    const password = await readSecretValue(apps, 'dragonfly-system', 'dragonfly-auth', 'password');
    const tunnel = await openTunnel(apps, {
      kind: 'Service',
      namespace: 'dragonfly-system',
      name: 'dragonfly',
      port: 6379,
    });
    const r = redisClient({ host: tunnel.host, port: tunnel.port, password });
    const key = runOwnedName(runId, 'pv-fw-key');
    const un = registerCleanup(apps, `redis DEL ${key}`, () => r.del(key));
    try {
      await connectRedis(r, 'Service dragonfly-system/dragonfly');
      expect(await r.set(key, 'v1', 'EX', 300)).toBe('OK');
      expect(await r.get(key)).toBe('v1');
      expect(await r.del(key)).toBe(1);
      un();
    } finally {
      r.disconnect();
      await tunnel.close();
    }
  });
});

describe('kafka through per-broker tunnels', () => {
  it('produces and consumes on a run-owned topic; broker addresses from metadata map to broker pods', async () => {
    const k = kafkaClient(apps, {
      namespace: 'messaging',
      bootstrap: { kind: 'Service', name: 'kafka-cluster-kafka-bootstrap', port: 9092 },
    });
    const topic = runOwnedName(runId, 'pv-fw-topic');
    const admin = k.kafka.admin();
    const producer = k.kafka.producer();
    const consumer = k.kafka.consumer({ groupId: runOwnedName(runId, 'pv-fw-group') });
    try {
      await admin.connect();
      await admin.createTopics({
        topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
        waitForLeaders: true,
      });
      registerCleanup(apps, `kafka delete topic ${topic}`, () => admin.deleteTopics({ topics: [topic] }));
      await producer.connect();
      const sent = ['a', 'b', 'c', 'd', 'e', 'f'].map((v, i) => ({ key: `k${i}`, value: `${v}-${runId}` }));
      await producer.send({ topic, messages: sent });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const got: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`consumed only ${got.length} of ${sent.length} within 60 s`)),
          60_000,
        );
        void consumer.run({
          eachMessage: async ({ message }) => {
            got.push(message.value!.toString());
            if (got.length === sent.length) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
      expect(got.sort()).toEqual(sent.map((m) => m.value).sort());
      const hosts = [...k.tunnels.keys()];
      expect(hosts).toContain(`${BOOTSTRAP_HOST}:9092`);
      expect(
        hosts.some((h) =>
          /^kafka-cluster-kafka-\d\.kafka-cluster-kafka-brokers\.messaging\.svc:9092$/.test(h),
        ),
      ).toBe(true);
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      await runCleanups(apps); // deletes the topic while the admin is connected
      await admin.disconnect().catch(() => undefined);
      await k.close();
    }
  });
});

describe('dns over TCP through the cluster DNS Service', () => {
  it('kubernetes.default resolves to the kubernetes Service ClusterIP; unknown names are NXDOMAIN', async () => {
    const svc = await infra.core.readNamespacedService({ namespace: 'default', name: 'kubernetes' });
    const r = await dnsQuery(infra, {
      target: { kind: 'Service', namespace: 'kube-system', name: 'kube-dns', port: 53 },
      name: 'kubernetes.default.svc.cluster.local',
    });
    expect(r.rcode).toBe('NOERROR');
    expect(r.answers.map((a) => a.data)).toContain(svc.spec!.clusterIP);
    const s = await dnsClient(infra, {
      kind: 'Service',
      namespace: 'kube-system',
      name: 'kube-dns',
      port: 53,
    });
    try {
      const nx = await s.query('no-such-service.default.svc.cluster.local');
      expect(nx.rcode).toBe('NXDOMAIN');
      for (let i = 0; i < 5; i++) await s.query('kubernetes.default.svc.cluster.local');
      expect(s.latency.summary().samples).toBe(6);
    } finally {
      await s.close();
    }
  });
});

describe('http with undici', () => {
  it('requests through a Service tunnel, latency recorded', async () => {
    const ns = await ensureRunNamespace(apps, runId);
    await deployEchoWorkloads(apps, ns);
    const h = await httpClient(apps, { kind: 'Service', namespace: ns, name: 'echo', port: 'web' });
    try {
      for (let i = 0; i < 10; i++) {
        const r = await h.request(`/echo?msg=n${i}`);
        expect(r.status).toBe(200);
        expect(r.body).toBe(`n${i}`);
      }
      const s = h.latency.summary();
      expect(s.samples).toBe(10);
      expect(s.p95Ms).toBeGreaterThanOrEqual(s.p50Ms);
      expect(h.tunnel.stats.connections).toBeLessThanOrEqual(4); // pooled keep-alive connections
    } finally {
      await h.close();
    }
  });
});
