/**
 * The lab's metrics/logs backend and Gateway data plane answer real clients:
 * - PromQL through a tunnel to infra's Service observability/vmselect-victoria-metrics:8481 at
 *   vmselect's cluster path (/select/0/prometheus) -> real VictoriaMetrics;
 * - a Redis change shows up in the scraped dragonfly_* series;
 * - a PostgreSQL log line caused by this test shows up in VictoriaLogs (LogsQL through a tunnel
 *   to vlselect-victoria-logs:9471) with its cluster/namespace/pod stream;
 * - nginx (the Gateway's stand-in for Envoy) proxies to the backend per cluster.
 * Needs the lab up (`pnpm lab up`).   npx vitest run --project lab test/lab/lab/observability.test.ts
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import { closeAllTunnels, openTunnel, type Tunnel } from '../../../helpers/tunnel/index.js';
import { labPaths } from '../../../lab/core/paths.js';
import { createProcessManager } from '../../../lab/core/process.js';
import { loadCredentials } from '../../../lab/services/credentials.js';
import { servicePorts } from '../../../lab/services/ports.js';
import { procName } from '../../../lab/services/runtime.js';
import { labCluster } from '../framework/lab.js';

const paths = labPaths();
const procs = createProcessManager(paths.run, paths.logs);
const P = servicePorts();
const marker = `pvobs_${randomBytes(4).toString('hex')}`;
let infra: ClusterHandle;
let vm: Tunnel;
let vl: Tunnel;

beforeAll(async () => {
  const missing = ['victoria-metrics', 'victoria-logs', 'vmalert', 'telemetry-agent', 'gateway-nginx'].filter(
    (n) => !procs.isRunning(procName(n)),
  );
  if (missing.length)
    throw new Error(`lab services not running: ${missing.join(', ')} (run \`pnpm lab up\`)`);
  infra = await labCluster('infra');
  vm = await openTunnel(infra, {
    kind: 'Service',
    namespace: 'observability',
    name: 'vmselect-victoria-metrics',
    port: 8481,
  });
  vl = await openTunnel(infra, {
    kind: 'Service',
    namespace: 'observability',
    name: 'vlselect-victoria-logs',
    port: 9471,
  });
}, 60_000);

afterAll(async () => {
  await closeAllTunnels();
});

interface PromVector {
  status: string;
  data: { result: { metric: Record<string, string>; value: [number, string] }[] };
}

async function promQuery(query: string): Promise<PromVector['data']['result']> {
  const r = await request(
    `http://${vm.host}:${vm.port}/select/0/prometheus/api/v1/query?query=${encodeURIComponent(query)}`,
    { headersTimeout: 10_000, bodyTimeout: 10_000 },
  );
  const body = (await r.body.json()) as PromVector;
  expect(r.statusCode, `PromQL ${query}`).toBe(200);
  expect(body.status).toBe('success');
  return body.data.result;
}

async function logsQuery(query: string, limit = 20): Promise<Record<string, string>[]> {
  const r = await request(
    `http://${vl.host}:${vl.port}/select/logsql/query?query=${encodeURIComponent(query)}&limit=${limit}`,
    { headersTimeout: 10_000, bodyTimeout: 10_000 },
  );
  const text = await r.body.text();
  expect(r.statusCode, `LogsQL ${query}: ${text.slice(0, 200)}`).toBe(200);
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, string>);
}

/** poll (bounded) until check() returns a value */
async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2_000));
  }
}

describe('VictoriaMetrics behind vmselect (through the infra apiserver)', () => {
  it(
    'answers vmselect cluster-path PromQL with scraped up series of both clusters',
    { timeout: 120_000 },
    async () => {
      const jobs = async (c: string) =>
        (await promQuery('up'))
          .filter((s) => s.metric.cluster === c && s.value[1] === '1')
          .map((s) => s.metric.job)
          .sort();
      // both lab kube-apiservers are scraped for real (client cert) and healthy. Polled over three
      // 15 s scrape intervals: a test just before may have run a fault scenario (dragonfly-auth-wrong
      // changes the Redis password), and until the next scrape the latest `up` is that failure's 0.
      const poll = { timeout: 45_000, interval: 2_000 };
      await expect
        .poll(() => jobs('infra'), poll)
        .toEqual(expect.arrayContaining(['kube-apiserver-infra', 'victoria-metrics']));
      await expect
        .poll(() => jobs('apps'), poll)
        .toEqual(expect.arrayContaining(['kube-apiserver-apps', 'dragonfly']));
      const reqs = await promQuery('sum by (cluster) (apiserver_request_total)');
      expect(reqs.map((s) => s.metric.cluster).sort()).toEqual(['apps', 'infra']);
    },
  );

  it(
    'real vmalert evaluates the lab rules and writes ALERTS back: the Watchdog fires, no TargetDown on a healthy lab',
    { timeout: 90_000 },
    async () => {
      const firing = async () =>
        (await promQuery('last_over_time(ALERTS{alertstate="firing"}[45s])'))
          .map((s) => s.metric.alertname)
          .sort();
      await expect.poll(firing, { timeout: 60_000, interval: 2_000 }).toContain('Watchdog');
      // a fault scenario just before may have left a target down until its next scrape
      await expect.poll(firing, { timeout: 60_000, interval: 2_000 }).not.toContain('TargetDown');
    },
  );

  it('rejects a bad query with the Prometheus error shape', async () => {
    const r = await request(
      `http://${vm.host}:${vm.port}/select/0/prometheus/api/v1/query?query=${encodeURIComponent('up{')}`,
      { headersTimeout: 10_000, bodyTimeout: 10_000 },
    );
    const body = (await r.body.json()) as { status: string; errorType?: string };
    expect(r.statusCode).toBe(422);
    expect(body.status).toBe('error');
  });

  it('dragonfly_db_keys follows a real key written to dragonfly-0', { timeout: 90_000 }, async () => {
    const q = 'dragonfly_db_keys{cluster="apps",pod="dragonfly-0"}';
    // scraped at all first (see above: a fault scenario just before may have failed the last scrape)
    await eventually(
      `${q} has a value`,
      async () => {
        const v = Number((await promQuery(q))[0]?.value[1] ?? NaN);
        return Number.isFinite(v) ? v : undefined;
      },
      45_000,
    );
    const redis = new Redis({
      host: '127.0.0.1',
      port: P.redis[0],
      password: loadCredentials(paths.root).dragonfly.password,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    await redis.connect();
    const keys = Array.from({ length: 5 }, (_, i) => `${marker}:${i}`);
    try {
      await redis.mset(...keys.flatMap((k) => [k, '1']));
      // the real count now: the last sample may be stale (a key deleted since the last scrape)
      const want = await redis.dbsize();
      expect(want, 'DBSIZE counts our keys').toBeGreaterThanOrEqual(5);
      const seen = await eventually(
        `${q} == ${want} (DBSIZE after writing 5 keys)`,
        async () => {
          const v = Number((await promQuery(q))[0]?.value[1] ?? NaN);
          return v === want ? v : undefined;
        },
        60_000,
      );
      expect(seen).toBe(want);
    } finally {
      await redis.del(...keys);
      redis.disconnect();
    }
  });
});

describe('VictoriaLogs behind vlselect (through the infra apiserver)', () => {
  it('has log streams of both clusters with cluster/namespace/pod fields', async () => {
    for (const c of ['infra', 'apps']) {
      const lines = await logsQuery(`{cluster="${c}"}`, 5);
      expect(lines.length, `lines for cluster ${c}`).toBeGreaterThan(0);
      for (const l of lines) {
        expect(l.cluster).toBe(c);
        expect(l.namespace).toBeTruthy();
        expect(l.pod).toBeTruthy();
        expect(l._stream).toContain(`cluster="${c}"`);
      }
    }
  });

  it('ships a PostgreSQL log line this test causes, under its pod', { timeout: 60_000 }, async () => {
    // a failed login is logged by the real primary: FATAL ... for user "<marker>"
    const client = new pg.Client({
      host: '127.0.0.1',
      port: P.postgres[0],
      user: marker,
      password: 'not-the-password',
      database: 'postgres',
      connectionTimeoutMillis: 5_000,
    });
    await expect(client.connect()).rejects.toThrow();
    await client.end().catch(() => undefined);
    const hit = await eventually(
      `log line with ${marker}`,
      async () => {
        const l = await logsQuery(
          `{cluster="apps",namespace="cnpg-system",pod="shared-postgres-1"} "${marker}"`,
        );
        return l.length ? l : undefined;
      },
      45_000,
    );
    expect(hit[0]!._msg).toContain(marker);
    expect(fs.readFileSync(procs.logFile(procName('shared-postgres-1')), 'utf8')).toContain(hit[0]!._msg);
  });
});

describe('Gateway data plane (nginx standing in for Envoy)', () => {
  it('proxies each cluster gateway to the HTTP backend over kept-alive upstreams', async () => {
    for (const c of ['infra', 'apps'] as const) {
      const r = await request(`http://127.0.0.1:${P.gateway[c]}/probe?x=1`, {
        headersTimeout: 5_000,
        bodyTimeout: 5_000,
      });
      const body = (await r.body.json()) as Record<string, string>;
      expect(r.statusCode).toBe(200);
      expect(body).toMatchObject({ backend: 'lab-http-backend', gateway: `${c}-gateway`, uri: '/probe?x=1' });
    }
  });
});
