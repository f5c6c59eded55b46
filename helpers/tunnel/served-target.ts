// The pod and port a tunnel serves now. A connection whose stream failed before the remote said
// anything asks for another pod; the re-resolve is shared by all connections, one in flight at a time.
import type { TunnelContext } from './context.js';
import { resolveTarget, type ResolvedTarget } from './resolve.js';

export class ServedTarget {
  private reresolving: Promise<ResolvedTarget> | undefined;
  private readonly ctx: TunnelContext;
  private readonly onChange: (r: ResolvedTarget) => void;
  current: ResolvedTarget;

  /** `onChange` runs with each newly resolved target (Tunnel.target follows it). */
  constructor(ctx: TunnelContext, first: ResolvedTarget, onChange: (r: ResolvedTarget) => void) {
    this.ctx = ctx;
    this.current = first;
    this.onChange = onChange;
  }

  /** Resolves to a pod other than `failedPod` (callers within 200 ms of a re-resolve share it). */
  reresolve(failedPod: string): Promise<ResolvedTarget> {
    if (!this.reresolving) {
      this.ctx.stats.reresolved++;
      this.reresolving = resolveTarget(this.ctx.cluster, this.ctx.spec, new Set([failedPod]))
        .then((r) => {
          this.current = r;
          this.onChange(r);
          return r;
        })
        .finally(() => {
          setTimeout(() => (this.reresolving = undefined), 200).unref();
        });
    }
    return this.reresolving;
  }
}
