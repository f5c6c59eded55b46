/**
 * Spegel's registry mirror holds its host ports alone (Cilium-under-GitOps risk profile PERF-003:
 * Spegel's hostPort 29999 against the ports of Cilium and other node agents).
 *
 * Reads: the Spegel DaemonSet named in facts.spegel and every pod of the cluster (their host ports,
 * hostNetwork container ports, node and scheduling condition). Read-only: nothing is created.
 *
 * Lab: the DaemonSet is a real object whose pods KWOK runs, placed by the real kube-scheduler, whose
 * NodePorts filter leaves a second pod on a taken host port Pending.
 */
import { suite } from '../../helpers/check/suite.js';
import { hostPortsExclusive } from '../../helpers/probes/host-ports.js';

const spegel = suite({
  component: 'spegel',
  clusters: ['infra', 'apps'],
  story: 'STORY-NET-CILIUM-CORE-GITOPS',
  requires: { 'spegel.enabled': 'Spegel is not deployed on this cluster' },
  timeoutMs: 60_000,
});

spegel.check(
  {
    id: 'NET-SPEGEL-001',
    title: 'no other pod binds a host port of the Spegel DaemonSet, and it runs on every node',
    priority: 'P2',
    ac: ['PERF-003'],
    risks: ['PERF-003'],
    suggestedAction:
      'kubectl get pods -A -o wide | grep Pending; kubectl describe pod <pending> (didn’t have free ports); move the other component off 29999/5001 or set spegel.registry.port / router.port',
  },
  hostPortsExclusive((f) => f.spegel),
);
