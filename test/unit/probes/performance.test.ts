// The performance measurements (helpers/probes/performance.ts) on fakes: DNS samples from a fake
// resolver behind a fake tunnel; HTTP through the Gateway with the Gateway read from a recorded
// object and curl's answers faked. Passing and failing shapes as the suite's assertions see them.
import { describe, expect, it, vi } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import type { GatewayHttpSample } from '../../../helpers/reads/gateway-http.js';
import { dnsLatency, httpErrors, httpLatencyThroughGateway } from '../../../helpers/probes/performance.js';
import { failure, fakeEvidence, fakeRun } from './fake-run.js';

const fake = vi.hoisted(() => ({
  dnsMs: [] as number[],
  answers: [] as GatewayHttpSample[] | Error,
  curled: [] as string[],
}));
vi.mock('../../../helpers/reads/tunnel.js', () => ({
  withTunnel: async (_k: unknown, _t: unknown, fn: (t: { host: string; port: number }) => unknown) =>
    fn({ host: '127.0.0.1', port: 15353 }),
}));
vi.mock('../../../helpers/clients/dns.js', () => ({
  resolveA: async () => ({ samplesMs: fake.dnsMs, answers: ['10.0.0.1'] }),
}));
vi.mock('../../../helpers/reads/gateway-http.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  deployHttpClient: async () => undefined,
  curlTimings: async (_k: unknown, _ns: string, _pod: string, url: string) => {
    fake.curled.push(url);
    if (fake.answers instanceof Error) throw fake.answers;
    return fake.answers;
  },
}));

const facts = (): Facts => structuredClone(factsDefaults('apps')) as Facts;

describe('dnsLatency (PERF-DNS-001)', () => {
  it('passes under the target, fails naming the average and the target; samples attached', async () => {
    const f = facts();
    fake.dnsMs = [1, 2, 3];
    const { evidence, attached } = fakeEvidence();
    const s = await dnsLatency({} as ClusterHandle, f, evidence);
    expect(s).toMatchObject({ samples: 3, avgMs: 2 });
    expect(attached['dns-latency']).toMatchObject({ lookup: f.coredns.lookup, samplesMs: [1, 2, 3] });
    fake.dnsMs = [f.performance.dnsAvgMs * 2];
    const slow = await dnsLatency({} as ClusterHandle, f, fakeEvidence().evidence);
    const target = f.performance.dnsAvgMs;
    const msg = await failure(() =>
      expect(slow.avgMs, `DNS average over ${slow.samples} queries (target < ${target} ms)`).toBeLessThan(
        target,
      ),
    );
    expect(msg).toContain(
      `DNS average over 1 queries (target < ${target} ms): expected ${target * 2} to be less than ${target}`,
    );
  });
});

describe('httpLatencyThroughGateway / httpErrors (PERF-HTTP-001)', () => {
  const cluster = (address: string | undefined, deleted: string[]) =>
    ({
      custom: {
        getNamespacedCustomObject: async () => ({
          status: { addresses: address ? [{ value: address }] : [] },
        }),
      },
      core: { deleteNamespacedPod: async ({ name }: { name: string }) => void deleted.push(name) },
    }) as unknown as ClusterHandle;
  it('passes: 2xx/3xx answers from the Gateway’s address; the client pod is deleted', async () => {
    fake.answers = [
      { status: 200, ms: 3 },
      { status: 301, ms: 5 },
    ];
    const deleted: string[] = [];
    const { run } = fakeRun();
    const { evidence, attached } = fakeEvidence();
    const r = await httpLatencyThroughGateway(cluster('10.0.5.1', deleted), facts(), run, evidence);
    expect(r.url).toBe('http://10.0.5.1:80/');
    expect(r.summary).toMatchObject({ samples: 2 });
    expect(httpErrors(r.answers)).toEqual({ count: 0, statuses: '' });
    expect(attached['http-latency']).toMatchObject({ url: r.url, statuses: [200, 301], samplesMs: [3, 5] });
    expect(deleted).toEqual([run.name('pv-http')]);
  });
  it('fails counting no answer, 4xx and 5xx (the Gateway’s own 404 included)', () => {
    const answers = [
      { status: 200, ms: 1 },
      { status: 404, ms: 1 },
      { status: 0, ms: 5000 },
      { status: 503, ms: 2 },
      { status: 404, ms: 1 },
    ];
    expect(httpErrors(answers)).toEqual({ count: 4, statuses: '404, no answer, 503' });
  });
  it('brackets an IPv6 address; deletes the pod when curl gives up; names a Gateway without address', async () => {
    fake.answers = new Error('curl x3: exit 7, 1/3 answers');
    const deleted: string[] = [];
    const { run } = fakeRun();
    const msg = await failure(
      httpLatencyThroughGateway(cluster('fd00::5', deleted), facts(), run, fakeEvidence().evidence),
    );
    expect(msg).toBe('curl x3: exit 7, 1/3 answers');
    expect(fake.curled.at(-1)).toBe('http://[fd00::5]:80/');
    expect(deleted).toEqual([run.name('pv-http')]);
    const f = facts();
    expect(
      await failure(httpLatencyThroughGateway(cluster(undefined, []), f, run, fakeEvidence().evidence)),
    ).toBe(
      `Gateway ${f.gateway.gateway.namespace}/${f.gateway.gateway.name} reports no address in status.addresses`,
    );
  });
});
