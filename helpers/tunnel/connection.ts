// One accepted local connection relayed over one port-forward stream: client bytes batched per
// event-loop turn, remote bytes corked per tick, backpressure both ways, and one retry on another pod
// (replaying what the client sent) if the stream fails before the remote said anything.
import type net from 'node:net';
import { errorText } from '../cluster/errors.js';
import type { StreamOpener, TunnelContext } from './context.js';
import type { ResolvedTarget } from './resolve.js';
import type { Spare } from './spare-stream.js';
import type { PortForwardStream, StreamHandlers } from './stream.js';

const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** Client bytes kept until the first remote byte, to replay on a new stream if the first one fails. */
const REPLAY_LIMIT = 256 * 1024;
/** After the client half-closes, wait this long for the remote to finish before closing the stream. */
const HALF_CLOSE_GRACE_MS = 1000;

/** What a connection needs from its tunnel. */
export interface ConnectionDeps {
  ctx: TunnelContext;
  openStream: StreamOpener;
  /** Another pod after `failedPod` failed (shared by the tunnel's connections). */
  reresolve(failedPod: string): Promise<ResolvedTarget>;
  /** The tunnel's open sockets and streams, destroyed by Tunnel.close(). */
  sockets: Set<net.Socket>;
  streams: Set<PortForwardStream>;
  /** The connection ended (sessions no longer needed can close). */
  released(): void;
}

/** Relays `sock` over the spare stream if there is one, else over a new stream to `target`. */
export function serveConnection(
  sock: net.Socket,
  deps: ConnectionDeps,
  target: ResolvedTarget,
  spare: Spare | undefined,
): void {
  const c = new Connection(sock, deps);
  if (spare) c.adopt(spare);
  else void c.connect(target);
}

class Connection {
  private readonly sock: net.Socket;
  private readonly deps: ConnectionDeps;
  private stream: PortForwardStream | undefined;
  private done = false;
  private gotRemoteByte = false;
  private replay: Buffer[] | undefined = [];
  private replayBytes = 0;
  private retried = false;
  private localEnded = false;
  private pausedForRemote = false;
  /** client bytes while no stream is open */
  private readonly queued: Buffer[] = [];
  private batch: Buffer[] = [];
  private batchScheduled = false;
  private corked = false;

  constructor(sock: net.Socket, deps: ConnectionDeps) {
    this.sock = sock;
    this.deps = deps;
    deps.ctx.stats.connections++;
    deps.ctx.stats.active++;
    deps.sockets.add(sock);
    sock.setNoDelay(true);
    sock.pause();
    sock.on('data', (chunk: Buffer) => this.fromClient(chunk));
    sock.on('end', () => {
      this.localEnded = true;
      this.scheduleEnd();
    });
    sock.on('error', (e) => this.cleanup(`${deps.ctx.label}: local socket: ${errorText(e)}`));
    sock.on('close', () => this.cleanup());
  }

  /** Serves this connection with a spare: its handlers become ours, its early remote bytes go first. */
  adopt(spare: Spare): void {
    Object.assign(
      spare.handlers,
      this.handlersFor(spare.target, () => spare.stream),
    );
    const early = spare.early.splice(0);
    this.attach(spare.stream);
    for (const d of early) spare.handlers.onData(d);
  }

  async connect(r: ResolvedTarget): Promise<void> {
    let s: PortForwardStream | undefined;
    try {
      s = await this.deps.openStream(
        r,
        this.handlersFor(r, () => s),
      );
    } catch (e) {
      if (!this.retried && !this.done) return this.retry(r, errorText(e));
      return this.cleanup(`${this.deps.ctx.label} (pod ${r.pod}:${r.port}): ${errorText(e)}`);
    }
    this.attach(s);
  }

  private fromClient(chunk: Buffer): void {
    if (this.done) return;
    if (this.replay) {
      this.replayBytes += chunk.length;
      if (this.replayBytes <= REPLAY_LIMIT) this.replay.push(chunk);
      else this.replay = undefined;
    }
    if (!this.stream) this.queued.push(chunk);
    else this.send(chunk);
  }

  // client bytes read in one event-loop turn go out as one frame (fewer, larger frames: each frame
  // costs a hand-off on the kubelet side)
  private send(chunk: Buffer): void {
    this.batch.push(chunk);
    if (!this.batchScheduled) {
      this.batchScheduled = true;
      setImmediate(this.flushBatch);
    }
  }

  private readonly flushBatch = (): void => {
    this.batchScheduled = false;
    if (!this.stream || this.done || this.batch.length === 0) return;
    const chunks = this.batch;
    this.batch = [];
    this.sendNow(chunks);
  };

  /** Writes to the stream, pausing the client while the stream holds more than HIGH_WATER. */
  private sendNow(chunks: Buffer[]): void {
    const s = this.stream!;
    for (const c of chunks) this.deps.ctx.stats.bytesToRemote += c.length;
    s.write(chunks, () => {
      if (this.pausedForRemote && s.bufferedAmount() < LOW_WATER) {
        this.pausedForRemote = false;
        if (!this.done) this.sock.resume();
      }
    });
    if (s.bufferedAmount() > HIGH_WATER && !this.pausedForRemote) {
      this.pausedForRemote = true;
      this.sock.pause();
    }
  }

  private readonly uncork = (): void => {
    this.corked = false;
    this.sock.uncork();
  };

  /** Handlers of the stream `s()` opened to `r`; they ignore a stream this connection left. */
  private handlersFor(r: ResolvedTarget, s: () => PortForwardStream | undefined): StreamHandlers {
    const { sock } = this;
    const { ctx, streams } = this.deps;
    return {
      onData: (chunk) => {
        if (!this.gotRemoteByte) {
          this.gotRemoteByte = true;
          this.replay = undefined;
        }
        ctx.stats.bytesFromRemote += chunk.length;
        if (sock.destroyed) return true;
        // chunks that arrive in one tick (SPDY hands over TLS-record-sized pieces) leave in one writev
        if (!this.corked) {
          this.corked = true;
          sock.cork();
          process.nextTick(this.uncork);
        }
        const ok = sock.write(chunk);
        if (!ok) sock.once('drain', () => s()?.resume());
        return ok;
      },
      onClose: (err) => {
        const mine = s();
        if (mine) streams.delete(mine);
        if (this.done || (mine && mine !== this.stream)) return;
        if (err && !this.gotRemoteByte && !this.retried && this.replay) return void this.retry(r, err);
        if (err) return this.cleanup(`${ctx.label} (pod ${r.pod}:${r.port}): ${err}`);
        this.cleanup(); // the remote closed: end the client side too
      },
    };
  }

  private attach(s: PortForwardStream): void {
    if (this.done || this.deps.ctx.closing) {
      s.destroy();
      return;
    }
    this.stream = s;
    this.deps.streams.add(s);
    const { stats } = this.deps.ctx;
    if (s.errorStreamAhead) stats.errorStreamsAhead = (stats.errorStreamsAhead ?? 0) + 1;
    if (this.queued.length) this.sendNow(this.queued.splice(0));
    if (this.localEnded) this.scheduleEnd();
    else this.sock.resume();
  }

  // the stream failed before the remote said anything: the pod may have been replaced
  private async retry(failed: ResolvedTarget, why: string): Promise<void> {
    const { ctx } = this.deps;
    this.retried = true;
    ctx.stats.retried++;
    ctx.noteError(`${ctx.label} (pod ${failed.pod}:${failed.port}): ${why}; re-resolving`);
    this.stream = undefined;
    this.batch = []; // already in the replay
    if (this.replay) this.queued.splice(0, this.queued.length, ...this.replay);
    this.replay = undefined; // no second replay
    let r: ResolvedTarget;
    try {
      r = await this.deps.reresolve(failed.pod);
    } catch (e) {
      return this.cleanup(`${ctx.label}: re-resolve after "${why}" failed: ${errorText(e)}`);
    }
    if (!this.done) await this.connect(r);
  }

  /** The client half-closed: pass it on, and end the connection after a grace period. */
  private scheduleEnd(): void {
    if (!this.stream) return;
    this.flushBatch();
    this.stream.closeWrite();
    setTimeout(() => {
      if (!this.done) this.cleanup();
    }, HALF_CLOSE_GRACE_MS).unref();
  }

  private cleanup(why?: string): void {
    if (this.done) return;
    this.done = true;
    const { ctx, sockets, streams } = this.deps;
    ctx.stats.active--;
    sockets.delete(this.sock);
    if (why) {
      ctx.stats.failed++;
      ctx.noteError(why);
    }
    if (this.stream) {
      streams.delete(this.stream);
      this.stream.end();
    }
    if (!this.sock.destroyed) {
      if (why) this.sock.destroy();
      else this.sock.end();
    }
    this.deps.released();
  }
}
