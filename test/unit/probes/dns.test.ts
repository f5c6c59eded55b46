// coreDnsLookup (helpers/probes/dns.ts): asks CoreDNS's Service through a tunnel and attaches the
// answers next to the expected address with the latency; the tunnel and the resolver are faked.
import { describe, expect, it, vi } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { CheckEvidence } from '../../../helpers/check/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import { resolveA } from '../../../helpers/clients/dns.js';
import { withTunnel } from '../../../helpers/reads/tunnel.js';
import { coreDnsLookup } from '../../../helpers/probes/dns.js';

vi.mock('../../../helpers/reads/tunnel.js', () => ({
  withTunnel: vi.fn(async (_k: unknown, _t: unknown, fn: (t: { host: string; port: number }) => unknown) =>
    fn({ host: '127.0.0.1', port: 1053 }),
  ),
}));
vi.mock('../../../helpers/clients/dns.js', () => ({ resolveA: vi.fn() }));

function fakeEvidence() {
  const attached: Record<string, unknown> = {};
  const evidence = {
    json: (n: string, v: unknown) => (attached[n] = v),
    metric: (n: string, v: number) => (attached[`metric ${n}`] = v),
  };
  return { evidence: evidence as unknown as CheckEvidence, attached };
}

const coredns = (structuredClone(factsDefaults('infra')) as Facts).coredns;
const k = { name: 'infra' } as unknown as ClusterHandle;

describe('coreDnsLookup', () => {
  it('returns the A records and attaches them with the expected address and the latency', async () => {
    vi.mocked(resolveA).mockResolvedValue({ answers: ['10.96.0.1'], samplesMs: [1, 2, 3] } as never);
    const { evidence, attached } = fakeEvidence();
    expect(await coreDnsLookup(k, coredns, '10.96.0.1', evidence)).toEqual(['10.96.0.1']);
    expect(vi.mocked(withTunnel).mock.calls[0]![1]).toEqual({
      kind: 'Service',
      namespace: coredns.namespace,
      name: coredns.service,
      port: coredns.port,
    });
    expect(vi.mocked(resolveA)).toHaveBeenCalledWith('127.0.0.1', 1053, coredns.lookup, 10);
    expect(attached.dns).toMatchObject({
      lookup: coredns.lookup,
      expected: '10.96.0.1',
      answers: ['10.96.0.1'],
    });
    expect(attached['metric dns_lookup_avg_ms']).toBe(2);
  });
  it('a wrong answer is seen next to the expected one', async () => {
    vi.mocked(resolveA).mockResolvedValue({ answers: ['10.96.0.99'], samplesMs: [1] } as never);
    const { evidence, attached } = fakeEvidence();
    const answers = await coreDnsLookup(k, coredns, '10.96.0.1', evidence);
    expect(attached.dns).toMatchObject({ expected: '10.96.0.1', answers: ['10.96.0.99'] });
    // the check's assertion, as the suite writes it: the message names the lookup, the diff both IPs
    expect(() => expect(answers, `A records of ${coredns.lookup}`).toEqual(['10.96.0.1'])).toThrow(
      new RegExp(`A records of ${coredns.lookup.replace(/\./g, '\\.')}`),
    );
  });
});
