// The runner's view of helpers/cluster and helpers/run (owned by the cluster helper; signatures in
// docs/ARCHITECTURE.md). helpers/run is imported lazily: read-only runs never need it, and the
// runner keeps working while it lands.
import { fileURLToPath } from 'node:url';
import type { ClusterHandle } from '../cluster/index.js';
import type { ResolvedCluster } from '../config/index.js';

export type { ClusterHandle };
export type RunnerClusterHandle = ClusterHandle;

interface RunModule {
  ensureRunNamespace(cluster: ClusterHandle, runId: string): Promise<string>;
  runOwnedName(runId: string, prefix: string): string;
  cleanupRun(cluster: ClusterHandle, runId: string): Promise<void>;
  sweepExpired(cluster: ClusterHandle): Promise<string[]>;
}

// an absolute path in a variable: vite's module runner resolves it as is, and TypeScript does not
// require the module to exist yet
const RUN_MODULE = fileURLToPath(new URL('../run/index.ts', import.meta.url));

export async function runModule(): Promise<RunModule> {
  return (await import(/* @vite-ignore */ RUN_MODULE)) as RunModule;
}

export function handleOptions(c: ResolvedCluster, requestTimeoutMs = requestTimeout()) {
  return {
    name: c.name,
    context: c.context,
    kubeconfig: c.kubeconfig,
    identity: c.identity,
    requestTimeoutMs,
  };
}

/** Per-request bound for API calls (PV_REQUEST_TIMEOUT_MS, default 10 s). */
export function requestTimeout(): number {
  const v = Number(process.env.PV_REQUEST_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : 10_000;
}

/** Bound for the whole identity proof (PV_IDENTITY_TIMEOUT_MS, default 20 s). */
export function identityTimeout(): number {
  const v = Number(process.env.PV_IDENTITY_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : 20_000;
}
