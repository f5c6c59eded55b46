/**
 * NetworkPolicy is enforced: a deny-all and an allow exception do what they say
 * (STORY-VALIDATE-NETWORKING AC2.22). The catalogue cannot place pods in the platform's tenant
 * namespaces, so it proves the CNI's enforcement of the pattern on its own pods: the tenant
 * policies themselves are DB-DRAGONFLY-005/006's (Dragonfly) concern.
 *
 * Writes: in the run's namespace only, three netexec pods and two NetworkPolicies selecting them
 * alone (never the other checks' pods there); both removed afterwards.
 * Lab: the simulated datapath enforces NetworkPolicy (lab/cluster/policy-verdict.ts).
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { denyAllWithException } from '../../helpers/probes/network-policy.js';

const policy = suite({
  component: 'cilium',
  clusters: ['infra', 'apps'],
  story: 'STORY-VALIDATE-NETWORKING',
  timeoutMs: 150_000,
});

policy.check(
  {
    id: 'NET-POLICY-001',
    title: 'a deny-all NetworkPolicy drops and its allow exception admits, in the run namespace',
    priority: 'P1',
    ac: ['AC2.22'],
    requires: {
      'cilium.enforcesNetworkPolicy': 'the CNI does not enforce NetworkPolicy here; enforcement not tested',
    },
    suggestedAction:
      'kubectl -n kube-system get cm cilium-config -o jsonpath={.data.enable-policy} (default or always); cilium-dbg policy get / cilium-dbg endpoint list (policy enforcement per endpoint); hubble observe --verdict DROPPED -n <run namespace>',
  },
  async ({ cluster, facts, run, evidence }) => {
    const r = await denyAllWithException(cluster, facts, run, evidence);
    expect(r.control.length, 'control connections made').toBe(2);
    expect(r.problems, `NetworkPolicy not enforced as written: ${r.problems.join(' | ')}`).toEqual([]);
  },
);
