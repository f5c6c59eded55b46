import { WIREGUARD_ERROR } from '../sim/cilium.js';
import type { Scenario } from './types.js';

/** One apps agent's WireGuard status call errors: encryption is not proven on that node. */
export const wireguardError: Scenario = {
  name: 'wireguard-error',
  summary: `apps: the Cilium agent on apps-cp-1 reports \`Encryption: Wireguard ${WIREGUARD_ERROR}\` instead of its cilium_wg0 interface and peers (\`cilium-dbg encrypt status\` fails); the agent pod stays Ready`,
  expect:
    'apps: the WireGuard check fails naming that agent and the error; infra and the other Cilium checks pass',
  faults: { wireguardError: { apps: ['apps-cp-1'] } },
};
