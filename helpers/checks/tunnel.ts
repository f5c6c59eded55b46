/**
 * The suites' door to helpers/tunnel (owned by the cluster-access helper; signature in
 * docs/ARCHITECTURE.md). Loaded lazily so a suite file collects even where tunnels are unused.
 */
import type { ClusterHandle } from './k8s.js';

export interface TunnelTarget {
  kind: 'Pod' | 'Service' | 'Deployment' | 'StatefulSet';
  namespace: string;
  name: string;
  port: number;
}

export interface Tunnel {
  host: string;
  port: number;
  close(): Promise<void> | void;
}

const TUNNEL_MODULE = '../tunnel/index.js';

export async function openTunnel(cluster: ClusterHandle, target: TunnelTarget): Promise<Tunnel> {
  const m = (await import(/* @vite-ignore */ TUNNEL_MODULE)) as {
    openTunnel(c: ClusterHandle, t: TunnelTarget): Promise<Tunnel>;
  };
  return m.openTunnel(cluster, target);
}

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
