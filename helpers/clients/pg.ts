// PostgreSQL (and PgBouncer) through a tunnel, with node-postgres.
import pg from 'pg';
import { registerSecret } from '../evidence/redact.js';
import type { ClusterHandle } from '../cluster/handle.js';
import { openTunnel, type Tunnel } from '../tunnel/tunnel.js';
import type { TunnelKind } from '../tunnel/resolve.js';

export interface PgConnectOptions {
  namespace: string;
  /** Service name (or the pod/workload name with `kind`). */
  service: string;
  kind?: TunnelKind;
  port?: number | string;
  database: string;
  user: string;
  password: string;
  connectTimeoutMs?: number;
  /** Client-side bound of every query (default 30 s): a hung query cannot outlive the check. */
  queryTimeoutMs?: number;
  /**
   * Server-side statement_timeout as a startup parameter. Off by default: PgBouncer refuses unknown
   * startup parameters ("unsupported startup parameter: statement_timeout").
   */
  statementTimeoutMs?: number;
  application_name?: string;
}

export interface PgSession {
  client: pg.Client;
  tunnel: Tunnel;
  query: pg.Client['query'];
  /** Errors the client emitted after connecting (connection loss), for evidence. */
  errors: Error[];
  close(): Promise<void>;
}

export async function pgConnect(cluster: ClusterHandle, o: PgConnectOptions): Promise<PgSession> {
  registerSecret(o.password);
  const tunnel = await openTunnel(cluster, {
    kind: o.kind ?? 'Service',
    namespace: o.namespace,
    name: o.service,
    port: o.port ?? 5432,
  });
  const client = new pg.Client({
    host: tunnel.host,
    port: tunnel.port,
    database: o.database,
    user: o.user,
    password: o.password,
    ssl: false,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 10_000,
    query_timeout: o.queryTimeoutMs ?? 30_000,
    ...(o.statementTimeoutMs ? { statement_timeout: o.statementTimeoutMs } : {}),
    application_name: o.application_name ?? 'platform-validation',
  });
  const errors: Error[] = [];
  client.on('error', (e) => errors.push(e)); // a dropped connection must not crash the worker
  try {
    await client.connect();
  } catch (e) {
    await tunnel.close();
    const err = e as Error;
    throw new Error(
      `postgres ${o.user}@${o.namespace}/${o.service}/${o.database} on cluster "${cluster.name}" via ${tunnel.host}:${tunnel.port}: ${err.message}`,
      { cause: e },
    );
  }
  return {
    client,
    tunnel,
    query: client.query.bind(client) as pg.Client['query'],
    errors,
    async close() {
      await Promise.race([
        client.end().catch(() => undefined),
        new Promise((r) => setTimeout(r, 3000).unref()),
      ]);
      await tunnel.close();
    },
  };
}
