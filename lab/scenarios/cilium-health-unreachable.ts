import type { Scenario } from './types.js';

/** One infra agent cannot reach its cilium-health daemon: node reachability is no longer proven. */
export const ciliumHealthUnreachable: Scenario = {
  name: 'cilium-health-unreachable',
  summary:
    'infra: the Cilium agent on infra-cp-2 cannot reach its cilium-health daemon (`cilium-dbg status` prints `Cluster health: Warning cilium-health daemon unreachable`, no N/M reachable line; `cilium-health status` is refused); the agent pod stays Ready',
  expect:
    'infra: the agent status check fails naming that agent and the Warning line; every other Cilium check and apps pass',
  faults: { ciliumHealthUnreachable: { infra: ['infra-cp-2'] } },
};
