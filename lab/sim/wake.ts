/**
 * What wakes the simulated operators: a watch on each kind a check creates and the simulation answers
 * (a Service wants a LoadBalancer address, a PVC a volume, a Gateway an address, a pod its routes),
 * and the sim state file a scenario rewrites. Between changes the loop only resyncs slowly. A real
 * operator works the same way (informers), and an idle lab no longer LISTs every kind of both
 * clusters every second (that kept a core of the 2-core runner ~70% busy: sim + apiservers).
 */
import fs from 'node:fs';
import { Watch, type KubeConfig } from '@kubernetes/client-node';

/** Cluster-wide collections whose changes the reconcile passes answer. */
export const WAKE_PATHS = [
  '/api/v1/services',
  '/api/v1/persistentvolumeclaims',
  '/api/v1/pods',
  '/apis/gateway.networking.k8s.io/v1/gateways',
  '/apis/gateway.networking.k8s.io/v1/httproutes',
  '/apis/snapshot.storage.k8s.io/v1/volumesnapshots',
];

export interface Waker {
  /** Resolves on the next change (or after `maxMs`, the resync). */
  next(maxMs: number): Promise<void>;
  stop(): void;
}

export function startWaker(
  kcs: KubeConfig[],
  files: string[],
  log: (m: string) => void,
  paths: string[] = WAKE_PATHS,
): Waker {
  let pending = true; // the first pass runs at once
  let wakeUp: (() => void) | undefined;
  let stopped = false;
  const aborts: AbortController[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const poke = () => {
    pending = true;
    wakeUp?.();
  };

  const watchOne = (kc: KubeConfig, p: string, attempt = 0): void => {
    if (stopped) return;
    // ended (timeout, apiserver restart, CRD not there yet) or never started: a change may have been
    // missed, so poke, then watch again with a bounded back-off
    const again = (err: unknown) => {
      if (stopped) return;
      poke();
      if (err && attempt === 0) log(`watch ${p}: ${(err as Error).message ?? String(err)}; re-watching`);
      const t = setTimeout(
        () => {
          timers.delete(t);
          watchOne(kc, p, attempt + 1);
        },
        Math.min(5_000, 250 * 2 ** attempt),
      );
      timers.add(t);
    };
    new Watch(kc)
      .watch(
        p,
        { allowWatchBookmarks: true },
        (phase) => {
          attempt = 0;
          if (phase !== 'BOOKMARK') poke();
        },
        again,
      )
      // the request itself failed: the done callback is not called then
      .then((a) => (stopped ? a.abort() : aborts.push(a)), again);
  };
  for (const kc of kcs) for (const p of paths) watchOne(kc, p);

  // polled stat (not inotify): a scenario may replace the file rather than write into it
  for (const f of files) fs.watchFile(f, { interval: 500 }, poke);

  return {
    next(maxMs) {
      if (pending || stopped) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const t = setTimeout(done, maxMs);
        function done() {
          clearTimeout(t);
          wakeUp = undefined;
          pending = false;
          resolve();
        }
        wakeUp = done;
      });
    },
    stop() {
      stopped = true;
      for (const a of aborts) a.abort();
      for (const t of timers) clearTimeout(t);
      for (const f of files) fs.unwatchFile(f, poke);
      wakeUp?.();
    },
  };
}
