// openTunnel: a local 127.0.0.1 listener relaying each accepted connection to a pod port, the way
// the run reaches the cluster: through an API-server port-forward (./port-forward.ts), or in
// in-cluster mode (PV_MODE=in-cluster, helpers/incluster) directly to the Service or pod address.
// Both keep the same contract (./types.ts), so protocol clients and checks do not know which.
import type { ClusterHandle } from '../cluster/handle.js';
import { inClusterMode } from '../incluster/mode.js';
import { closeAllPortForwardTunnels, openPortForwardTunnel } from './port-forward.js';
import type { TunnelTarget } from './resolve.js';
import type { Tunnel, TunnelOptions } from './types.js';

export { openTunnelCount } from './port-forward.js';
export type { Tunnel, TunnelOptions, TunnelStats, TunnelTransport } from './types.js';

/** Loaded on the first in-cluster tunnel only. */
let directModule: typeof import('../incluster/direct.js') | undefined;

export async function openTunnel(
  cluster: ClusterHandle,
  spec: TunnelTarget,
  opts: TunnelOptions = {},
): Promise<Tunnel> {
  // in-cluster mode (helpers/incluster): dial the Service/pod directly instead of port-forwarding
  if (inClusterMode())
    return (directModule ??= await import('../incluster/direct.js')).openDirectTunnel(cluster, spec, opts);
  return openPortForwardTunnel(cluster, spec, opts);
}

/** Closes every tunnel this process opened (the runner calls this at the end of a run and on signals). */
export async function closeAllTunnels(): Promise<void> {
  await closeAllPortForwardTunnels();
  // only if loaded: importing a module while vitest stops the worker deadlocks (the worker waits on
  // the main process for the module, the main process waits for the worker to stop)
  await directModule?.closeAllDirectTunnels();
}
