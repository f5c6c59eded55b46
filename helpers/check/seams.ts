// The runner's view of helpers/cluster and helpers/run (owned by the cluster helper; signatures in
// docs/ARCHITECTURE.md). Imported lazily so a run that never reaches a cluster (bad config, unknown
// tag) does not load client libraries, and so the runner can be unit-tested on its own.
import { fileURLToPath } from 'node:url';
import type { ResolvedCluster } from '../config/index.js';

export interface ClusterIdentity {
  expected: string;
  seen: string;
  serverVersion: string;
  server?: string;
}

/** Structural subset of helpers/cluster's ClusterHandle the runner uses. */
export interface RunnerClusterHandle {
  name: string;
  context: string;
  server?: string;
  identity?: Partial<ClusterIdentity>;
  core: import('@kubernetes/client-node').CoreV1Api;
  objects?: import('@kubernetes/client-node').KubernetesObjectApi;
  touched?: Array<{ apiVersion?: string; kind: string; namespace?: string; name: string }>;
  close?: () => void | Promise<void>;
}

interface ClusterModule {
  createClusterHandle(opts: {
    name: string;
    context: string;
    kubeconfig?: string;
    identity: ResolvedCluster['identity'];
    requestTimeoutMs?: number;
  }): RunnerClusterHandle;
  proveIdentity(cluster: RunnerClusterHandle, opts?: { timeoutMs?: number }): Promise<ClusterIdentity>;
}

interface RunModule {
  ensureRunNamespace(cluster: RunnerClusterHandle, runId: string): Promise<string>;
  runOwnedName(runId: string, prefix: string): string;
  cleanupRun(cluster: RunnerClusterHandle, runId: string): Promise<void>;
  sweepExpired(cluster: RunnerClusterHandle): Promise<string[]>;
}

// absolute paths in variables: vite's module runner (globalSetup, workers) resolves them as is, and
// TypeScript does not require the modules to have landed yet
const CLUSTER_MODULE = fileURLToPath(new URL('../cluster/index.ts', import.meta.url));
const RUN_MODULE = fileURLToPath(new URL('../run/index.ts', import.meta.url));

export async function clusterModule(): Promise<ClusterModule> {
  return (await import(/* @vite-ignore */ CLUSTER_MODULE)) as ClusterModule;
}

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
