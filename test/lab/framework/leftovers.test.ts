/**
 * The next run's sweep of what a crashed run left outside Kubernetes: a Kafka topic, a Schema
 * Registry subject and a registry repository named for a run older than the TTL are removed by
 * `pnpm test` (MSG-KAFKA-002, MSG-SR-001, REG-HARBOR-002 sweep their own prefixes) and named in
 * run.json clusters.apps.swept; the same names of a run that started minutes ago are left alone.
 *
 * leftoverRunResources can fail: for a fake run id it reports one of each thing a run can leave
 * (a labelled namespace, a Redis key, a Kafka topic, a Schema Registry subject, a registry
 * repository pushed for real), and [] once they are deleted (the repository through the lab
 * harbor-core's repository API). A service it cannot reach is an error, never "nothing left".
 * Needs the lab up.   npx vitest run --project lab test/lab/framework/leftovers.test.ts
 */
import path from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { HarborApi, RegistryClient, tinyImage } from '../../../helpers/reads/oci.js';
import { LABEL_RUN_ID, newRunId, runNamespaceName, runOwnedName } from '../../../helpers/run/ids.js';
import { loadCredentials } from '../../../lab/services/credentials.js';
import { kafkaRoutes } from '../../../lab/services/kafka.js';
import { servicePorts } from '../../../lab/services/ports.js';
import { kafkaSocketFactory } from '../../../lab/services/probes.js';
import { runPv } from '../trust/proc.js';
import { readJson } from '../trust/lib.js';
import { REPO, labCluster } from './lab.js';
import {
  leftoverKafka,
  leftoverRedisKeys,
  leftoverRepositories,
  leftoverRunResources,
  leftoverSubjects,
} from './leftovers.js';

const runId = newRunId();
const P = servicePorts();
const creds = loadCredentials(path.join(REPO, '.lab'));
const ns = runNamespaceName(runId);
const key = `${runOwnedName(runId, 'pv-key')}:probe`;
const topic = runOwnedName(runId, 'pv-topic');
const subject = `${runOwnedName(runId, 'pv-subject')}-value`;
const repoName = runOwnedName(runId, 'pv-image');
const srBase = `http://127.0.0.1:${P.schemaRegistry}`;

function redis(): Redis {
  const r = new Redis({
    host: '127.0.0.1',
    port: P.redis[0],
    password: creds.dragonfly.password,
    connectTimeout: 5_000,
    commandTimeout: 5_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  r.on('error', () => {});
  return r;
}

function kafkaAdmin() {
  return new Kafka({
    clientId: 'pv-leftovers-test',
    brokers: P.kafkaClient.map((p) => `127.0.0.1:${p}`),
    socketFactory: kafkaSocketFactory(kafkaRoutes()),
    connectionTimeout: 3_000,
    requestTimeout: 20_000,
    logLevel: logLevel.NOTHING,
  }).admin();
}

async function sr(method: string, p: string, body?: unknown): Promise<number> {
  const res = await fetch(`${srBase}${p}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  await res.text();
  return res.status;
}

/** Deletes whatever of the fake run exists (idempotent; also the test's own cleanup). */
async function deleteAll(): Promise<void> {
  const apps = await labCluster('apps');
  await apps.core.deleteNamespace({ name: ns }).catch(() => undefined);
  const r = redis();
  try {
    await r.del(key);
  } finally {
    r.disconnect();
  }
  const admin = kafkaAdmin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(topic))
      await admin.deleteTopics({ topics: [topic], timeout: 20_000 });
  } finally {
    await admin.disconnect();
  }
  await sr('DELETE', `/subjects/${subject}`);
  await sr('DELETE', `/subjects/${subject}?permanent=true`);
  const harbor = new HarborApi({
    baseUrl: `http://127.0.0.1:${P.harborCore}`,
    username: creds.harbor.username,
    password: creds.harbor.password,
  });
  await harbor.deleteRepository('library', repoName);
}

afterAll(async () => {
  await deleteAll().catch(() => undefined);
}, 120_000);

describe('leftoverRunResources (read directly from the lab services)', () => {
  it('reports a namespace, key, topic, subject and repository of the run, and [] after they are deleted', async () => {
    expect(await leftoverRunResources(runId), 'a fresh run id has nothing').toEqual([]);

    const apps = await labCluster('apps');
    await apps.core.createNamespace({
      body: {
        metadata: { name: ns, labels: { [LABEL_RUN_ID]: runId, 'platform-validation/owned': 'true' } },
      },
    });
    const r = redis();
    try {
      await r.set(key, 'x', 'EX', 600);
    } finally {
      r.disconnect();
    }
    const admin = kafkaAdmin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [{ topic, numPartitions: 1 }],
        waitForLeaders: true,
        timeout: 20_000,
      });
    } finally {
      await admin.disconnect();
    }
    expect(await sr('POST', `/subjects/${subject}/versions`, { schema: '"string"' })).toBe(200);
    const reg = new RegistryClient(
      {
        baseUrl: `http://127.0.0.1:${P.registry}`,
        username: creds.harbor.username,
        password: creds.harbor.password,
      },
      `library/${repoName}`,
    );
    const image = tinyImage(`leftovers ${runId}`);
    await reg.pushBlob(image.layer);
    await reg.pushBlob(image.config);
    await reg.pushManifest('t', image.manifest, image.mediaType);

    expect((await leftoverRunResources(runId)).sort()).toEqual(
      [
        `namespace lab-apps/${ns}`,
        `redis key db0/${key}`,
        `kafka topic ${topic}`,
        `schema registry subject ${subject}`,
        `registry repository library/${repoName}`,
      ].sort(),
    );

    await deleteAll();
    // topic deletion and namespace finalization are asynchronous: poll, bounded
    await expect.poll(() => leftoverRunResources(runId), { timeout: 60_000, interval: 1_000 }).toEqual([]);
  }, 240_000);

  it('an unreachable service is an error naming it, never "nothing left"', async () => {
    const saved = process.env.PV_LAB_SERVICES_PORT_BASE;
    process.env.PV_LAB_SERVICES_PORT_BASE = '30500'; // nothing of the lab listens there
    try {
      await expect(leftoverRedisKeys(runId)).rejects.toThrow(/redis 127\.0\.0\.1:30530/);
      await expect(leftoverSubjects(runId)).rejects.toThrow(
        /schema registry GET http:\/\/127\.0\.0\.1:30550/,
      );
      await expect(leftoverRepositories(runId)).rejects.toThrow(/registry 127\.0\.0\.1:30560/);
      await expect(leftoverKafka(runId)).rejects.toThrow(/kafka 127\.0\.0\.1:30540/);
      await expect(leftoverRunResources(runId)).rejects.toThrow();
    } finally {
      if (saved === undefined) delete process.env.PV_LAB_SERVICES_PORT_BASE;
      else process.env.PV_LAB_SERVICES_PORT_BASE = saved;
    }
  }, 120_000);
});

describe('the next run sweeps what crashed runs left outside Kubernetes', () => {
  const old = newRunId(new Date(Date.now() - 4 * 3600_000)); // older than the 180 min TTL
  const recent = newRunId(new Date(Date.now() - 5 * 60_000)); // another run, maybe still going
  const names = (id: string) => ({
    topic: runOwnedName(id, 'pv-topic'),
    subject: `${runOwnedName(id, 'pv-subject')}-abc123-value`,
    repo: runOwnedName(id, 'pv-image'),
  });
  const admin = kafkaAdmin();
  const harbor = new HarborApi({
    baseUrl: `http://127.0.0.1:${P.harborCore}`,
    username: creds.harbor.username,
    password: creds.harbor.password,
  });

  async function plant(id: string): Promise<void> {
    const n = names(id);
    await admin.createTopics({ topics: [{ topic: n.topic, numPartitions: 1 }], waitForLeaders: true });
    expect(await sr('POST', `/subjects/${n.subject}/versions`, { schema: '"string"' })).toBe(200);
    const reg = new RegistryClient(
      {
        baseUrl: `http://127.0.0.1:${P.registry}`,
        username: creds.harbor.username,
        password: creds.harbor.password,
      },
      `library/${n.repo}`,
    );
    const image = tinyImage(`sweep ${id}`);
    await reg.pushBlob(image.layer);
    await reg.pushBlob(image.config);
    await reg.pushManifest('t', image.manifest, image.mediaType);
  }

  async function present(id: string): Promise<string[]> {
    const n = names(id);
    const topics = await admin.listTopics();
    const subjects = await fetch(`${srBase}/subjects?deleted=true`).then(
      (r) => r.json() as Promise<string[]>,
    );
    return [
      ...(topics.includes(n.topic) ? [`topic ${n.topic}`] : []),
      ...(subjects.includes(n.subject) ? [`subject ${n.subject}`] : []),
      ...((await harbor.getRepository('library', n.repo)) ? [`repository ${n.repo}`] : []),
    ];
  }

  afterAll(async () => {
    for (const id of [old, recent]) {
      const n = names(id);
      await admin.deleteTopics({ topics: [n.topic], timeout: 20_000 }).catch(() => undefined);
      await sr('DELETE', `/subjects/${n.subject}`).catch(() => undefined);
      await sr('DELETE', `/subjects/${n.subject}?permanent=true`).catch(() => undefined);
      await harbor.deleteRepository('library', n.repo).catch(() => undefined);
    }
    await admin.disconnect();
  }, 120_000);

  it("an expired topic, subject and repository are removed and named in run.json; a recent run's are kept", async () => {
    await admin.connect();
    await plant(old);
    await plant(recent);
    expect(await present(old)).toHaveLength(3);

    const r = await runPv(
      [
        '--env',
        'lab',
        '--project',
        'apps',
        '--grep',
        'kafka || harbor',
        // the three checks that sweep; PERF-KAFKA-001's latency target says nothing here
        '-t',
        'MSG-KAFKA-002|MSG-SR-001|REG-HARBOR-002',
      ],
      {},
      300_000,
    );
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    const run = readJson<{ clusters: Record<string, { swept?: string[] }> }>(
      path.join(r.runDir!, 'run.json'),
    );
    const o = names(old);
    expect(run.clusters.apps!.swept).toEqual(
      expect.arrayContaining([
        `Kafka topic ${o.topic}`,
        `Schema Registry subject ${o.subject}`,
        `registry repository ${o.repo}`,
      ]),
    );
    expect(JSON.stringify(run.clusters.apps!.swept), 'a recent run is never swept').not.toContain(
      recent.toLowerCase(),
    );
    // topic deletion is asynchronous in Kafka: poll, bounded
    await expect.poll(() => present(old), { timeout: 30_000, interval: 1_000 }).toEqual([]);
    expect(await present(recent)).toHaveLength(3);
  }, 400_000);
});
