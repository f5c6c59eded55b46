/**
 * Three real Redis servers for the Dragonfly cluster `dragonfly` (Dragonfly speaks the Redis
 * protocol): dragonfly-0 primary, dragonfly-1/-2 `replicaof` it, all with `requirepass` = the
 * `dragonfly-auth` Secret's password (config files 0600; never on a command line).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { ServiceCredentials } from './credentials.js';
import { servicePorts } from './ports.js';
import { probeRedis } from './probes.js';
import { ownedDir, ownedFile, procName, serviceDir, withTimeout, type ServicesContext } from './runtime.js';

const REDIS = process.env.PV_LAB_REDIS || '/usr/bin/redis-server';
export const REDIS_PODS = ['dragonfly-0', 'dragonfly-1', 'dragonfly-2'] as const;

export async function startRedis(
  ctx: ServicesContext,
  creds: ServiceCredentials,
  index: number,
): Promise<void> {
  if (!fs.existsSync(REDIS)) {
    throw new Error(
      `${REDIS} not found: install Debian's redis-server package (apt-get install redis-server) or set PV_LAB_REDIS`,
    );
  }
  const name = REDIS_PODS[index]!;
  const ports = servicePorts().redis;
  const port = ports[index]!;
  const dir = ownedDir(serviceDir(ctx, name), undefined);
  const conf = path.join(dir, 'redis.conf');
  const pw = creds.dragonfly.password;
  ownedFile(
    conf,
    [
      '# written by lab/services/redis.ts',
      'bind 127.0.0.1',
      `port ${port}`,
      'protected-mode yes',
      'daemonize no',
      'supervised no',
      'set-proc-title no', // keep argv[0] so the pid record's cmdline check matches
      'logfile ""',
      `dir ${dir}`,
      'save ""',
      'appendonly no',
      'maxmemory 64mb',
      `requirepass ${pw}`,
      `masterauth ${pw}`,
      ...(index === 0 ? [] : [`replicaof 127.0.0.1 ${ports[0]}`]),
      '',
    ].join('\n'),
    undefined,
  );
  await ctx.procs.start({
    name: procName(name),
    command: REDIS,
    args: [conf],
    ports: [port],
    group: 'services',
    ready: async () => (await probeRedis(port, pw, 2_000)).ok,
    readyTimeoutMs: 20_000,
  });
}

export async function stopRedis(ctx: ServicesContext, index: number): Promise<void> {
  await ctx.procs.stop(procName(REDIS_PODS[index]!), 5_000);
}

/**
 * Switch every running Redis to `target` at run time (CONFIG SET requirepass/masterauth),
 * authenticating with whichever of the known passwords works. Used by dragonfly-auth-wrong
 * (target = creds.dragonfly.wrong) and its reset (target = the Secret's password).
 */
export async function setRedisPassword(
  ctx: ServicesContext,
  creds: ServiceCredentials,
  target: 'secret' | 'wrong',
) {
  const next = target === 'secret' ? creds.dragonfly.password : creds.dragonfly.wrong;
  const candidates = [creds.dragonfly.password, creds.dragonfly.wrong];
  const ports = servicePorts().redis;
  await Promise.all(
    REDIS_PODS.map(async (pod, i) => {
      if (!ctx.procs.isRunning(procName(pod))) return; // started later with the Secret's password
      let done = false;
      for (const pw of candidates) {
        const r = new Redis({
          host: '127.0.0.1',
          port: ports[i]!,
          password: pw,
          lazyConnect: true,
          connectTimeout: 2_000,
          commandTimeout: 2_000,
          maxRetriesPerRequest: 0,
          retryStrategy: () => null,
        });
        r.on('error', () => {});
        try {
          await withTimeout(r.connect(), 3_000, `${pod} connect`);
          await r.config('SET', 'masterauth', next);
          await r.config('SET', 'requirepass', next);
          done = true;
          break;
        } catch {
          /* wrong candidate: try the next one */
        } finally {
          r.disconnect();
        }
      }
      if (!done)
        throw new Error(`${pod} (127.0.0.1:${ports[i]}): none of the lab's Redis passwords is accepted`);
    }),
  );
}
