// CoreDNS at protocol level (NET-DNS-001): dns2 over TCP through a tunnel to the Service (a
// port-forward carries TCP only), several samples on one connection so the latency is attached too.
import type { Facts } from '../config/index.js';
import type { CheckEvidence } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { resolveA } from '../clients/dns.js';
import { summarize } from '../clients/latency.js';
import { withTunnel } from '../reads/tunnel.js';

/**
 * The A records CoreDNS (facts.coredns) answers for its lookup, 10 samples; attaches the answers next
 * to `expected` with the latency, and the average as metric dns_lookup_avg_ms.
 */
export async function coreDnsLookup(
  k: ClusterHandle,
  c: Facts['coredns'],
  expected: string | undefined,
  evidence: CheckEvidence,
): Promise<string[]> {
  const r = await withTunnel(
    k,
    { kind: 'Service', namespace: c.namespace, name: c.service, port: c.port },
    (t) => resolveA(t.host, t.port, c.lookup, 10),
  );
  evidence.json('dns', {
    lookup: c.lookup,
    expected,
    answers: r.answers,
    latency: summarize(r.samplesMs),
    samplesMs: r.samplesMs,
  });
  evidence.metric('dns_lookup_avg_ms', summarize(r.samplesMs).avgMs);
  return r.answers;
}
