// The cluster work of the main process, one cluster at a time: prove the kube context reaches the
// cluster it names (TECH-002) and sweep expired leftovers of crashed runs; at the end remove this
// run's resources. `pnpm test` runs proveAndSweep in a short-lived child process before the main
// process loads vitest (bin/launch.mjs -> bin/preflight.ts), so the long-lived main process never
// holds @kubernetes/client-node for it; globalSetup runs it in-process when there is no preflight
// outcome for the cluster (a bare `vitest`, or the preflight gave no answer).
import { existsSync, mkdirSync, readFileSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { ResolvedCluster } from '../config/index.js';
import { setRequestTag } from '../cluster/user-agent.js';
import { withTimeout } from '../cluster/timeout.js';
import { redact } from '../evidence/redact.js';
import { writeFileNoFollow } from '../evidence/safe-write.js';
import type { CleanupOutcome, PvIdentity } from './context.js';
import type { ClusterHandle } from '../cluster/index.js';
import { handleOptions, identityTimeout } from '../config/runtime.js';

export const PREFLIGHT_RESULT = 'PV_PREFLIGHT_RESULT ';

export interface PreflightResult {
  runId: string;
  clusters: Record<string, { key: string; outcome: PvIdentity }>;
}

/** What an outcome was proven for: it is used only for a cluster resolved to the same access and identity. */
export function preflightKey(c: ResolvedCluster): string {
  return JSON.stringify([c.name, c.context, c.kubeconfig ?? null, c.identity]);
}

/** The preflight outcome for `c`, if bin/launch.mjs ran the preflight for exactly this cluster. */
export function preflightOutcome(
  result: PreflightResult | undefined,
  c: ResolvedCluster,
): PvIdentity | undefined {
  const r = result?.clusters[c.name];
  return r && r.key === preflightKey(c) && typeof r.outcome?.ok === 'boolean' ? r.outcome : undefined;
}

/** Never throws: a failed proof is an outcome with ok=false and the reason (every check then fails with it). */
export async function proveAndSweep(
  cfg: ResolvedCluster,
): Promise<{ outcome: PvIdentity; handle?: ClusterHandle }> {
  const name = cfg.name;
  const base = { context: cfg.context, expected: cfg.identity.expected };
  const timeoutMs = identityTimeout();
  let handle: ClusterHandle | undefined;
  let outcome: PvIdentity;
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
    return { outcome }; // nothing is created or deleted on a cluster that did not prove who it is
  }
  setRequestTag('phase sweep');
  try {
    const { sweepExpired } = await import('../run/index.js');
    const swept = await sweepExpired(handle);
    if (swept.length) {
      outcome.swept = swept;
      process.stderr.write(`[pv] ${name}: swept expired leftovers of crashed runs: ${swept.join(', ')}\n`);
    }
  } catch (e) {
    outcome.sweepError = redact((e as Error).message);
    process.stderr.write(`[pv] ${name}: sweep of expired leftovers failed: ${outcome.sweepError}\n`);
  }
  return { outcome, handle };
}

// The run namespace is created by workers (the `run` fixture). They mark the run dir first, so the main
// process knows whether anything of this run can be on the cluster without listing it (and without
// loading client-node for a run that created nothing).
const marker = (runDir: string, cluster: string) => path.join(runDir, `.pv-run-namespace-${cluster}`);

export function markRunNamespace(runDir: string, cluster: string): void {
  const f = marker(runDir, cluster);
  if (existsSync(f)) return;
  mkdirSync(runDir, { recursive: true });
  writeFileSync(f, 'a worker of this run may have created its run namespace here\n');
}

/**
 * Main process, during the run: once a worker marks that it may create the run namespace on `cluster`,
 * load the cluster client in the background, so the end-of-run cleanup does not start by loading it
 * (seconds on a busy 2-core runner). A run that creates nothing never loads it. Returns the stop.
 */
export function warmCleanupOnMark(runDir: string, cluster: string): () => void {
  const name = path.basename(marker(runDir, cluster));
  let watcher: FSWatcher | undefined;
  const warm = () => {
    watcher?.close();
    watcher = undefined;
    void import('../run/index.js').catch(() => undefined);
  };
  try {
    mkdirSync(runDir, { recursive: true });
    watcher = watch(runDir, (_event, file) => {
      if (file === name) warm();
    });
    watcher.unref();
    if (existsSync(marker(runDir, cluster))) warm(); // marked before the watch began
  } catch {
    // no watch, no warm-up: the cleanup loads it when it runs
  }
  return () => watcher?.close();
}

/**
 * End of run (also after Ctrl-C): remove this run's resources on a proven cluster. Never throws: a
 * failure is returned (run.json names the leftovers, the run is not green, the gate says CONCERNS).
 */
export async function cleanupCluster(
  cfg: ResolvedCluster,
  outcome: PvIdentity,
  run: { runId: string; runDir: string },
  handle?: ClusterHandle,
): Promise<CleanupOutcome | undefined> {
  if (!outcome.ok || outcome.skipped) return undefined;
  if (!handle && !existsSync(marker(run.runDir, cfg.name))) return undefined; // nothing of this run is there
  setRequestTag('phase cleanup');
  try {
    if (!handle) {
      const { createClusterHandle } = await import('../cluster/index.js');
      handle = createClusterHandle(handleOptions(cfg));
      handle.identity = {
        expected: outcome.expected,
        seen: outcome.seen ?? '',
        serverVersion: outcome.serverVersion ?? '',
        server: outcome.server,
      };
    }
    const { cleanupRunReport } = await import('../run/index.js');
    await cleanupRunReport(handle, run.runId);
    rmSync(marker(run.runDir, cfg.name), { force: true });
    return { ok: true, leftovers: [] };
  } catch (e) {
    const error = redact((e as Error).message);
    process.stderr.write(`[pv] ${cfg.name}: cleanup of run ${run.runId} failed: ${error}\n`);
    const leftovers = (e as { leftovers?: string[] }).leftovers ?? [
      `run-owned resources of run ${run.runId}`,
    ];
    return { ok: false, leftovers, error };
  }
}

// The cleanup's outcome goes from the globalSetup teardown (vitest's copy of this module) to the
// reporter (bin/test.ts's copy) through the run dir: the teardown runs inside vitest.close(), after
// which nothing of the project's provided context is left to read. Keyed by the main process's pid
// too: two runner processes in one run dir (shards given the same run id and evidence dir) must never
// read each other's outcome (a clean teardown hiding the other's leftovers).
const cleanupRecord = (runDir: string, cluster: string) =>
  path.join(runDir, `.pv-cleanup-${cluster}-${process.pid}.json`);

export function recordCleanup(runDir: string, cluster: string, outcome: CleanupOutcome): void {
  try {
    writeFileNoFollow(cleanupRecord(runDir, cluster), JSON.stringify(outcome));
  } catch (e) {
    process.stderr.write(`[pv] ${cluster}: cannot record the cleanup outcome: ${(e as Error).message}\n`);
  }
}

/** The recorded cleanup outcomes of `clusters` (none when a cluster needed no cleanup). */
export function readCleanups(runDir: string, clusters: readonly string[]): Record<string, CleanupOutcome> {
  const out: Record<string, CleanupOutcome> = {};
  for (const c of clusters) {
    try {
      out[c] = JSON.parse(readFileSync(cleanupRecord(runDir, c), 'utf8')) as CleanupOutcome;
    } catch {
      // no record: nothing of this run was on the cluster, or its teardown did not run (run.json says so)
    }
  }
  return out;
}

/** A rerun into the same run dir starts without the records of the one before. */
export function clearCleanups(runDir: string, clusters: readonly string[]): void {
  for (const c of clusters) rmSync(cleanupRecord(runDir, c), { force: true });
}
