/**
 * BGP (STORY-VALIDATE-NETWORKING AC2.8, AC2.9, P1-1; risk R7).
 *
 * Reads: CiliumBGPClusterConfig (which nodes peer), CiliumBGPNodeConfig (each node's session state
 * and route counts, written by the Cilium agent), Nodes. Read-only.
 *
 * Lab: the BGP control plane is simulated: lab/sim writes the node configs' status the way the
 * Cilium agent does (peeringState, routeCount) into the upstream CRDs (cilium.io/v2).
 */
import { suite } from '../../helpers/check/suite.js';
import { bgpSessionsEstablished } from '../../helpers/probes/bgp.js';

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
