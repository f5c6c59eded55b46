/**
 * BGP (STORY-VALIDATE-NETWORKING AC2.8, AC2.9, P1-1; risk R7; Cilium risk profile SEC-004).
 *
 * Reads: CiliumBGPClusterConfig (which nodes peer), CiliumBGPNodeConfig (each node's session state
 * and route counts, written by the Cilium agent), CiliumBGPPeerConfig (authSecretRef and the
 * operator's MissingAuthSecret condition; the Secret itself is never read), Nodes. Read-only.
 *
 * Lab: the BGP control plane is simulated: lab/sim writes the node configs' status the way the
 * Cilium agent does (peeringState, routeCount) into the upstream CRDs (cilium.io/v2), and the peer
 * configs' MissingAuthSecret condition from whether the referenced Secret exists in kube-system, as
 * the operator does (lab/sim/operators/bgp-peer-auth.ts).
 */
import { suite } from '../../helpers/check/suite.js';
import { bgpPeersAuthenticated, bgpSessionsEstablished } from '../../helpers/probes/bgp.js';

const bgp = suite({ component: 'bgp', clusters: ['infra', 'apps'], story: 'STORY-VALIDATE-NETWORKING' });

bgp.check(
  {
    id: 'NET-BGP-001',
    title: 'every selected node’s BGP sessions are established and advertise the Service IPs',
    priority: 'P1',
    ac: ['AC2.8', 'AC2.9', 'P1-1'],
    risks: ['R7'],
    suggestedAction:
      'cilium-dbg bgp peers (on the node named); kubectl get ciliumbgpnodeconfig <node> -o yaml (status.bgpInstances[].peers); check the router side and the CiliumBGPPeerConfig',
  },
  bgpSessionsEstablished(),
);

bgp.check(
  {
    id: 'NET-BGP-002',
    title: 'every BGP peer authenticates its session with a Secret the Cilium operator finds',
    priority: 'P2',
    story: 'STORY-NET-CILIUM-CORE-GITOPS',
    ac: ['SEC-004'],
    risks: ['SEC-004'],
    suggestedAction:
      'kubectl get ciliumbgppeerconfig -o yaml (spec.authSecretRef, status.conditions cilium.io/MissingAuthSecret); kubectl -n kube-system get secret <authSecretRef> (key password, in bgpControlPlane.secretsNamespace); the router needs the same MD5 password',
  },
  bgpPeersAuthenticated(),
);
