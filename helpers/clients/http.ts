// HTTP through a tunnel with undici: a Pool bound to the tunnel's local port, each request timed.
import type { Pool, Dispatcher } from 'undici';
import { lazy } from '../lazy.js';

const undici = lazy<typeof import('undici')>('undici');
import type { ClusterHandle } from '../cluster/handle.js';
import { openTunnel, type Tunnel } from '../tunnel/tunnel.js';
import type { TunnelTarget } from '../tunnel/resolve.js';
import { LatencyRecorder } from './latency.js';

export interface HttpTarget extends TunnelTarget {
  /** Host header to send (e.g. the in-cluster service name); default `<name>.<namespace>.svc`. */
  hostHeader?: string;
  connections?: number;
  requestTimeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
}

export interface HttpSession {
  pool: Pool;
  tunnel: Tunnel;
  latency: LatencyRecorder;
  request(
    path: string,
    opts?: { method?: Dispatcher.HttpMethod; headers?: Record<string, string>; body?: string | Buffer },
  ): Promise<HttpResponse>;
  close(): Promise<void>;
}

export async function httpClient(cluster: ClusterHandle, target: HttpTarget): Promise<HttpSession> {
  const tunnel = await openTunnel(cluster, target);
  const timeout = target.requestTimeoutMs ?? 15_000;
  const pool = new (undici().Pool)(`http://${tunnel.host}:${tunnel.port}`, {
    connections: target.connections ?? 4,
    connectTimeout: timeout,
    headersTimeout: timeout,
    bodyTimeout: timeout,
  });
  const host = target.hostHeader ?? `${target.name}.${target.namespace}.svc`;
  const latency = new LatencyRecorder();
  return {
    pool,
    tunnel,
    latency,
    async request(path, opts = {}) {
      const t0 = performance.now();
      const res = await pool.request({
        path,
        method: opts.method ?? 'GET',
        headers: { host, ...opts.headers },
        body: opts.body,
      });
      const body = await res.body.text();
      const ms = performance.now() - t0;
      latency.record(ms);
      return { status: res.statusCode, headers: res.headers, body, ms };
    },
    async close() {
      await pool.close().catch(() => undefined);
      await tunnel.close();
    },
  };
}
