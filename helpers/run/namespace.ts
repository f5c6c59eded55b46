// The run-owned namespace: one per run per cluster, created lazily on first use (read-only checks
// never create it), labelled with the run id and annotated with an expiry so a later run can sweep it.
import { ApiException, type V1Namespace } from '@kubernetes/client-node';
import { identityProven, where, type ClusterHandle } from '../cluster/handle.js';
import { errorText } from '../cluster/errors.js';
import { closeAllTunnels } from '../tunnel/tunnel.js';
import { runCleanups, type CleanupReport } from './cleanup.js';
import {
  ANNOTATION_EXPIRES,
  LABEL_OWNED,
  LABEL_RUN_ID,
  LABEL_SHARD,
  currentRunId,
  runNamespaceName,
  shardLabel,
  isRunNamespace,
} from './ids.js';
import { setting } from '../config/settings.js';

/** Pod Security: run namespaces admit only `restricted` pods (the admission policy requires the label). */
export const POD_SECURITY_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
} as const;

/** How long a run namespace lives if its run never cleans up (PV_RUN_TTL_MINUTES, default 180). */
export function runTtlMs(env: NodeJS.ProcessEnv = process.env): number {
  return setting('PV_RUN_TTL_MINUTES', env) * 60_000;
}

export class RunResourceError extends Error {
  override name = 'RunResourceError';
}

/** Throws unless the cluster proved its identity: nothing is created or deleted on an unproven cluster. */
export function assertWritable(cluster: ClusterHandle, action: string): void {
  if (!identityProven(cluster)) {
    const id = cluster.identity;
    throw new RunResourceError(
      `refusing to ${action} on ${where(cluster)}: its identity is not proven` +
        (id ? ` (expected "${id.expected}", seen "${id.seen}")` : ' (proveIdentity has not succeeded)'),
    );
  }
}

const created = new Map<string, Promise<string>>();

/** Creates (once; idempotent across workers) and returns this run's namespace on `cluster`. */
export function ensureRunNamespace(cluster: ClusterHandle, runId: string = currentRunId()): Promise<string> {
  const key = `${cluster.name}|${cluster.context}|${runId}`;
  let p = created.get(key);
  if (!p) {
    p = createRunNamespace(cluster, runId);
    created.set(key, p);
    p.catch(() => created.delete(key)); // a failed attempt may be retried
  }
  return p;
}

/** Alias: `runNamespace(cluster)` for the current run. */
export function runNamespace(cluster: ClusterHandle): Promise<string> {
  return ensureRunNamespace(cluster);
}

async function createRunNamespace(cluster: ClusterHandle, runId: string): Promise<string> {
  assertWritable(cluster, 'create the run namespace');
  const name = runNamespaceName(runId);
  const body: V1Namespace = {
    metadata: {
      name,
      labels: {
        [LABEL_RUN_ID]: runId,
        [LABEL_OWNED]: 'true',
        [LABEL_SHARD]: shardLabel(),
        ...POD_SECURITY_LABELS,
      },
      annotations: { [ANNOTATION_EXPIRES]: new Date(Date.now() + runTtlMs()).toISOString() },
    },
  };
  try {
    await cluster.core.createNamespace({ body });
    return name;
  } catch (err) {
    if (!(err instanceof ApiException && err.code === 409)) {
      throw new RunResourceError(
        `cannot create run namespace ${name} on ${where(cluster)}: ${errorText(err).split('\n')[0]}`,
      );
    }
  }
  // already there: another worker of this run made it, or a stranger's namespace with our name
  const ns = await cluster.core.readNamespace({ name });
  if (ns.metadata?.labels?.[LABEL_RUN_ID] !== runId || ns.metadata?.labels?.[LABEL_OWNED] !== 'true') {
    throw new RunResourceError(
      `namespace ${name} on ${where(cluster)} exists but is not owned by run ${runId}; not using it`,
    );
  }
  if (ns.status?.phase === 'Terminating') {
    throw new RunResourceError(`run namespace ${name} on ${where(cluster)} is terminating`);
  }
  return name;
}

/** Deletes each namespace; one that cannot be deleted is a leftover, and the others are still tried. */
async function deleteNamespaces(
  cluster: ClusterHandle,
  names: string[],
): Promise<{ deleted: string[]; failed: { name: string; error: string }[] }> {
  const deleted: string[] = [];
  const failed: { name: string; error: string }[] = [];
  for (const name of names) {
    try {
      await cluster.core.deleteNamespace({ name, propagationPolicy: 'Background' });
      deleted.push(name);
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) continue;
      failed.push({ name, error: errorText(err).split('\n')[0] ?? 'failed' });
    }
  }
  return { deleted, failed };
}

export interface RunCleanupResult extends CleanupReport {
  namespacesDeleted: string[];
}

/**
 * End of run (also on failure and on SIGINT/SIGTERM), in the process that owns the run: runs this process's
 * registered cleanups for `cluster`, then deletes the run's namespace(s) there (by label, never anything else).
 */
export async function cleanupRun(cluster: ClusterHandle, runId: string = currentRunId()): Promise<void> {
  await cleanupRunReport(cluster, runId);
}

export async function cleanupRunReport(
  cluster: ClusterHandle,
  runId: string = currentRunId(),
): Promise<RunCleanupResult> {
  const report = await runCleanups(cluster);
  let namespacesDeleted: string[] = [];
  const leftovers = report.failed.map((f) => `${f.description}: ${f.error}`);
  if (identityProven(cluster)) {
    // this shard's namespace only: the other shards of the run remove their own
    const own = runNamespaceName(runId);
    const list = await cluster.core.listNamespace({
      labelSelector: `${LABEL_OWNED}=true,${LABEL_RUN_ID}=${runId},${LABEL_SHARD}=${shardLabel()}`,
    });
    const r = await deleteNamespaces(
      cluster,
      list.items
        .filter((n) => isRunNamespace(n, runId) && n.metadata!.name === own)
        .map((n) => n.metadata!.name!),
    );
    namespacesDeleted = r.deleted;
    leftovers.push(...r.failed.map((f) => `namespace ${f.name}: ${f.error}`));
  }
  for (const k of [...created.keys()]) if (k.startsWith(`${cluster.name}|`)) created.delete(k);
  if (leftovers.length) {
    throw Object.assign(
      new RunResourceError(`cleanup of run ${runId} on ${where(cluster)}: ${leftovers.join('; ')}`),
      { leftovers },
    );
  }
  return { ...report, namespacesDeleted };
}

/** Worker/process end: registered cleanups of every cluster, then every tunnel closed. Never throws. */
export async function shutdownProcessResources(): Promise<CleanupReport> {
  const report = await runCleanups(undefined).catch((e: unknown) => ({
    done: [],
    failed: [{ description: 'cleanups', error: errorText(e) }],
  }));
  await closeAllTunnels().catch(() => undefined);
  return report;
}

/**
 * Deletes leftover run namespaces whose expiry passed (crashed runs). Only namespaces with the
 * `pv-run-` prefix and both labels; never the current run's. Returns the deleted names.
 */
export async function sweepExpired(cluster: ClusterHandle, now: Date = new Date()): Promise<string[]> {
  assertWritable(cluster, 'sweep expired run namespaces');
  const current = setting('PV_RUN_ID');
  const list = await cluster.core.listNamespace({ labelSelector: `${LABEL_OWNED}=true,${LABEL_RUN_ID}` });
  const expired = list.items.filter((ns) => {
    if (!isRunNamespace(ns) || ns.status?.phase === 'Terminating') return false;
    if (current && ns.metadata?.labels?.[LABEL_RUN_ID] === current) return false;
    const exp = Date.parse(ns.metadata?.annotations?.[ANNOTATION_EXPIRES] ?? '');
    return Number.isFinite(exp) && exp < now.getTime();
  });
  const r = await deleteNamespaces(
    cluster,
    expired.map((n) => n.metadata!.name!),
  );
  if (r.failed.length) {
    throw new RunResourceError(
      `sweep on ${where(cluster)} removed ${r.deleted.join(', ') || 'nothing'}; could not delete ${r.failed.map((f) => `${f.name} (${f.error})`).join(', ')}`,
    );
  }
  return r.deleted;
}
