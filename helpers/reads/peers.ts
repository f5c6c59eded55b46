/**
 * Handles on the other clusters of the selected environment, for checks that compare clusters
 * (TECH-007 values diff). Each peer proves its identity before it is used, like the check's own
 * cluster: comparing against the wrong cluster would make the diff meaningless (TECH-002).
 */
import { inject } from 'vitest';
import { loadEnvironment } from '../config/index.js';
import { createClusterHandle, type ClusterHandle } from '../cluster/handle.js';
import { proveIdentity } from '../cluster/identity.js';
import type { Facts } from '../config/facts.js';
import { handleOptions, identityTimeout } from '../config/runtime.js';

export interface Peer {
  cluster: ClusterHandle;
  facts: Facts;
}

export async function peerClusters(self: string): Promise<Peer[]> {
  const env = await loadEnvironment({ env: inject('pvEnv').name, file: inject('pvEnv').configFile });
  const peers: Peer[] = [];
  for (const c of Object.values(env.clusters)) {
    if (c.name === self) continue;
    const cluster = createClusterHandle(handleOptions(c));
    await proveIdentity(cluster, { timeoutMs: identityTimeout() });
    peers.push({ cluster, facts: c.facts });
  }
  return peers;
}
