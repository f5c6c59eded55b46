// Streams opened before a connection needs them: the proof's stream (./prove.ts), handed to the first
// connection (no second setup, no idle dial left behind), and with `prewarm` one spare opened ahead of
// each next connection. A spare unused for `warmMs` is closed.
import type { StreamOpener, TunnelContext } from './context.js';
import type { ResolvedTarget } from './resolve.js';
import type { PortForwardStream, StreamHandlers } from './stream.js';

/** A stream open before its connection; its handlers are replaced when a connection takes it. */
export interface Spare {
  target: ResolvedTarget;
  stream: PortForwardStream;
  handlers: StreamHandlers;
  /** Remote bytes that came before the connection: a server that speaks first (SSH, SMTP…) is fine. */
  early: Buffer[];
  closed: boolean;
  closedWith?: string;
  /** Runs when the stream closes while it is still a spare (the proof waits on it). */
  onClosed?: () => void;
}

/** Opens a stream that keeps what the remote sends until a connection takes it. */
export async function openSpare(
  open: StreamOpener,
  target: ResolvedTarget,
  timeoutMs?: number,
): Promise<Spare> {
  const spare = { target, early: [] as Buffer[], closed: false } as Spare;
  spare.handlers = {
    onData: (d) => {
      spare.early.push(Buffer.from(d));
      return true;
    },
    onClose: (e) => {
      spare.closed = true;
      spare.closedWith = e;
      spare.onClosed?.();
    },
  };
  spare.stream = await open(target, spare.handlers, timeoutMs);
  return spare;
}

/** At most one spare at a time: the proof's, then (with `prewarm`) one refilled after each take. */
export class SparePool {
  private spare: Spare | undefined;
  private refilling = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly ctx: TunnelContext;
  private readonly open: StreamOpener;
  private readonly prewarm: boolean;
  private readonly warmMs: number;

  constructor(
    ctx: TunnelContext,
    open: StreamOpener,
    opts: { prewarm: boolean; warmMs: number },
    first?: Spare,
  ) {
    this.ctx = ctx;
    this.open = open;
    this.prewarm = opts.prewarm;
    this.warmMs = opts.warmMs;
    if (first) this.keep(first);
  }

  /** The spare if it is still open and serves `served`; a stale one is closed. Leaves the pool empty. */
  take(served: ResolvedTarget): Spare | undefined {
    const s = this.spare;
    this.spare = undefined;
    clearTimeout(this.timer);
    if (s && !s.closed && s.target.pod === served.pod && s.target.port === served.port) {
      this.ctx.stats.warmUsed++;
      return s;
    }
    s?.stream.end();
    return undefined;
  }

  /** With `prewarm`: opens the next spare to `served`, unless one is open or on its way. */
  refill(served: ResolvedTarget): void {
    if (!this.prewarm || this.refilling || this.spare || this.ctx.closing) return;
    this.refilling = true;
    openSpare(this.open, served)
      .then((s) => {
        if (this.ctx.closing || this.spare) return s.stream.destroy();
        this.keep(s);
      })
      .catch(() => undefined) // the next connection connects (and re-resolves) by itself
      .finally(() => (this.refilling = false));
  }

  /** Closes the spare now (the tunnel closes, or never listened). */
  destroy(): void {
    clearTimeout(this.timer);
    this.spare?.stream.destroy();
    this.spare = undefined;
  }

  private keep(s: Spare): void {
    this.spare = s;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      const expired = this.spare;
      this.spare = undefined;
      expired?.stream.end();
    }, this.warmMs).unref();
  }
}
