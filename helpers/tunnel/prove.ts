// The open of a tunnel before it listens: resolve the target to a pod and prove the path to it. A
// Service/Deployment/StatefulSet whose first pod fails gets one more try on another pod.
import { errorText } from '../cluster/errors.js';
import { TunnelError, type StreamOpener, type TunnelContext } from './context.js';
import { resolveTarget, type ResolvedTarget } from './resolve.js';
import { openSpare, type Spare } from './spare-stream.js';
import type { TunnelOptions } from './types.js';

export interface Proven {
  target: ResolvedTarget;
  /** The proof's stream, still open, for the first connection (none with `skipProof`). */
  spare?: Spare;
  /** Time resolve + proof took, ms (Tunnel.proofMs). */
  proofMs: number;
}

/**
 * Proves the path: a stream is established (both channel headers arrived: API server -> kubelet) and the
 * kubelet's dial to the container port did not fail within `proveMs` (a failed dial is reported on the
 * error channel at once). The open stream is returned for reuse.
 */
async function prove(
  open: StreamOpener,
  r: ResolvedTarget,
  proveMs: number,
  timeoutMs: number,
): Promise<Spare> {
  const spare = await openSpare(open, r, timeoutMs);
  try {
    await Promise.race([
      spare.stream.established,
      new Promise((_, rej) =>
        setTimeout(() => rej(new Error(`stream not established within ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
    await new Promise<void>((res) => {
      if (spare.closed) return res();
      spare.onClosed = res;
      setTimeout(res, proveMs).unref();
    });
    if (spare.closed || spare.stream.errorText()) {
      throw new Error(
        spare.closedWith ||
          spare.stream.errorText() ||
          'the stream was closed by the remote side right after it opened',
      );
    }
    return spare;
  } catch (e) {
    spare.stream.destroy();
    throw e;
  }
}

/** Resolves and proves within `openTimeoutMs`; a failure is a TunnelError naming every attempt. */
export async function resolveAndProve(
  ctx: TunnelContext,
  open: StreamOpener,
  opts: TunnelOptions,
): Promise<Proven> {
  const proveMs = opts.proveMs ?? 300;
  const openTimeoutMs = opts.openTimeoutMs ?? 20_000;
  const t0 = Date.now();
  const failedPods = new Set<string>();
  let spare: Spare | undefined;
  const attempt = async () => {
    const r = await resolveTarget(ctx.cluster, ctx.spec, failedPods);
    if (!opts.skipProof) {
      try {
        spare = await prove(open, r, proveMs, Math.max(1000, openTimeoutMs - (Date.now() - t0)));
      } catch (e) {
        failedPods.add(r.pod);
        throw new Error(`pod ${r.pod} port ${r.port}: ${errorText(e)}`, { cause: e });
      }
    }
    return r;
  };
  let target: ResolvedTarget;
  try {
    target = await attempt();
  } catch (first) {
    if (ctx.spec.kind === 'Pod' || Date.now() - t0 > openTimeoutMs)
      throw new TunnelError(`${ctx.label}: ${errorText(first)}`);
    try {
      target = await attempt();
    } catch (second) {
      throw new TunnelError(`${ctx.label}: ${errorText(first)}; then ${errorText(second)}`);
    }
  }
  return { target, spare, proofMs: Date.now() - t0 };
}
