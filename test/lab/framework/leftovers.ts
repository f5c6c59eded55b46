/**
 * What a run left behind on the lab, read directly from the lab's own services on loopback (not
 * through the framework under test): run namespaces on both clusters, Redis/Dragonfly keys, Kafka
 * topics and consumer groups, Schema Registry subjects (soft-deleted included) and registry
 * repositories whose names contain the run id (run-owned names are `<prefix>-<runid-lowercase>`,
 * helpers/run/ids.ts). Every source has a bounded timeout; a source that cannot be read throws
 * (naming it) rather than answering "nothing left".
 */
import path from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { listCatalog } from '../../../helpers/reads/oci.js';
import { LABEL_RUN_ID, runNamespaceName } from '../../../helpers/run/ids.js';
import { loadCredentials } from '../../../lab/services/credentials.js';
import { kafkaRoutes } from '../../../lab/services/kafka.js';
import { servicePorts } from '../../../lab/services/ports.js';
import { kafkaSocketFactory } from '../../../lab/services/probes.js';
import { REPO } from './lab.js';

const TIMEOUT_MS = 15_000;
const LAB = path.join(REPO, '.lab');

async function bounded<T>(what: string, p: Promise<T>, ms = TIMEOUT_MS): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => {
        t = setTimeout(() => rej(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new Error(msg.startsWith(what) ? msg : `${what}: ${msg}`, { cause: e });
  } finally {
    clearTimeout(t);
  }
}

/** Namespaces labelled with the run id (or named as its run namespace) on both clusters, not Terminating. */
export async function leftoverRunNamespaces(runId: string): Promise<string[]> {
  const kc = new KubeConfig();
  kc.loadFromFile(path.join(LAB, 'kubeconfig'));
  const left: string[] = [];
  for (const ctx of ['lab-infra', 'lab-apps']) {
    kc.setCurrentContext(ctx);
    const core = kc.makeApiClient(CoreV1Api);
    const list = await bounded(`${ctx}: list namespaces`, core.listNamespace());
    for (const ns of list.items) {
      const name = ns.metadata?.name ?? '';
      const ours = ns.metadata?.labels?.[LABEL_RUN_ID] === runId || name === runNamespaceName(runId);
      if (ours && ns.status?.phase !== 'Terminating') left.push(`namespace ${ctx}/${name}`);
    }
  }
  return left;
}

/** Keys containing the run id in every database of the lab's Redis primary (dragonfly-0). */
export async function leftoverRedisKeys(runId: string): Promise<string[]> {
  const needle = runId.toLowerCase();
  const port = servicePorts().redis[0];
  const r = new Redis({
    host: '127.0.0.1',
    port,
    password: loadCredentials(LAB).dragonfly.password,
    lazyConnect: true,
    connectTimeout: 5_000,
    commandTimeout: 5_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  let lastError: Error | undefined;
  r.on('error', (e: Error) => (lastError = e));
  const what = `redis 127.0.0.1:${port} (dragonfly-0)`;
  try {
    await bounded(what, r.connect()).catch((e: Error) => {
      throw new Error(`${e.message}${lastError ? ` (${lastError.message})` : ''}`);
    });
    const keyspace = await bounded(`${what}: INFO keyspace`, r.info('keyspace'));
    const dbs = [...keyspace.matchAll(/^db(\d+):/gm)].map((m) => Number(m[1]));
    const left: string[] = [];
    for (const db of dbs) {
      await bounded(`${what}: SELECT ${db}`, r.select(db));
      let cursor = '0';
      // SCAN is bounded in rounds; keys are filtered here (MATCH is case-sensitive)
      for (let round = 0; round < 10_000; round++) {
        const [next, keys] = await bounded(`${what}: SCAN`, r.scan(cursor, 'COUNT', 1000));
        for (const k of keys) if (k.toLowerCase().includes(needle)) left.push(`redis key db${db}/${k}`);
        cursor = next;
        if (cursor === '0') break;
        if (round === 9_999) throw new Error(`${what}: SCAN of db${db} did not finish in 10000 rounds`);
      }
    }
    return left;
  } finally {
    r.disconnect();
  }
}

/**
 * Kafka topics and consumer groups containing the run id. The brokers advertise Strimzi pod names
 * that do not resolve here, so a plain client fails after the bootstrap metadata; the lab's own
 * mapping of advertised name -> loopback port (kafkaRoutes + kafkaSocketFactory) is used instead of
 * the framework's tunnels, which keeps this independent of the code under test.
 */
export async function leftoverKafka(runId: string): Promise<string[]> {
  const needle = runId.toLowerCase();
  const ports = servicePorts().kafkaClient;
  const kafka = new Kafka({
    clientId: 'pv-leftovers',
    brokers: ports.map((p) => `127.0.0.1:${p}`),
    socketFactory: kafkaSocketFactory(kafkaRoutes()),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    retry: { retries: 1 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  const what = `kafka 127.0.0.1:${ports.join(',')}`;
  try {
    await bounded(`${what}: connect`, admin.connect());
    const topics = await bounded(`${what}: list topics`, admin.listTopics());
    const groups = await bounded(`${what}: list groups`, admin.listGroups());
    return [
      ...topics.filter((t) => t.toLowerCase().includes(needle)).map((t) => `kafka topic ${t}`),
      ...groups.groups
        .filter((g) => g.groupId.toLowerCase().includes(needle))
        .map((g) => `kafka consumer group ${g.groupId}`),
    ];
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Schema Registry subjects containing the run id, soft-deleted ones included (`?deleted=true`):
 * MSG-SR-001 deletes permanently, so a subject still listed soft-deleted is left behind too.
 */
export async function leftoverSubjects(runId: string): Promise<string[]> {
  const needle = runId.toLowerCase();
  const url = `http://127.0.0.1:${servicePorts().schemaRegistry}/subjects?deleted=true`;
  const res = await bounded(
    `schema registry GET ${url}`,
    fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) }),
  );
  if (res.status !== 200)
    throw new Error(`schema registry GET ${url}: HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
  const subjects = (await res.json()) as unknown;
  if (!Array.isArray(subjects))
    throw new Error(`schema registry GET ${url}: expected a JSON array of subjects`);
  return subjects
    .map(String)
    .filter((s) => s.toLowerCase().includes(needle))
    .map((s) => `schema registry subject ${s}`);
}

/** Registry repositories containing the run id (/v2/_catalog of the real registry, harbor-admin credentials). */
export async function leftoverRepositories(runId: string): Promise<string[]> {
  const needle = runId.toLowerCase();
  const port = servicePorts().registry;
  const { username, password } = loadCredentials(LAB).harbor;
  const repos = await bounded(
    `registry 127.0.0.1:${port} /v2/_catalog`,
    listCatalog({ baseUrl: `http://127.0.0.1:${port}`, username, password, timeoutMs: TIMEOUT_MS }),
    60_000,
  );
  return repos.filter((r) => r.toLowerCase().includes(needle)).map((r) => `registry repository ${r}`);
}

/** Everything of the run still on the lab, as human-readable lines; [] when nothing is left. */
export async function leftoverRunResources(runId: string): Promise<string[]> {
  if (!runId.trim()) throw new Error('leftoverRunResources: empty run id');
  const parts = await Promise.all([
    leftoverRunNamespaces(runId),
    leftoverRedisKeys(runId),
    leftoverKafka(runId),
    leftoverSubjects(runId),
    leftoverRepositories(runId),
  ]);
  return parts.flat();
}
