/**
 * Real protocol probes (never a bare TCP connect): each speaks the service's protocol with the
 * maintained client the checks use too, bounded in time, and never throws.
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import { request } from 'undici';
import { withTimeout } from './runtime.js';

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

/** SELECT through the PostgreSQL protocol (server or PgBouncer) */
export async function probePostgres(opts: {
  port: number;
  user: string;
  password: string;
  database: string;
  sql?: string;
  timeoutMs?: number;
}): Promise<ProbeResult> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: opts.port,
    user: opts.user,
    password: opts.password,
    database: opts.database,
    connectionTimeoutMillis: opts.timeoutMs ?? 3_000,
    query_timeout: opts.timeoutMs ?? 3_000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    const r = await client.query(opts.sql ?? 'SELECT 1 AS ok');
    return { ok: true, detail: JSON.stringify(r.rows[0] ?? {}) };
  } catch (e) {
    return { ok: false, detail: errText(e) };
  } finally {
    await client.end().catch(() => {});
  }
}

/** AUTH + PING through the Redis protocol */
export async function probeRedis(port: number, password: string, timeoutMs = 3_000): Promise<ProbeResult> {
  const redis = new Redis({
    host: '127.0.0.1',
    port,
    password,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis reports an AUTH failure as an 'error' event, then rejects with "Connection is closed."
  let lastError: unknown;
  redis.on('error', (e) => (lastError = e));
  try {
    await redis.connect();
    const pong = await redis.ping();
    const role = (await redis.call('ROLE')) as unknown[];
    return { ok: pong === 'PONG', detail: `${pong} role=${String(role[0])}` };
  } catch (e) {
    return { ok: false, detail: errText(lastError ?? e) };
  } finally {
    redis.disconnect();
  }
}

/** HTTP GET; ok when the status is one of `okStatus` */
export async function probeHttp(url: string, okStatus: number[], timeoutMs = 3_000): Promise<ProbeResult> {
  try {
    const r = await request(url, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    await r.body.text();
    return { ok: okStatus.includes(r.statusCode), detail: `HTTP ${r.statusCode}` };
  } catch (e) {
    return { ok: false, detail: errText(e) };
  }
}

/**
 * kafkajs socketFactory that sends a connection for an advertised broker host (a pod DNS name,
 * not resolvable here) to the local port serving that broker; anything else is refused.
 */
export function kafkaSocketFactory(routes: Map<string, number>): ISocketFactory {
  return ({ host, port, onConnect }) => {
    const local = routes.get(`${host}:${port}`) ?? (host === '127.0.0.1' ? port : undefined);
    const socket = new net.Socket();
    if (local === undefined) {
      queueMicrotask(() => socket.destroy(new Error(`no local route for Kafka broker ${host}:${port}`)));
      return socket;
    }
    socket.connect({ host: '127.0.0.1', port: local }, onConnect);
    return socket;
  };
}

/** Kafka metadata request answered by the broker on localPort (bootstrap = that broker only) */
export async function probeKafka(
  localPort: number,
  routes: Map<string, number>,
  timeoutMs = 8_000,
): Promise<ProbeResult> {
  const kafka = new Kafka({
    clientId: 'pv-lab-probe',
    brokers: [`127.0.0.1:${localPort}`],
    socketFactory: kafkaSocketFactory(routes),
    connectionTimeout: 2_000,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  try {
    await withTimeout(admin.connect(), timeoutMs, 'kafka connect');
    const c = await withTimeout(admin.describeCluster(), timeoutMs, 'kafka describeCluster');
    return {
      ok: true,
      detail: `brokers=${c.brokers.map((b) => b.nodeId).join(',')} controller=${c.controller}`,
    };
  } catch (e) {
    return { ok: false, detail: errText(e) };
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

interface DnsAnswer {
  name: string;
  type: number;
  address?: string;
}
type DnsTcpClient = (opts: {
  dns: string;
  port: number;
}) => (name: string, type?: string) => Promise<{ answers: DnsAnswer[]; header: { rcode: number } }>;
const requireCjs = createRequire(import.meta.url);
const dnsTcpClient = (requireCjs('dns2') as { TCPClient: DnsTcpClient }).TCPClient;

/** A query over DNS/TCP (what a port-forward to the kube-dns pod carries) */
export async function resolveTcp(
  port: number,
  name: string,
  timeoutMs = 3_000,
): Promise<{ rcode: number; addresses: string[] }> {
  const resolve = dnsTcpClient({ dns: '127.0.0.1', port });
  const r = await withTimeout(resolve(name, 'A'), timeoutMs, `DNS query ${name}`);
  return { rcode: r.header.rcode, addresses: r.answers.filter((a) => a.address).map((a) => a.address!) };
}

export async function probeDns(
  port: number,
  name = 'kubernetes.default.svc.cluster.local',
): Promise<ProbeResult> {
  try {
    const r = await resolveTcp(port, name);
    return {
      ok: r.rcode === 0 && r.addresses.length > 0,
      detail: `${name} -> ${r.addresses.join(',') || `rcode ${r.rcode}`}`,
    };
  } catch (e) {
    return { ok: false, detail: errText(e) };
  }
}
