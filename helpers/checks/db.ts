/** Protocol-level database probes over tunnels: PostgreSQL (through a pooler) and Redis-protocol (Dragonfly). */
import pg from 'pg';
import { Redis } from 'ioredis';

export interface PgProbe {
  version: string;
  roundTrip: string;
}

/**
 * `SELECT version()`, then write and read a temporary table inside one transaction (so it also
 * works through a transaction-pooling PgBouncer); `ON COMMIT DROP` leaves nothing behind.
 */
export async function probePostgres(o: {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  marker: string;
  timeoutMs?: number;
}): Promise<PgProbe> {
  // no statement_timeout: PgBouncer rejects it as a startup parameter; query_timeout bounds the client side
  const client = new pg.Client({
    host: o.host,
    port: o.port,
    user: o.user,
    password: o.password,
    database: o.database,
    connectionTimeoutMillis: o.timeoutMs ?? 10_000,
    query_timeout: o.timeoutMs ?? 10_000,
  });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const v = await client.query<{ version: string }>('SELECT version() AS version');
    await client.query('BEGIN');
    await client.query('CREATE TEMP TABLE pv_probe (marker text NOT NULL) ON COMMIT DROP');
    await client.query('INSERT INTO pv_probe (marker) VALUES ($1)', [o.marker]);
    const r = await client.query<{ marker: string }>('SELECT marker FROM pv_probe');
    await client.query('COMMIT');
    return { version: v.rows[0]?.version ?? '', roundTrip: r.rows[0]?.marker ?? '' };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A Redis-protocol client that never retries on its own; `connectRedis` turns a failed connect into
 * an error naming the server's reason (e.g. WRONGPASS) instead of ioredis' generic "Connection is closed".
 */
export function redisClient(o: { host: string; port: number; password: string; timeoutMs?: number }): Redis {
  const r = new Redis({
    host: o.host,
    port: o.port,
    password: o.password,
    lazyConnect: true,
    connectTimeout: o.timeoutMs ?? 10_000,
    commandTimeout: o.timeoutMs ?? 10_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  r.on('error', (e: Error) => {
    (r as Redis & { lastError?: Error }).lastError = e;
  });
  return r;
}

export async function connectRedis(r: Redis, where: string): Promise<void> {
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    const cause = (r as Redis & { lastError?: Error }).lastError ?? (e as Error);
    throw new Error(`Redis protocol at ${where}: ${cause.message}`, { cause: e });
  }
}
