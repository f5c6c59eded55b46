// The observability queries (helpers/probes/victoria.ts) against a loopback HTTP server standing in
// for vmselect/vlselect behind a fake tunnel: the query sent, the result, and the failing shapes.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import { promQuery, recentLogLines, withoutData } from '../../../helpers/probes/victoria.js';
import { runCheck } from './check-body.js';
import { failure } from './fake-run.js';

const srv = vi.hoisted(() => ({ port: 0, status: 200, body: '', urls: [] as string[] }));
vi.mock('../../../helpers/reads/tunnel.js', () => ({
  withTunnel: async (_k: unknown, _t: unknown, fn: (t: { host: string; port: number }) => unknown) =>
    fn({ host: '127.0.0.1', port: srv.port }),
}));

let server: http.Server;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    srv.urls.push(req.url ?? '');
    res.writeHead(srv.status);
    res.end(srv.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  srv.port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const o = (): Facts['observability'] => (structuredClone(factsDefaults('infra')) as Facts).observability;
const k = {} as ClusterHandle;

describe('promQuery (OBS-VM-001/002)', () => {
  it('passes: the instant query on the metrics path, its result', async () => {
    const result = [{ metric: { __name__: 'up', cluster: 'apps' }, value: [1, '1'] }];
    srv.status = 200;
    srv.body = JSON.stringify({ status: 'success', data: { resultType: 'vector', result } });
    expect(await promQuery(k, o(), 'up{cluster="apps"}')).toEqual(result);
    expect(srv.urls.at(-1)).toBe(
      `${o().metrics.path}/api/v1/query?query=${encodeURIComponent('up{cluster="apps"}')}`,
    );
  });
  it('fails naming the query, the HTTP status and the error', async () => {
    srv.status = 422;
    srv.body = JSON.stringify({ status: 'error', error: 'unparseable query' });
    expect(await failure(promQuery(k, o(), 'up{'))).toBe('query up{: HTTP 422 unparseable query');
  });
});

describe('recentLogLines / withoutData (OBS-VL-001)', () => {
  it('passes: recent lines of the cluster only (_time filter), blank lines dropped', async () => {
    srv.status = 200;
    srv.body = '{"_msg":"a","cluster":"apps"}\n\n{"_msg":"b","cluster":"apps"}\n';
    const lines = await recentLogLines(k, o(), 'apps');
    expect(lines).toHaveLength(2);
    const q = new URL(srv.urls.at(-1)!, 'http://x').searchParams;
    // LogsQL (VictoriaLogs docs/victorialogs/LogsQL.md): `{cluster="apps"}` is a stream filter,
    // matching only when `cluster` is one of the shipper's _stream_fields; the exact field filter
    // `cluster:="apps"` matches the field on every log entry, however the streams are keyed
    expect(q.get('query')).toBe(`_time:${o().logs.freshMinutes}m cluster:="apps"`);
    expect(q.get('limit')).toBe('5');
  });
  it('OBS-VL-001 fails naming the cluster and the HTTP status; an empty answer is a cluster without data', async () => {
    srv.status = 502;
    srv.body = 'bad gateway';
    expect(await failure(recentLogLines(k, o(), 'apps'))).toBe(
      'LogsQL query for cluster apps: HTTP 502 bad gateway',
    );
    srv.status = 200;
    srv.body = '';
    const counts = { infra: 3, apps: (await recentLogLines(k, o(), 'apps')).length };
    expect(withoutData(counts)).toEqual(['apps']);
  });
});

describe('the checks on these queries (suites/observability/victoria.test.ts)', () => {
  const SUITE = 'suites/observability/victoria.test.ts';
  const vector = (result: unknown[]) =>
    JSON.stringify({ status: 'success', data: { resultType: 'vector', result } });
  it('OBS-VM-001 fails naming the clusters without up{cluster=…} series', async () => {
    srv.status = 200;
    srv.body = vector([]);
    expect(await failure(runCheck(SUITE, 'OBS-VM-001', k))).toMatch(
      /^clusters without up\{cluster=…\} series: infra, apps/,
    );
  });
  it('OBS-VM-002 fails when no dragonfly_* metric name comes back', async () => {
    srv.status = 200;
    srv.body = vector([]);
    expect(await failure(runCheck(SUITE, 'OBS-VM-002', k))).toMatch(
      /^dragonfly_\* metric names: expected \[\] to not deeply equal \[\]/,
    );
    srv.body = vector([{ metric: { __name__: 'dragonfly_uptime_in_seconds' }, value: [1, '3'] }]);
    await runCheck(SUITE, 'OBS-VM-002', k);
  });
});
