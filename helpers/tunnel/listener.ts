// The tunnel's local end: a listener on 127.0.0.1 (an ephemeral port) and the tunnel's close.
import net from 'node:net';
import { errorText } from '../cluster/errors.js';
import { TunnelError, type TunnelContext } from './context.js';
import type { PortForwardStream } from './stream.js';

/** Listens on 127.0.0.1; a listener error after that is only noted (Tunnel.errors). */
export async function listenOnLoopback(
  ctx: TunnelContext,
  onConnection: (sock: net.Socket) => void,
): Promise<net.Server> {
  const server = net.createServer(
    { allowHalfOpen: true, noDelay: true, highWaterMark: 1024 * 1024 },
    onConnection,
  );
  server.on('error', (e) => ctx.noteError(`${ctx.label}: listener: ${errorText(e)}`));
  try {
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', rej);
        res();
      });
    });
  } catch (e) {
    throw new TunnelError(`${ctx.label}: cannot listen on 127.0.0.1: ${errorText(e)}`);
  }
  server.unref(); // an open tunnel never keeps a process alive on its own
  return server;
}

/** What Tunnel.close() releases. */
export interface Closable {
  server: net.Server;
  sockets: Set<net.Socket>;
  streams: Set<PortForwardStream>;
  /** Destroys the spare stream, if any. */
  dropSpare(): void;
  /** Closes every SPDY session (called with ctx.closing set). */
  closeSessions(): void;
}

/** Tunnel.close(): no new streams, the spare and every connection destroyed, then the listener closed. */
export function closeTunnel(ctx: TunnelContext, t: Closable): Promise<void> {
  return new Promise<void>((res) => {
    ctx.closing = true;
    t.dropSpare();
    for (const s of t.streams) s.destroy();
    for (const s of t.sockets) s.destroy();
    t.closeSessions();
    t.server.close(() => res());
  });
}
