// Per-project (= per-cluster) globalSetup, in the main process, before any check of the cluster runs:
// prove the kube context reaches the cluster it names (TECH-002), sweep expired leftovers of crashed
// runs, and at the end remove this run's resources. Never throws: a failure is handed to every
// check of the project (they fail with the reason) so the JUnit still lists them.
import type { TestProject } from 'vitest/node';
import { setRequestTag } from '../cluster/user-agent.js';
import { redact } from '../evidence/redact.js';
import { runState, type PvIdentity } from './context.js';
import { handleOptions, identityTimeout, type RunnerClusterHandle } from './seams.js';

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export default async function setup(project: TestProject) {
  const provided = project.getProvidedContext();
  const cfg = provided.pvClusterConfig;
  const run = provided.pvRun;
  const name = cfg.name;
  const base = { context: cfg.context, expected: cfg.identity.expected };
  let outcome: PvIdentity;
  let handle: RunnerClusterHandle | undefined;

  if (process.env.PV_IDENTITY === 'skip') {
    // bench-only escape hatch; never in real runs, printed loudly every time
    process.stderr.write(
      `\n!!! PV_IDENTITY=skip: identity of cluster "${name}" NOT proven (benchmark mode). Never use this for a real run. !!!\n\n`,
    );
    outcome = { ok: true, skipped: true, ...base, seen: '(not checked: PV_IDENTITY=skip)' };
  } else {
    const timeoutMs = identityTimeout();
    setRequestTag('phase identity'); // the API requests' User-Agent (audit log: pnpm bench api-requests)
    try {
      const { createClusterHandle, proveIdentity } = await import('../cluster/index.js');
      handle = createClusterHandle(handleOptions(cfg));
      const proven = await withTimeout(
        proveIdentity(handle, { timeoutMs }),
        timeoutMs + 2_000,
        `cluster "${name}" (context "${cfg.context}")`,
      );
      outcome = { ok: true, ...base, ...proven, server: proven.server ?? handle.server };
    } catch (e) {
      const msg = redact((e as Error)?.message ?? String(e));
      const prefix = msg.includes(cfg.context) ? '' : `cluster "${name}" (context "${cfg.context}"): `;
      outcome = {
        ok: false,
        ...base,
        server: handle?.server,
        seen: (e as { details?: { seen?: string } }).details?.seen,
        error: `${prefix}${msg}`,
      };
      handle = undefined; // nothing is created on a cluster that did not prove who it is
    }
  }
  runState().clusters[name] = outcome;
  project.provide('pvIdentity', outcome);

  if (handle) {
    setRequestTag('phase sweep');
    try {
      const { sweepExpired } = await import('../run/index.js');
      const swept = await sweepExpired(handle);
      if (swept.length) process.stderr.write(`[pv] ${name}: swept expired leftovers: ${swept.join(', ')}\n`);
    } catch (e) {
      process.stderr.write(
        `[pv] ${name}: sweep of expired leftovers failed: ${redact((e as Error).message)}\n`,
      );
    }
  }

  return async () => {
    if (!handle) return;
    setRequestTag('phase cleanup');
    try {
      const { cleanupRun } = await import('../run/index.js');
      await cleanupRun(handle, run.runId);
    } catch (e) {
      process.stderr.write(
        `[pv] ${name}: cleanup of run ${run.runId} failed: ${redact((e as Error).message)}\n`,
      );
    }
  };
}
