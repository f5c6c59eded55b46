// The runner's view of helpers/cluster (owned by the cluster helper; see docs/ARCHITECTURE.md).
import type { ClusterHandle } from '../cluster/index.js';
import type { ResolvedCluster } from '../config/index.js';

export type { ClusterHandle };
export type RunnerClusterHandle = ClusterHandle;

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
