/**
 * CoreDNS (STORY-VALIDATE-NETWORKING AC2 DNS; STORY-BOOT-CORE AC2).
 *
 * Queries CoreDNS at protocol level (dns2 over TCP, through a tunnel to the kube-dns Service: a
 * port-forward carries TCP only) for `kubernetes.default.svc.cluster.local` and compares the A
 * record with the ClusterIP of Service default/kubernetes. Latency samples are attached.
 *
 * Lab: a real CoreDNS with the kubernetes plugin reading the lab apiserver sits behind the pods.
 */
import { expect } from 'vitest';
import { check } from '../../helpers/check/index.js';
import { resolveA } from '../../helpers/clients/dns.js';

import { summarize } from '../../helpers/clients/latency.js';
import { withTunnel } from '../../helpers/checks/tunnel.js';

check(
  {
    id: 'NET-DNS-001',
    title: 'CoreDNS answers kubernetes.default.svc.cluster.local with the API Service ClusterIP',
    priority: 'P1',
    component: 'coredns',
    clusters: ['infra', 'apps'],
    story: 'STORY-VALIDATE-NETWORKING',
    ac: ['AC2'],
    risks: ['TECH-004'],
    suggestedAction:
      'kubectl run -it --rm debug --image=busybox -- nslookup kubernetes.default.svc.cluster.local; CoreDNS logs',
    timeoutMs: 60_000,
  },
  async ({ cluster: k, facts, evidence }) => {
    const apiIp = (await k.core.readNamespacedService({ namespace: 'default', name: 'kubernetes' })).spec
      ?.clusterIP;
    const c = facts.coredns;
    const r = await withTunnel(
      k,
      { kind: 'Service', namespace: c.namespace, name: c.service, port: c.port },
      (t) => resolveA(t.host, t.port, c.lookup, 10),
    );
    evidence.json('dns', {
      lookup: c.lookup,
      expected: apiIp,
      answers: r.answers,
      latency: summarize(r.samplesMs),
      samplesMs: r.samplesMs,
    });
    evidence.metric('dns_lookup_avg_ms', summarize(r.samplesMs).avgMs);
    expect(r.answers, `A records of ${c.lookup}`).toEqual([apiIp]);
  },
);
