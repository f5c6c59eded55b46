// A local TCP listener on 127.0.0.1 that opens one port-forward stream through the API server per
// accepted connection (like `kubectl port-forward`, but per target kind and with a proven round trip).
// Transport: one SPDY connection per pod carrying a stream pair per connection (spdy.ts, what kubectl
// speaks), or, if the API server refuses the SPDY upgrade, one websocket per connection (stream.ts).
import net from 'node:net';
import { errorText } from '../cluster/errors.js';
import { where, type ClusterHandle } from '../cluster/handle.js';
import { describeTarget, resolveTarget, type ResolvedTarget, type TunnelTarget } from './resolve.js';
import { openPortForwardSession, SpdyUpgradeError, type PortForwardSession } from './spdy.js';
import { openPortForwardStream, type PortForwardStream, type StreamHandlers } from './stream.js';
import { newTunnelStats, type Tunnel, type TunnelOptions, type TunnelStats } from './types.js';

const open = new Set<Tunnel>();

/** Closes every port-forward tunnel this process opened (closeAllTunnels, ./tunnel.ts, calls it). */
export async function closeAllPortForwardTunnels(): Promise<void> {
  await Promise.allSettled([...open].map((t) => t.close()));
}
/** Port-forward tunnels open in this process. */
export function openTunnelCount(): number {
  return open.size;
}

const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** Client bytes kept until the first remote byte, to replay on a new stream if the first one fails. */
const REPLAY_LIMIT = 256 * 1024;
/** After the client half-closes, wait this long for the remote to finish before closing the stream. */
const HALF_CLOSE_GRACE_MS = 1000;

class TunnelError extends Error {
  override name = 'TunnelError';
}

/** A stream opened for the proof, handed to the first connection (no second setup, no idle dial left behind). */
interface Warm {
  target: ResolvedTarget;
  stream: PortForwardStream;
  handlers: StreamHandlers;
  early: Buffer[];
  closedWith?: string;
  closed: boolean;
}

/**
 * Proves the path: a stream is established (both channel headers arrived: API server -> kubelet) and the
 * kubelet's dial to the container port did not fail within `proveMs` (a failed dial is reported on the
 * error channel at once). The open stream is returned for reuse.
 */
type StreamOpener = (r: ResolvedTarget, h: StreamHandlers, timeoutMs?: number) => Promise<PortForwardStream>;

async function prove(
  open: StreamOpener,
  r: ResolvedTarget,
  proveMs: number,
  timeoutMs: number,
): Promise<Warm> {
  let onClosed: (() => void) | undefined;
  const warm = { target: r, early: [] as Buffer[], closed: false } as Warm;
  warm.handlers = {
    onData: (d) => {
      warm.early.push(Buffer.from(d)); // a server that speaks first (SSH, SMTP…) is fine
      return true;
    },
    onClose: (e) => {
      warm.closed = true;
      warm.closedWith = e;
      onClosed?.();
    },
  };
  warm.stream = await open(r, warm.handlers, timeoutMs);
  try {
    await Promise.race([
      warm.stream.established,
      new Promise((_, rej) =>
        setTimeout(() => rej(new Error(`stream not established within ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
    await new Promise<void>((res) => {
      if (warm.closed) return res();
      onClosed = res;
      setTimeout(res, proveMs).unref();
    });
    if (warm.closed || warm.stream.errorText()) {
      throw new Error(
        warm.closedWith ||
          warm.stream.errorText() ||
          'the stream was closed by the remote side right after it opened',
      );
    }
    return warm;
  } catch (e) {
    warm.stream.destroy();
    throw e;
  }
}

/** openTunnel (./tunnel.ts) outside in-cluster mode: through an API-server port-forward. */
export async function openPortForwardTunnel(
  cluster: ClusterHandle,
  spec: TunnelTarget,
  opts: TunnelOptions = {},
): Promise<Tunnel> {
  const proveMs = opts.proveMs ?? 300;
  const openTimeoutMs = opts.openTimeoutMs ?? 20_000;
  const label = `tunnel to ${describeTarget(spec)} on ${where(cluster)}`;
  const stats: TunnelStats = { ...newTunnelStats(), sessions: 0, transport: opts.transport ?? 'spdy' };
  const errors: string[] = [];
  const noteError = (e: string) => {
    errors.push(e);
    if (errors.length > 20) errors.shift();
  };

  // SPDY connections by pod, shared by that pod's streams; a closed one is replaced on next use
  const sessions = new Map<string, Promise<PortForwardSession>>();
  const sessionFor = (r: ResolvedTarget, timeoutMs?: number): Promise<PortForwardSession> => {
    const key = `${r.namespace}/${r.pod}`;
    let p = sessions.get(key);
    if (!p) {
      stats.sessions = (stats.sessions ?? 0) + 1;
      p = openPortForwardSession(cluster, r.namespace, r.pod, timeoutMs);
      sessions.set(key, p);
      p.then(
        (s) => s.onClose(() => sessions.get(key) === p && sessions.delete(key)),
        () => sessions.get(key) === p && sessions.delete(key),
      );
      return p;
    }
    return p.then((s) => {
      if (!s.closed) return s;
      if (sessions.get(key) === p) sessions.delete(key);
      return sessionFor(r, timeoutMs);
    });
  };
  /** Closes the connections of pods no longer served once their last stream ended. */
  const pruneSessions = () => {
    for (const [key, p] of sessions) {
      if (key === `${current.namespace}/${current.pod}` && !closing) continue;
      void p.then(
        (s) => {
          if (s.active === 0 || closing) {
            if (sessions.get(key) === p) sessions.delete(key);
            s.close();
          }
        },
        () => undefined,
      );
    }
  };
  const openStream: StreamOpener = async (r, h, timeoutMs) => {
    if (stats.transport === 'spdy') {
      try {
        const s = await sessionFor(r, timeoutMs);
        return s.openStream(r.port, h);
      } catch (e) {
        // an API server (or proxy) without SPDY: websockets from now on; auth/not-found errors stay errors
        const st = e instanceof SpdyUpgradeError ? e.status : undefined;
        if (st === undefined || st === 401 || st === 403 || st === 404) throw e;
        stats.transport = 'websocket';
        noteError(`${label}: SPDY upgrade refused (${errorText(e)}); using a websocket per connection`);
      }
    }
    return openPortForwardStream(cluster, r.namespace, r.pod, r.port, h, timeoutMs);
  };

  // resolve + prove; a Service/Deployment/StatefulSet gets one more try on another pod
  const t0 = Date.now();
  let current: ResolvedTarget;
  let warm: Warm | undefined;
  const failedPods = new Set<string>();
  const attempt = async () => {
    const r = await resolveTarget(cluster, spec, failedPods);
    if (!opts.skipProof) {
      try {
        warm = await prove(openStream, r, proveMs, Math.max(1000, openTimeoutMs - (Date.now() - t0)));
      } catch (e) {
        failedPods.add(r.pod);
        throw new Error(`pod ${r.pod} port ${r.port}: ${errorText(e)}`, { cause: e });
      }
    }
    return r;
  };
  try {
    current = await attempt();
  } catch (first) {
    if (spec.kind === 'Pod' || Date.now() - t0 > openTimeoutMs)
      throw new TunnelError(`${label}: ${errorText(first)}`);
    try {
      current = await attempt();
    } catch (second) {
      throw new TunnelError(`${label}: ${errorText(first)}; then ${errorText(second)}`);
    }
  }
  const proofMs = Date.now() - t0;
  const prewarm = opts.prewarm ?? false;
  const warmMs = opts.warmMs ?? 5_000;
  let warmTimer: NodeJS.Timeout | undefined;
  const expireSpare = () => {
    clearTimeout(warmTimer);
    warmTimer = setTimeout(() => {
      const w = warm;
      warm = undefined;
      w?.stream.end();
    }, warmMs).unref();
  };
  if (warm) expireSpare();
  // one spare stream opened ahead of the next connection; never two at once
  let refilling = false;
  const refill = () => {
    if (!prewarm || refilling || warm || closing) return;
    refilling = true;
    const r = current;
    const w = { target: r, early: [] as Buffer[], closed: false } as Warm;
    w.handlers = {
      onData: (d) => {
        w.early.push(Buffer.from(d));
        return true;
      },
      onClose: (e) => {
        w.closed = true;
        w.closedWith = e;
      },
    };
    openStream(r, w.handlers)
      .then((st) => {
        w.stream = st;
        if (closing || warm) return st.destroy();
        warm = w;
        expireSpare();
      })
      .catch(() => undefined) // the next connection connects (and re-resolves) by itself
      .finally(() => (refilling = false));
  };

  // re-resolution shared by all connections: one in flight at a time
  let reresolving: Promise<ResolvedTarget> | undefined;
  const reresolve = (failedPod: string): Promise<ResolvedTarget> => {
    if (!reresolving) {
      stats.reresolved++;
      reresolving = resolveTarget(cluster, spec, new Set([failedPod]))
        .then((r) => {
          current = r;
          tunnel.target = { ...r };
          return r;
        })
        .finally(() => {
          setTimeout(() => (reresolving = undefined), 200).unref();
        });
    }
    return reresolving;
  };

  const sockets = new Set<net.Socket>();
  const streams = new Set<PortForwardStream>();
  let closing: boolean = false;

  const handle = (sock: net.Socket) => {
    stats.connections++;
    stats.active++;
    sockets.add(sock);
    sock.setNoDelay(true);
    sock.pause();
    let stream: PortForwardStream | undefined;
    let done = false;
    let gotRemoteByte = false;
    let replay: Buffer[] | undefined = [];
    let replayBytes = 0;
    let retried = false;
    let localEnded = false;
    let pausedForRemote = false;
    const queued: Buffer[] = []; // client bytes while no stream is open

    const cleanup = (why?: string) => {
      if (done) return;
      done = true;
      stats.active--;
      sockets.delete(sock);
      if (why) {
        stats.failed++;
        noteError(why);
      }
      if (stream) {
        streams.delete(stream);
        stream.end();
      }
      if (!sock.destroyed) {
        if (why) sock.destroy();
        else sock.end();
      }
      pruneSessions();
    };

    // client bytes read in one event-loop turn go out as one frame (fewer, larger frames: each frame
    // costs a hand-off on the kubelet side)
    let batch: Buffer[] = [];
    let batchScheduled = false;
    const flushBatch = () => {
      batchScheduled = false;
      if (!stream || done || batch.length === 0) return;
      const chunks = batch;
      batch = [];
      sendNow(chunks);
    };
    const send = (chunk: Buffer) => {
      batch.push(chunk);
      if (!batchScheduled) {
        batchScheduled = true;
        setImmediate(flushBatch);
      }
    };
    const sendNow = (chunks: Buffer[]) => {
      const s = stream!;
      for (const c of chunks) stats.bytesToRemote += c.length;
      s.write(chunks, () => {
        if (pausedForRemote && s.bufferedAmount() < LOW_WATER) {
          pausedForRemote = false;
          if (!done) sock.resume();
        }
      });
      if (s.bufferedAmount() > HIGH_WATER && !pausedForRemote) {
        pausedForRemote = true;
        sock.pause();
      }
    };

    let corked = false;
    const uncork = () => {
      corked = false;
      sock.uncork();
    };
    const handlersFor = (r: ResolvedTarget, s: () => PortForwardStream | undefined): StreamHandlers => ({
      onData: (chunk) => {
        if (!gotRemoteByte) {
          gotRemoteByte = true;
          replay = undefined;
        }
        stats.bytesFromRemote += chunk.length;
        if (sock.destroyed) return true;
        // chunks that arrive in one tick (SPDY hands over TLS-record-sized pieces) leave in one writev
        if (!corked) {
          corked = true;
          sock.cork();
          process.nextTick(uncork);
        }
        const ok = sock.write(chunk);
        if (!ok) sock.once('drain', () => s()?.resume());
        return ok;
      },
      onClose: (err) => {
        const mine = s();
        if (mine) streams.delete(mine);
        if (done || (mine && mine !== stream)) return;
        if (err && !gotRemoteByte && !retried && replay) return void retry(r, err);
        if (err) return cleanup(`${label} (pod ${r.pod}:${r.port}): ${err}`);
        cleanup(); // the remote closed: end the client side too
      },
    });

    const attach = (s: PortForwardStream) => {
      if (done || closing) {
        s.destroy();
        return;
      }
      stream = s;
      streams.add(s);
      if (s.errorStreamAhead) stats.errorStreamsAhead = (stats.errorStreamsAhead ?? 0) + 1;
      if (queued.length) sendNow(queued.splice(0));
      if (localEnded) scheduleEnd();
      else sock.resume();
    };

    const connect = async (r: ResolvedTarget): Promise<void> => {
      let s: PortForwardStream | undefined;
      try {
        s = await openStream(
          r,
          handlersFor(r, () => s),
        );
      } catch (e) {
        if (!retried && !done) return retry(r, errorText(e));
        return cleanup(`${label} (pod ${r.pod}:${r.port}): ${errorText(e)}`);
      }
      attach(s);
    };

    // the stream failed before the remote said anything: the pod may have been replaced
    const retry = async (failed: ResolvedTarget, why: string) => {
      retried = true;
      stats.retried++;
      noteError(`${label} (pod ${failed.pod}:${failed.port}): ${why}; re-resolving`);
      stream = undefined;
      batch = []; // already in the replay
      if (replay) queued.splice(0, queued.length, ...replay);
      replay = undefined; // no second replay
      let r: ResolvedTarget;
      try {
        r = await reresolve(failed.pod);
      } catch (e) {
        return cleanup(`${label}: re-resolve after "${why}" failed: ${errorText(e)}`);
      }
      if (!done) await connect(r);
    };

    const scheduleEnd = () => {
      if (!stream) return;
      flushBatch();
      stream.closeWrite();
      setTimeout(() => {
        if (!done) cleanup();
      }, HALF_CLOSE_GRACE_MS).unref();
    };

    sock.on('data', (chunk: Buffer) => {
      if (done) return;
      if (replay) {
        replayBytes += chunk.length;
        if (replayBytes <= REPLAY_LIMIT) replay.push(chunk);
        else replay = undefined;
      }
      if (!stream) queued.push(chunk);
      else send(chunk);
    });
    sock.on('end', () => {
      localEnded = true;
      scheduleEnd();
    });
    sock.on('error', (e) => cleanup(`${label}: local socket: ${errorText(e)}`));
    sock.on('close', () => cleanup());

    // take the spare stream (the proof's, or one opened ahead) if it is still good, and open the next
    const w = warm;
    warm = undefined;
    clearTimeout(warmTimer);
    if (w && !w.closed && w.target.pod === current.pod && w.target.port === current.port) {
      stats.warmUsed++;
      Object.assign(
        w.handlers,
        handlersFor(w.target, () => w.stream),
      );
      const early = w.early.splice(0);
      attach(w.stream);
      for (const d of early) w.handlers.onData(d);
    } else {
      w?.stream.end();
      void connect(current);
    }
    refill();
  };

  const server = net.createServer({ allowHalfOpen: true, noDelay: true, highWaterMark: 1024 * 1024 }, handle);
  server.on('error', (e) => noteError(`${label}: listener: ${errorText(e)}`));
  try {
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', rej);
        res();
      });
    });
  } catch (e) {
    warm?.stream.destroy();
    throw new TunnelError(`${label}: cannot listen on 127.0.0.1: ${errorText(e)}`);
  }
  server.unref(); // an open tunnel never keeps a process alive on its own

  let closedP: Promise<void> | undefined;
  const tunnel: Tunnel = {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    target: { ...current },
    spec,
    stats,
    errors,
    proofMs,
    close() {
      closedP ??= new Promise<void>((res) => {
        closing = true;
        open.delete(tunnel);
        clearTimeout(warmTimer);
        warm?.stream.destroy();
        warm = undefined;
        for (const s of streams) s.destroy();
        for (const s of sockets) s.destroy();
        pruneSessions(); // `closing`: every connection of this tunnel
        server.close(() => res());
      });
      return closedP;
    },
  };
  open.add(tunnel);
  return tunnel;
}
