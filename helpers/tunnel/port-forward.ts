// A local TCP listener on 127.0.0.1 that opens one port-forward stream through the API server per
// accepted connection (like `kubectl port-forward`, but per target kind and with a proven round trip).
// Transport: one SPDY connection per pod carrying a stream pair per connection (spdy.ts, what kubectl
// speaks), or, if the API server refuses the SPDY upgrade, one websocket per connection (stream.ts).
// The pieces, by job: ./prove.ts (resolve + prove), ./session-pool.ts (API-server connections),
// ./spare-stream.ts (streams opened ahead), ./connection.ts (one connection's relay), ./listener.ts.
import type net from 'node:net';
import type { ClusterHandle } from '../cluster/handle.js';
import { serveConnection } from './connection.js';
import { tunnelContext } from './context.js';
import { closeTunnel, listenOnLoopback } from './listener.js';
import { resolveAndProve } from './prove.js';
import type { TunnelTarget } from './resolve.js';
import { ServedTarget } from './served-target.js';
import { SessionPool } from './session-pool.js';
import { SparePool } from './spare-stream.js';
import type { PortForwardStream } from './stream.js';
import type { Tunnel, TunnelOptions } from './types.js';

const open = new Set<Tunnel>();

/** Closes every port-forward tunnel this process opened (closeAllTunnels, ./tunnel.ts, calls it). */
export async function closeAllPortForwardTunnels(): Promise<void> {
  await Promise.allSettled([...open].map((t) => t.close()));
}
/** Port-forward tunnels open in this process. */
export function openTunnelCount(): number {
  return open.size;
}

/** openTunnel (./tunnel.ts) outside in-cluster mode: through an API-server port-forward. */
export async function openPortForwardTunnel(
  cluster: ClusterHandle,
  spec: TunnelTarget,
  opts: TunnelOptions = {},
): Promise<Tunnel> {
  const ctx = tunnelContext(cluster, spec, opts);
  const sessions = new SessionPool(ctx);
  const proven = await resolveAndProve(ctx, sessions.openStream, opts);
  const spares = new SparePool(
    ctx,
    sessions.openStream,
    { prewarm: opts.prewarm ?? false, warmMs: opts.warmMs ?? 5_000 },
    proven.spare,
  );
  const served = new ServedTarget(ctx, proven.target, (r) => (tunnel.target = { ...r }));
  const sockets = new Set<net.Socket>();
  const streams = new Set<PortForwardStream>();
  const deps = {
    ctx,
    openStream: sessions.openStream,
    reresolve: (pod: string) => served.reresolve(pod),
    sockets,
    streams,
    released: () => sessions.prune(served.current),
  };

  let server: net.Server;
  try {
    server = await listenOnLoopback(ctx, (sock) => {
      // the spare (the proof's, or one opened ahead) if it is still good; then open the next
      serveConnection(sock, deps, served.current, spares.take(served.current));
      spares.refill(served.current);
    });
  } catch (e) {
    spares.destroy();
    throw e;
  }

  let closed: Promise<void> | undefined;
  const tunnel: Tunnel = {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    target: { ...served.current },
    spec,
    stats: ctx.stats,
    errors: ctx.errors,
    proofMs: proven.proofMs,
    close() {
      closed ??= closeTunnel(ctx, {
        server,
        sockets,
        streams,
        dropSpare: () => spares.destroy(),
        closeSessions: () => sessions.prune(served.current), // ctx.closing: every session
      });
      open.delete(tunnel);
      return closed;
    },
  };
  open.add(tunnel);
  return tunnel;
}
