/**
 * Local ports of lab/sim's own listeners (Hubble relay gRPC stubs, the Git remote), outside the services block
 * (31000-31999) and the control planes (1xxxx/2xxxx). All on 127.0.0.1.
 */
import path from 'node:path';
import type { LabClusterName } from '../core/topology.js';

/** the lab's read-only Git remote (git http-backend), lab/sim/git.ts */
export const GIT_PORT = 32_103;

export const HUBBLE_RELAY_PORT: Record<LabClusterName, number> = { infra: 32_101, apps: 32_102 };

/** Written after every pass of the operator loop (its readiness and liveness). */
export function heartbeatFile(stateRoot: string): string {
  return path.join(stateRoot, 'sim', 'operators.heartbeat');
}
