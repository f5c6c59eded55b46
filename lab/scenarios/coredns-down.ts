import type { Scenario } from './types.js';

/** infra's CoreDNS process is stopped and its pods crash-loop. */
export const corednsDown: Scenario = {
  name: 'coredns-down',
  summary:
    'infra: the CoreDNS process behind kube-system/kube-dns is stopped; both coredns pods are not Ready (CrashLoopBackOff)',
  expect:
    'infra: the CoreDNS ready-replicas-vs-cluster-settings check, the DNS lookup/latency checks, the CrashLoopBackOff check (the coredns pods) and the PodDisruptionBudget check (coredns: 0 healthy of 1 required) fail; apps DNS and everything else pass',
  faults: { corednsDown: ['infra'] },
  services: { stopped: ['coredns-infra'] },
};
