import { GATEWAY_SERVICE } from '../services/gateway.js';
import type { Scenario } from './types.js';

/**
 * The Gateway data plane (nginx standing in for Cilium's Envoy) is stopped on both clusters while
 * every object keeps its status: cilium-operator still reports the Gateway Programmed, as it does
 * when Envoy is down, so only a probe through the Gateway's address sees the outage.
 */
export const gatewayDown: Scenario = {
  name: 'gateway-down',
  summary:
    "infra, apps: the Gateway data plane behind each Gateway's address is stopped; GatewayClass/Gateway status unchanged (Accepted, Programmed)",
  expect:
    'infra, apps: the HTTP-through-the-Gateway baseline fails (no answer from the Gateway address); the Gateway status check and everything else pass',
  faults: {},
  services: { stopped: [GATEWAY_SERVICE] },
};
