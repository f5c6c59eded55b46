// PostgreSQL (and PgBouncer) over host/port (a tunnel's 127.0.0.1 end, or a direct address), with
// node-postgres. The password is registered for redaction where it is read (readSecretValue).
import type pg from 'pg';
import { lazy } from '../lazy.js';

const pgLib = lazy<typeof pg>('pg');

export interface PgAddress {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** Connect timeout and client-side bound of every query (default 10 s). */
  timeoutMs?: number;
}

/**
 * A node-postgres client, not yet connected. No statement_timeout: PgBouncer rejects it as a
 * startup parameter; query_timeout bounds the client side. Errors emitted after connecting (a
 * dropped connection) are swallowed so they cannot crash the worker; the pending query fails.
 */
export function pgClient(o: PgAddress): pg.Client {
  const client = new (pgLib().Client)({
    host: o.host,
    port: o.port,
    user: o.user,
    password: o.password,
    database: o.database,
    connectionTimeoutMillis: o.timeoutMs ?? 10_000,
    query_timeout: o.timeoutMs ?? 10_000,
  });
  client.on('error', () => undefined);
  return client;
}

export interface PgProbe {
  version: string;
  roundTrip: string;
}

/**
 * `SELECT version()`, then write and read a temporary table inside one transaction (so it also
 * works through a transaction-pooling PgBouncer); `ON COMMIT DROP` leaves nothing behind.
 */
export async function probePostgres(o: PgAddress & { marker: string }): Promise<PgProbe> {
  const client = pgClient(o);
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
