// NET-POLICY-001 (helpers/probes/network-policy.ts): the policies select only the probe's pods, and
// a round passes only when the exception admits and the deny-all drops (a timeout, not a refusal).
import { describe, expect, it } from 'vitest';
import { probePolicies, roundProblems, type NcResult } from '../../../helpers/probes/network-policy.js';

const r = (from: string, exitCode: number, output = ''): NcResult => ({
  from,
  to: 'pv-np-server 10.1.0.1:8080',
  exitCode,
  output,
});
const TIMEOUT = 'nc: connect to 10.1.0.1 port 8080 (tcp) timed out: Operation now in progress';

describe('NET-POLICY-001 deny-all with an allow exception', () => {
  it('both policies select only the probe pods, the exception only its port from the allowed client', () => {
    const [deny, allow] = probePolicies('pv-run-x', 'np-x', 8080);
    expect(deny!.spec).toEqual({
      podSelector: { matchLabels: { 'platform-validation/np-probe': 'np-x' } },
      policyTypes: ['Ingress'],
    });
    expect(allow!.spec!.ingress).toEqual([
      {
        _from: [
          {
            podSelector: {
              matchLabels: {
                'platform-validation/np-probe': 'np-x',
                'platform-validation/np-role': 'allowed',
              },
            },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
  });
  it('a round where the exception admits and the deny-all drops has no problem', () => {
    expect(roundProblems([r('pv-np-allowed', 0), r('pv-np-other', 1, TIMEOUT)])).toEqual([]);
  });
  it('NET-POLICY-001 fails when the deny-all is not enforced, refuses instead of dropping, or the exception is blocked', () => {
    expect(roundProblems([r('pv-np-allowed', 0), r('pv-np-other', 0, 'succeeded!')])).toEqual([
      'deny-all did not drop pv-np-other -> pv-np-server 10.1.0.1:8080: exit 0 succeeded!',
    ]);
    expect(roundProblems([r('pv-np-allowed', 0), r('pv-np-other', 1, 'Connection refused')])).toEqual([
      'deny-all: no drop (a drop times out) for pv-np-other -> pv-np-server 10.1.0.1:8080: exit 1 Connection refused',
    ]);
    expect(roundProblems([r('pv-np-allowed', 1, TIMEOUT), r('pv-np-other', 1, TIMEOUT)])).toEqual([
      `the allow exception did not admit pv-np-allowed -> pv-np-server 10.1.0.1:8080: exit 1 ${TIMEOUT}`,
    ]);
  });
});
