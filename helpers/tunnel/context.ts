// What every piece of one port-forward tunnel (./port-forward.ts) shares: the cluster and target, the
// label its messages start with, its stats and error log, and whether it is closing.
import { where, type ClusterHandle } from '../cluster/handle.js';
import { describeTarget, type ResolvedTarget, type TunnelTarget } from './resolve.js';
import type { PortForwardStream, StreamHandlers } from './stream.js';
import { newTunnelStats, type TunnelOptions, type TunnelStats } from './types.js';

/** What openTunnel throws: the resolve, the proof or the listener failed. */
export class TunnelError extends Error {
  override name = 'TunnelError';
}

/** Opens one stream to a resolved target, over whichever transport the tunnel uses now. */
export type StreamOpener = (
  r: ResolvedTarget,
  h: StreamHandlers,
  timeoutMs?: number,
) => Promise<PortForwardStream>;

export interface TunnelContext {
  readonly cluster: ClusterHandle;
  readonly spec: TunnelTarget;
  /** "tunnel to <target> on <cluster>": the start of every error this tunnel reports. */
  readonly label: string;
  readonly stats: TunnelStats;
  /** Tunnel.errors: the last 20 stream errors, newest last. */
  readonly errors: string[];
  /** Set once by Tunnel.close(): nothing new is opened after it. */
  closing: boolean;
  noteError(e: string): void;
}

export function tunnelContext(
  cluster: ClusterHandle,
  spec: TunnelTarget,
  opts: TunnelOptions,
): TunnelContext {
  const errors: string[] = [];
  return {
    cluster,
    spec,
    label: `tunnel to ${describeTarget(spec)} on ${where(cluster)}`,
    stats: { ...newTunnelStats(), sessions: 0, transport: opts.transport ?? 'spdy' },
    errors,
    closing: false,
    noteError(e) {
      errors.push(e);
      if (errors.length > 20) errors.shift();
    },
  };
}
