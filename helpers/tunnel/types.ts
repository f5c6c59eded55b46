// The tunnel contract: what openTunnel returns whichever way it reaches the pod (an API-server
// port-forward, ./port-forward.ts, or in in-cluster mode a direct connection, helpers/incluster).
import type { TunnelTarget } from './resolve.js';

export type TunnelTransport = 'spdy' | 'websocket';

export interface TunnelOptions {
  /** How long a fresh stream must stay free of dial errors to count as a round trip (default 300 ms). */
  proveMs?: number;
  /** Bound of the whole open (resolve + prove), default 20 s. */
  openTimeoutMs?: number;
  /** Skip the round-trip proof (only for benchmarks that measure it separately). */
  skipProof?: boolean;
  /**
   * Keep one spare stream open ahead of the next connection (a new one each time a connection takes
   * the spare), so a connection does not wait for a websocket handshake. Default false: a spare makes
   * the kubelet dial the pod before anyone connects, and under KWOK such an unused pod-side connection
   * stays open until the server times it out. The proof's stream always serves the first connection.
   */
  prewarm?: boolean;
  /** How long a spare stream waits for a connection before it is closed (default 5 s). */
  warmMs?: number;
  /**
   * 'spdy' (default): one connection to the API server per pod, a stream pair per accepted connection;
   * falls back to 'websocket' when the upgrade is refused (not for 401/403/404, which it would share).
   * 'websocket': one port-forward websocket per accepted connection.
   */
  transport?: TunnelTransport;
}

export interface TunnelStats {
  connections: number;
  active: number;
  failed: number;
  retried: number;
  reresolved: number;
  /** connections served by a spare stream opened ahead (the proof's stream first) */
  warmUsed: number;
  bytesToRemote: number;
  bytesFromRemote: number;
  /** SPDY connections opened to the API server (each carries many connections' streams). */
  sessions?: number;
  /** SPDY: connections whose stream pair used an error stream opened ahead of them. */
  errorStreamsAhead?: number;
  /** The transport in use (after a fallback: 'websocket'; absent in in-cluster mode). */
  transport?: TunnelTransport;
}

/** The counters every tunnel starts with, all zero (a transport adds its own fields). */
export function newTunnelStats(): TunnelStats {
  return {
    connections: 0,
    active: 0,
    failed: 0,
    retried: 0,
    reresolved: 0,
    warmUsed: 0,
    bytesToRemote: 0,
    bytesFromRemote: 0,
  };
}

export interface Tunnel {
  host: '127.0.0.1';
  port: number;
  /** The pod and container port currently served (changes after a re-resolve). */
  target: { pod: string; port: number; namespace: string };
  spec: TunnelTarget;
  stats: TunnelStats;
  /** Last stream errors (error channel text or connect failures), newest last, at most 20. */
  errors: string[];
  /** Time resolve + proof took, ms. */
  proofMs: number;
  close(): Promise<void>;
}
