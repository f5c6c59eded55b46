// A bound on any promise. Dependency-free on purpose: the main process of `pnpm test` uses it
// (helpers/check/preflight.ts) and must not load @kubernetes/client-node (pnpm bench framework-overhead).

/** What withTimeout rejects with: `<what>: no answer within <ms> ms`. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** p, or a TimeoutError naming what did not answer after ms (p's own later rejection is ignored). */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    t = setTimeout(() => rej(new TimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  p.catch(() => {});
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(t);
  }
}
