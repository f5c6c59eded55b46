// Runtime bounds of cluster access, read from the environment: the one owner of their defaults.
// bin/launch.mjs (plain JavaScript, runs before TypeScript can be loaded) repeats the two defaults
// in its preflight budget; test/unit/config/runtime.test.ts keeps them equal.
import type { ResolvedCluster } from './load.js';

/** Bound of every API request unless PV_REQUEST_TIMEOUT_MS says otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
/** Bound of a whole identity proof unless PV_IDENTITY_TIMEOUT_MS says otherwise. */
export const DEFAULT_IDENTITY_TIMEOUT_MS = 20_000;

function positive(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** Per-request bound for API calls (PV_REQUEST_TIMEOUT_MS, default 10 s). */
export function requestTimeout(env: NodeJS.ProcessEnv = process.env): number {
  return positive(env.PV_REQUEST_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS);
}

/** Bound for the whole identity proof (PV_IDENTITY_TIMEOUT_MS, default 20 s). */
export function identityTimeout(env: NodeJS.ProcessEnv = process.env): number {
  return positive(env.PV_IDENTITY_TIMEOUT_MS, DEFAULT_IDENTITY_TIMEOUT_MS);
}

/** The options of `createClusterHandle` for a resolved cluster: every handle is built from these. */
export function handleOptions(c: ResolvedCluster, requestTimeoutMs = requestTimeout()) {
  return {
    name: c.name,
    context: c.context,
    kubeconfig: c.kubeconfig,
    identity: c.identity,
    requestTimeoutMs,
  };
}
