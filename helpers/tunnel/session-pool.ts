// The tunnel's connections to the API server: one SPDY session per pod, shared by that pod's streams
// (what kubectl does), replaced on next use once closed; or, once the API server refused the SPDY
// upgrade, one port-forward websocket per stream (./stream.ts).
import { errorText } from '../cluster/errors.js';
import type { StreamOpener, TunnelContext } from './context.js';
import type { ResolvedTarget } from './resolve.js';
import { openPortForwardSession, SpdyUpgradeError, type PortForwardSession } from './spdy.js';
import { openPortForwardStream } from './stream.js';

const podKey = (r: { namespace: string; pod: string }) => `${r.namespace}/${r.pod}`;

export class SessionPool {
  private readonly sessions = new Map<string, Promise<PortForwardSession>>();
  private readonly ctx: TunnelContext;

  constructor(ctx: TunnelContext) {
    this.ctx = ctx;
  }

  /** Opens a stream to `r`: SPDY while the API server accepts it, else a websocket. */
  readonly openStream: StreamOpener = async (r, h, timeoutMs) => {
    const { stats } = this.ctx;
    if (stats.transport === 'spdy') {
      try {
        const s = await this.sessionFor(r, timeoutMs);
        return s.openStream(r.port, h);
      } catch (e) {
        // an API server (or proxy) without SPDY: websockets from now on; auth/not-found errors stay errors
        const st = e instanceof SpdyUpgradeError ? e.status : undefined;
        if (st === undefined || st === 401 || st === 403 || st === 404) throw e;
        stats.transport = 'websocket';
        this.ctx.noteError(
          `${this.ctx.label}: SPDY upgrade refused (${errorText(e)}); using a websocket per connection`,
        );
      }
    }
    return openPortForwardStream(this.ctx.cluster, r.namespace, r.pod, r.port, h, timeoutMs);
  };

  /**
   * Closes the sessions of pods no longer served once their last stream ended; when the tunnel is
   * closing, every session (its streams were destroyed first).
   */
  prune(served: ResolvedTarget): void {
    for (const [key, p] of this.sessions) {
      if (key === podKey(served) && !this.ctx.closing) continue;
      void p.then(
        (s) => {
          // read when the session is there: a close meanwhile takes it too
          if (s.active === 0 || this.ctx.closing) {
            if (this.sessions.get(key) === p) this.sessions.delete(key);
            s.close();
          }
        },
        () => undefined,
      );
    }
  }

  private sessionFor(r: ResolvedTarget, timeoutMs?: number): Promise<PortForwardSession> {
    const key = podKey(r);
    const p = this.sessions.get(key);
    if (!p) return this.openSession(key, r, timeoutMs);
    return p.then((s) => {
      if (!s.closed) return s;
      if (this.sessions.get(key) === p) this.sessions.delete(key);
      return this.sessionFor(r, timeoutMs);
    });
  }

  private openSession(key: string, r: ResolvedTarget, timeoutMs?: number): Promise<PortForwardSession> {
    this.ctx.stats.sessions = (this.ctx.stats.sessions ?? 0) + 1;
    const p = openPortForwardSession(this.ctx.cluster, r.namespace, r.pod, timeoutMs);
    this.sessions.set(key, p);
    // forget it once gone (or failed), unless a newer one took its place
    const forget = () => this.sessions.get(key) === p && this.sessions.delete(key);
    p.then((s) => s.onClose(forget), forget);
    return p;
  }
}
