// Redis / Dragonfly through a tunnel, with ioredis. No reconnect loops: a check fails fast.
import { Redis } from 'ioredis';
import { registerSecret } from '../evidence/redact.js';
import type { ClusterHandle } from '../cluster/handle.js';
import { openTunnel, type Tunnel } from '../tunnel/tunnel.js';
import type { TunnelKind } from '../tunnel/resolve.js';

export interface RedisConnectOptions {
  namespace: string;
  service: string;
  kind?: TunnelKind;
  port?: number | string;
  username?: string;
  password?: string;
  db?: number;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
}

export interface RedisSession {
  redis: Redis;
  tunnel: Tunnel;
  errors: Error[];
  close(): Promise<void>;
}

export async function redisConnect(cluster: ClusterHandle, o: RedisConnectOptions): Promise<RedisSession> {
  if (o.password) registerSecret(o.password);
  const tunnel = await openTunnel(cluster, {
    kind: o.kind ?? 'Service',
    namespace: o.namespace,
    name: o.service,
    port: o.port ?? 6379,
  });
  const redis = new Redis({
    host: tunnel.host,
    port: tunnel.port,
    username: o.username,
    password: o.password,
    db: o.db ?? 0,
    lazyConnect: true,
    connectTimeout: o.connectTimeoutMs ?? 10_000,
    commandTimeout: o.commandTimeoutMs ?? 10_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    enableOfflineQueue: true,
  });
  const errors: Error[] = [];
  redis.on('error', (e: Error) => errors.push(e));
  try {
    await redis.connect();
  } catch (e) {
    redis.disconnect();
    await tunnel.close();
    throw new Error(
      `redis ${o.namespace}/${o.service} on cluster "${cluster.name}" via ${tunnel.host}:${tunnel.port}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  return {
    redis,
    tunnel,
    errors,
    async close() {
      await Promise.race([
        redis.quit().catch(() => undefined),
        new Promise((r) => setTimeout(r, 3000).unref()),
      ]);
      redis.disconnect();
      await tunnel.close();
    },
  };
}
