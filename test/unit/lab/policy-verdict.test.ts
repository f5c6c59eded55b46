// The lab datapath's NetworkPolicy verdict (lab/cluster/policy-verdict.ts) on the upstream
// semantics: what selects a pod, what a rule admits, Service IPs, and cilium-config's enable-policy.
import type { V1NetworkPolicy, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { policyMode, policyVerdict, type PolicyWorld } from '../../../lab/cluster/policy-verdict.js';

const pod = (namespace: string, name: string, ip: string, labels: Record<string, string> = {}): V1Pod => ({
  metadata: { namespace, name, labels },
  spec: { containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
  status: { podIP: ip },
});
const np = (namespace: string, name: string, spec: V1NetworkPolicy['spec']): V1NetworkPolicy => ({
  metadata: { namespace, name },
  spec,
});

const server = pod('t', 'server', '10.1.0.1', { role: 'server' });
const allowed = pod('t', 'allowed', '10.1.0.2', { role: 'allowed' });
const other = pod('t', 'other', '10.1.0.3', { role: 'other' });
const outsider = pod('u', 'outsider', '10.1.0.4', { role: 'allowed' });
const world = (policies: V1NetworkPolicy[], mode: PolicyWorld['mode'] = 'default'): PolicyWorld => ({
  mode,
  pods: [server, allowed, other, outsider],
  services: [
    {
      metadata: { namespace: 't', name: 'svc' },
      spec: {
        clusterIP: '10.96.0.5',
        selector: { role: 'server' },
        ports: [{ port: 80, targetPort: 'http' as never }],
      },
    },
  ],
  namespaces: [
    { metadata: { name: 't', labels: { 'kubernetes.io/metadata.name': 't' } } },
    { metadata: { name: 'u', labels: { 'kubernetes.io/metadata.name': 'u', team: 'u' } } },
  ],
  policies,
});
const denyAll = np('t', 'deny', { podSelector: {}, policyTypes: ['Ingress'] });
const allowFromAllowed = np('t', 'allow', {
  podSelector: { matchLabels: { role: 'server' } },
  policyTypes: ['Ingress'],
  ingress: [
    { _from: [{ podSelector: { matchLabels: { role: 'allowed' } } }], ports: [{ port: 'http' as never }] },
  ],
});

describe('lab NetworkPolicy verdict', () => {
  it('no policy selects the destination: allowed (enable-policy default)', () => {
    expect(policyVerdict(world([]), 't/other', '10.1.0.1', 8080).allowed).toBe(true);
  });
  it('deny-all plus an exception: only the exception passes, on its port, from its namespace', () => {
    const w = world([denyAll, allowFromAllowed]);
    expect(policyVerdict(w, 't/allowed', '10.1.0.1', 8080)).toMatchObject({ allowed: true });
    expect(policyVerdict(w, 't/other', '10.1.0.1', 8080)).toEqual({
      allowed: false,
      reason: 'ingress of t/server:8080 from t/other denied (deny, allow)',
    });
    expect(policyVerdict(w, 't/allowed', '10.1.0.1', 9090).allowed).toBe(false);
    // a podSelector alone means the policy's own namespace
    expect(policyVerdict(w, 'u/outsider', '10.1.0.1', 8080).allowed).toBe(false);
  });
  it('a namespaceSelector admits the pods of the namespaces it matches', () => {
    const w = world([
      np('t', 'from-u', {
        podSelector: {},
        ingress: [
          { _from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'Exists' }] } }] },
        ],
      }),
    ]);
    expect(policyVerdict(w, 'u/outsider', '10.1.0.1', 8080).allowed).toBe(true);
    expect(policyVerdict(w, 't/other', '10.1.0.1', 8080).allowed).toBe(false);
  });
  it('a Service IP is judged on its backends and the target port', () => {
    const w = world([denyAll, allowFromAllowed]);
    expect(policyVerdict(w, 't/allowed', '10.96.0.5', 80).allowed).toBe(true);
    expect(policyVerdict(w, 't/other', '10.96.0.5', 80).allowed).toBe(false);
  });
  it('egress: a policy with Egress type and no rules denies everything from the pods it selects', () => {
    const w = world([
      np('t', 'no-egress', { podSelector: { matchLabels: { role: 'other' } }, policyTypes: ['Egress'] }),
    ]);
    expect(policyVerdict(w, 't/other', '10.1.0.1', 8080).reason).toMatch(/egress of t\/other/);
    expect(policyVerdict(w, 't/allowed', '10.1.0.1', 8080).allowed).toBe(true);
  });
  it('enable-policy: never enforces nothing, always denies what no policy selects', () => {
    expect(policyVerdict(world([denyAll], 'never'), 't/other', '10.1.0.1', 8080).allowed).toBe(true);
    expect(policyVerdict(world([], 'always'), 't/other', '10.1.0.1', 8080).allowed).toBe(false);
    expect(policyMode(undefined)).toBe('default');
    expect(() => policyMode('off')).toThrow(/enable-policy: 'off' is not one of default, always, never/);
  });
  it('a source that is no pod of the cluster is not policed', () => {
    expect(policyVerdict(world([denyAll]), 'x/gone', '10.1.0.1', 8080).allowed).toBe(true);
  });
  it('an IP KWOK gave twice: the served holder is the destination', () => {
    const twin = pod('v', 'old', '10.1.0.1', { role: 'old' });
    const w = { ...world([denyAll, allowFromAllowed]), pods: [twin, server, allowed, other] };
    expect(policyVerdict({ ...w, served: (p) => p === server }, 't/other', '10.1.0.1', 8080).allowed).toBe(
      false,
    );
    // no served holder, treated differently: no verdict (neither a pass nor a drop is the truth)
    expect(policyVerdict(w, 't/other', '10.1.0.1', 8080)).toMatchObject({ allowed: false, ambiguous: true });
    expect(policyVerdict(w, 't/other', '10.1.0.1', 8080).reason).toMatch(
      /held by 2 pods \(v\/old, t\/server; KWOK/,
    );
    // treated alike: that verdict
    expect(policyVerdict(world([]), 't/other', '10.1.0.1', 8080).allowed).toBe(true);
  });
});
