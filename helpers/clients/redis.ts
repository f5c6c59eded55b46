// Redis protocol (Redis, Dragonfly) over host/port (a tunnel's 127.0.0.1 end, or a direct address),
// with ioredis. No reconnect loops: a check fails fast. The password is registered for redaction
// where it is read (readSecretValue).
import type { Redis } from 'ioredis';
import { lazy } from '../lazy.js';

const ioredis = lazy<typeof import('ioredis')>('ioredis');

/**
 * A Redis-protocol client that never retries on its own; `connectRedis` turns a failed connect into
 * an error naming the server's reason (e.g. WRONGPASS) instead of ioredis' generic "Connection is closed".
 */
export function redisClient(o: { host: string; port: number; password: string; timeoutMs?: number }): Redis {
  const r = new (ioredis().Redis)({
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

/** Connect and PING; a failure names `where` and the server's reason. */
export async function connectRedis(r: Redis, where: string): Promise<void> {
  try {
    await r.connect();
    await r.ping();
  } catch (e) {
    const cause = (r as Redis & { lastError?: Error }).lastError ?? (e as Error);
    throw new Error(`Redis protocol at ${where}: ${cause.message}`, { cause: e });
  }
}
