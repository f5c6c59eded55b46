// Runtime bounds of cluster access, read from the environment: the one owner of their defaults.
// bin/launch.mjs (plain JavaScript, runs before TypeScript can be loaded) repeats the two defaults
// in its preflight budget; test/unit/config/runtime.test.ts keeps them equal.
import type { ResolvedCluster } from './load.js';
import { SETTINGS, setting } from './settings.js';

/** Bound of every API request unless PV_REQUEST_TIMEOUT_MS says otherwise. */
export const DEFAULT_REQUEST_TIMEOUT_MS = SETTINGS.PV_REQUEST_TIMEOUT_MS.default;
/** Bound of a whole identity proof unless PV_IDENTITY_TIMEOUT_MS says otherwise. */
export const DEFAULT_IDENTITY_TIMEOUT_MS = SETTINGS.PV_IDENTITY_TIMEOUT_MS.default;

/** Per-request bound for API calls (PV_REQUEST_TIMEOUT_MS, default 10 s). */
export function requestTimeout(env: NodeJS.ProcessEnv = process.env): number {
  return setting('PV_REQUEST_TIMEOUT_MS', env);
}

/** Bound for the whole identity proof (PV_IDENTITY_TIMEOUT_MS, default 20 s). */
export function identityTimeout(env: NodeJS.ProcessEnv = process.env): number {
  return setting('PV_IDENTITY_TIMEOUT_MS', env);
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
