// `pnpm gate --push-metrics`: the run's series as Prometheus text, POSTed to a loopback receiver.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRun, type CaseSpec } from './builder.js';
import { gatePushing, tmp } from './helpers.js';

let server: Server;
let url = '';
const bodies: { path: string; type: string; body: string }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      bodies.push({ path: req.url ?? '', type: String(req.headers['content-type']), body });
      res.statusCode = req.url?.includes('refuse') ? 400 : 204;
      res.end(req.url?.includes('refuse') ? 'cannot parse line' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function run(runId: string, cases: CaseSpec[]) {
  const root = tmp();
  return { dir: writeRun(join(root, 'evidence'), { runId, cases }), gates: join(root, 'gates') };
}

/** value of the sample whose name and labels (a subset) match */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const ls = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => ls[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('pnpm gate --push-metrics', () => {
  it('pushes per check x cluster status, duration, attempts, value/target and the decision', async () => {
    const r = run('20261204T020000Z-0000m1', [
      { id: 'NET-A-001', priority: 'P0', cluster: 'infra', time: 1.5 },
      {
        id: 'PERF-DNS-001',
        priority: 'P1',
        cluster: 'apps',
        attempts: 2,
        metrics: { p95_ms: [12, 50] },
      },
      {
        id: 'DB-PG-001',
        priority: 'P0',
        cluster: 'apps',
        outcome: 'failed',
        message: 'password=hunter2hunter2 refused',
      },
    ]);
    const res = await gatePushing(r.dir, r.gates, `${url}/metrics/job/pv`);
    expect(res.code).toBe(1);
    expect(res.stdout).toMatch(/metrics: \d+ samples pushed/);
    const got = bodies.at(-1)!;
    expect(got.path).toBe('/metrics/job/pv');
    expect(got.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const t = got.body;
    expect(sample(t, 'pv_check_status', { check: 'NET-A-001', cluster: 'infra', status: 'passed' })).toBe(1);
    expect(sample(t, 'pv_check_status', { check: 'NET-A-001', cluster: 'infra', status: 'failed' })).toBe(0);
    expect(sample(t, 'pv_check_status', { check: 'DB-PG-001', cluster: 'apps', status: 'failed' })).toBe(1);
    expect(sample(t, 'pv_check_duration_seconds', { check: 'NET-A-001', cluster: 'infra' })).toBe(1.5);
    expect(sample(t, 'pv_check_attempts', { check: 'PERF-DNS-001' })).toBe(2);
    expect(sample(t, 'pv_check_measured_value', { check: 'PERF-DNS-001', metric: 'p95_ms' })).toBe(12);
    expect(sample(t, 'pv_check_target_value', { check: 'PERF-DNS-001', metric: 'p95_ms' })).toBe(50);
    expect(sample(t, 'pv_check_last_pass_timestamp_seconds', { check: 'NET-A-001' })).toBeGreaterThan(1.7e9);
    expect(sample(t, 'pv_check_last_pass_timestamp_seconds', { check: 'DB-PG-001' })).toBeUndefined();
    expect(sample(t, 'pv_gate_decision', { decision: 'FAIL' })).toBe(1);
    expect(sample(t, 'pv_gate_decision', { decision: 'PASS' })).toBe(0);
    expect(sample(t, 'pv_run_info', { run_id: '20261204T020000Z-0000m1' })).toBeGreaterThan(1.7e9);
    // messages never become labels
    expect(t).not.toContain('hunter2');
  });

  it("a failed check's last pass comes from the newest earlier run it passed in", async () => {
    const root = tmp();
    const ev = join(root, 'evidence');
    const check = { id: 'DB-PG-001', priority: 'P0' as const, cluster: 'apps' };
    writeRun(ev, { runId: '20261201T020000Z-0000h1', startedAt: '2026-12-01T02:00:00Z', cases: [check] });
    writeRun(ev, {
      runId: '20261202T020000Z-0000h2',
      startedAt: '2026-12-02T02:00:00Z',
      cases: [{ ...check, outcome: 'failed', message: 'x' }],
    });
    const dir = writeRun(ev, {
      runId: '20261203T020000Z-0000h3',
      startedAt: '2026-12-03T02:00:00Z',
      cases: [{ ...check, outcome: 'failed', message: 'y' }],
    });
    const res = await gatePushing(dir, join(root, 'gates'), url);
    expect(res.code).toBe(1);
    const t = bodies.at(-1)!.body;
    expect(sample(t, 'pv_check_last_pass_timestamp_seconds', { check: 'DB-PG-001' })).toBe(
      Date.parse('2026-12-01T02:00:00Z') / 1000,
    );
  });

  it('a refused push is a warning naming the endpoint; the decision and exit code stand', async () => {
    const r = run('20261204T020000Z-0000m2', [{ id: 'NET-A-001', priority: 'P0' }]);
    const res = await gatePushing(
      r.dir,
      r.gates,
      `http://user:pw1234@127.0.0.1:${new URL(url).port}/refuse?token=pw5678`,
    );
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(
      /metrics push to http:\/\/127\.0\.0\.1:\d+\/refuse: HTTP 400 cannot parse line/,
    );
    expect(res.stderr).not.toMatch(/pw1234|pw5678/);
  });

  it('a URL that is not http(s) is bad input (exit 3), nothing written', async () => {
    const r = run('20261204T020000Z-0000m3', [{ id: 'NET-A-001', priority: 'P0' }]);
    const res = await gatePushing(r.dir, r.gates, 'ftp://x');
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/--push-metrics ftp:\/\/x: expected an http\(s\) URL/);
    expect(existsSync(r.gates)).toBe(false);
  });
});
