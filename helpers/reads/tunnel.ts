/** Tunnels for the suites: helpers/tunnel's openTunnel plus a scoped open/run/close. */
import { openTunnel, type Tunnel, type TunnelTarget } from '../tunnel/index.js';
import type { ClusterHandle } from './k8s.js';

export { openTunnel, type Tunnel, type TunnelTarget };

/** Open a tunnel, run `fn`, always close it. */
export async function withTunnel<T>(
  cluster: ClusterHandle,
  target: TunnelTarget,
  fn: (t: Tunnel) => Promise<T>,
): Promise<T> {
  const t = await openTunnel(cluster, target);
  try {
    return await fn(t);
  } finally {
    await t.close();
  }
}
