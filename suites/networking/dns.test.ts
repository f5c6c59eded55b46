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
import { coreDnsLookup } from '../../helpers/probes/dns.js';

check(
  {
    id: 'NET-DNS-001',
    title: 'CoreDNS answers kubernetes.default.svc.cluster.local with the API Service ClusterIP',
    priority: 'P1',
    component: 'coredns',
    ac: ['AC2.16'],
    clusters: ['infra', 'apps'],
    story: 'STORY-VALIDATE-NETWORKING',
    suggestedAction:
      'kubectl run -it --rm debug --image=busybox -- nslookup kubernetes.default.svc.cluster.local; CoreDNS logs',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence }) => {
    const api = await cluster.core.readNamespacedService({ namespace: 'default', name: 'kubernetes' });
    const apiIp = api.spec?.clusterIP;
    const answers = await coreDnsLookup(cluster, facts.coredns, apiIp, evidence);
    expect(answers, `A records of ${facts.coredns.lookup}`).toEqual([apiIp]);
  },
);
