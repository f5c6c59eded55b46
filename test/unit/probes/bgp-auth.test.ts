// NET-BGP-002 (helpers/probes/bgp.ts peerAuthProblems): peers -> peer configs -> authSecretRef -> the
// operator's MissingAuthSecret condition, on the shapes Cilium 1.18 writes (operator/pkg/bgpv2/peer.go).
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../../helpers/check/index.js';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import { bgpPeersAuthenticated, peerAuthProblems } from '../../../helpers/probes/bgp.js';
import type { KObject } from '../../../helpers/reads/k8s.js';
import { runCheck } from './check-body.js';
import { failure, fakeEvidence } from './fake-run.js';

const FILE = 'suites/networking/bgp.test.ts';
const clusterConfig: KObject = {
  metadata: { name: 'infra-bgp' },
  spec: {
    bgpInstances: [
      {
        name: 'instance-64512',
        peers: [
          {
            name: 'upstream-router',
            peerASN: 64501,
            peerAddress: '10.25.11.1',
            peerConfigRef: { name: 'upstream-router' },
          },
        ],
      },
    ],
  },
};
const peerConfig = (authSecretRef?: string, missing?: boolean, observedGeneration = 1): KObject => ({
  metadata: { name: 'upstream-router', generation: 1 },
  spec: authSecretRef ? { authSecretRef } : {},
  status: {
    conditions: [
      {
        type: 'cilium.io/MissingAuthSecret',
        status: missing ? 'True' : 'False',
        reason: 'MissingAuthSecret',
        message: missing ? `Referenced Auth Secret "${authSecretRef}" is missing` : '',
        observedGeneration,
      },
    ],
  },
});
const cluster = (pcs: KObject[]) => ({
  custom: {
    listClusterCustomObject: async ({ plural }: { plural: string }) => ({
      items: plural === 'ciliumbgpclusterconfigs' ? [clusterConfig] : pcs,
    }),
  },
});

describe('NET-BGP-002 BGP peers authenticated', () => {
  it('passes when the peer config references a Secret the operator finds; attaches the peer configs', async () => {
    const attached = await runCheck(FILE, 'NET-BGP-002', cluster([peerConfig('bgp-upstream-router')]));
    expect(attached['bgp-peer-auth']).toMatchObject({
      peerConfigs: [{ name: 'upstream-router', authSecretRef: 'bgp-upstream-router' }],
    });
  });

  it('NET-BGP-002 fails naming the peer config, its peer and the operator’s MissingAuthSecret message', async () => {
    const facts = structuredClone(factsDefaults('infra')) as Facts;
    const ctx = {
      cluster: cluster([peerConfig('bgp-upstream-router', true)]),
      facts,
      evidence: fakeEvidence().evidence,
    } as unknown as CheckContext;
    expect(await failure(bgpPeersAuthenticated(50)(ctx))).toMatch(
      /^BGP peers not authenticated[\s\S]*CiliumBGPPeerConfig upstream-router for upstream-router \(10\.25\.11\.1, AS 64501\): cilium\.io\/MissingAuthSecret=True \(Referenced Auth Secret \\?"bgp-upstream-router\\?" is missing\)/,
    );
  });

  it('names a peer config without authSecretRef, a stale condition, a missing config and a peer without one', () => {
    const of = 'for upstream-router (10.25.11.1, AS 64501)';
    expect(peerAuthProblems([clusterConfig], [peerConfig()])).toEqual([
      `CiliumBGPPeerConfig upstream-router ${of} has no authSecretRef: the session is not authenticated`,
    ]);
    expect(peerAuthProblems([clusterConfig], [peerConfig('s', false, 0)])).toEqual([
      `CiliumBGPPeerConfig upstream-router ${of}: no cilium.io/MissingAuthSecret condition for generation 1 (is the operator's BGP status report on?)`,
    ]);
    expect(peerAuthProblems([clusterConfig], [])).toEqual([
      `CiliumBGPPeerConfig upstream-router ${of} not found`,
    ]);
    const bare: KObject = {
      metadata: { name: 'x' },
      spec: { bgpInstances: [{ peers: [{ name: 'r2', peerASN: 1, peerAddress: '10.0.0.2' }] }] },
    };
    expect(peerAuthProblems([bare], [])).toEqual([
      'peer r2 (10.0.0.2, AS 1) has no peerConfigRef: its session has no authentication',
    ]);
    expect(peerAuthProblems([], [])).toEqual(['no CiliumBGPClusterConfig found']);
  });
});
