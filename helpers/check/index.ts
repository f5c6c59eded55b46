// check(): declares one vitest test per check, only in the project (= cluster) it applies to.
// See docs/ARCHITECTURE.md "Declaring a check".
import path from 'node:path';
import { inject, test, TestRunner, type TestContext } from 'vitest';
import type { Facts } from '../config/index.js';
import { createEvidence, flushSecrets, redactTaskResult, type Evidence } from '../evidence/index.js';
import { CheckDefinitionError, parseCheckMeta, type CheckMeta, type CheckMetaInput } from './meta.js';
import type { ClusterHandle } from '../cluster/index.js';
import { handleOptions } from '../config/runtime.js';
import { collectFailureEvidence } from './failure-evidence.js';
import { markRunNamespace } from './preflight.js';
import type { SweepRecord } from '../run/sweep-owned.js';
import './context.js';

export { CheckDefinitionError, type CheckMeta, type CheckMetaInput } from './meta.js';
export { COMPONENTS, PRIORITIES, ALL_TAGS } from './tags.js';
export type { Evidence } from '../evidence/index.js';

declare module 'vitest' {
  interface TaskMeta {
    pv?: CheckMeta & { cluster: string; file: string };
    evidence?: string[];
    metrics?: Record<string, number>;
    /** Errors each failed attempt added to result.errors (vitest keeps all attempts in one list). */
    attemptErrors?: number[];
    /** The first line of each failed attempt's first error (redacted): kept if a retry then skips. */
    attemptMessages?: string[];
    /** Leftovers of earlier runs this check swept (`<kind> <name>`), for run.json clusters[].swept. */
    swept?: string[];
    /** What such a sweep could not remove, for run.json clusters[].sweepError. */
    sweepErrors?: string[];
  }
}

/** The run-owned resources of this cluster (helpers/run); the namespace is created on first use only. */
export interface RunContext {
  readonly id: string;
  namespace(): Promise<string>;
  /**
   * The run's namespace on another proven cluster of the environment (a peer from
   * helpers/reads/peers.ts), same name as on this one: what cross-cluster checks (a ClusterMesh
   * global Service) need. The end-of-run cleanup removes it when that cluster is part of the run;
   * otherwise its expiry sweep does.
   */
  namespaceOn(other: ClusterHandle): Promise<string>;
  name(prefix: string): string;
  /**
   * Registers the removal of something the check created outside the run namespace (a key, a topic, a
   * subject, a repository). The check still removes it itself in `finally`, then calls the returned
   * function. If the run is interrupted first, vitest abandons the check mid-body (its `finally` never
   * runs) and this worker runs `fn` at its shutdown, before its tunnels close.
   */
  cleanup(description: string, fn: () => unknown): () => void;
}

export interface CheckEvidence extends Evidence {
  /** Record a measured value (JUnit `metric.<name>`; its target comes from the check's `targets`). */
  metric(name: string, value: number): void;
  /** Record a sweep of earlier runs' leftovers (helpers/run sweepRunOwned): attachment + run.json. */
  swept(kind: string, record: SweepRecord): void;
}

// ---- fixtures ------------------------------------------------------------------------------
// The handle the `cluster` fixture creates in this worker; failure evidence reads what it touched.
let workerHandle: ClusterHandle | undefined;

export const pvTest = test
  // eslint-disable-next-line no-empty-pattern -- vitest reads fixture dependencies from the pattern
  .extend('cluster', { scope: 'worker' }, async ({}, { onCleanup }) => {
    const identity = inject('pvIdentity');
    if (!identity.ok) throw identityFailure();
    // loaded on first use: checks that never touch the cluster do not pay for the client library
    const { createClusterHandle } = await import('../cluster/index.js');
    const handle = createClusterHandle(handleOptions(inject('pvClusterConfig')));
    // the identity was proven against one server: a kubeconfig rewritten since must not send this
    // worker's requests (writes included) somewhere unproven
    if (identity.server && handle.server !== identity.server) {
      throw Object.assign(
        new Error(
          `cluster "${handle.name}" (context "${handle.context}"): the kubeconfig now points at ${handle.server}, but the identity was proven on ${identity.server}; nothing was sent`,
        ),
        { name: 'ClusterNotVerified' },
      );
    }
    handle.identity ??= {
      expected: identity.expected,
      seen: identity.seen ?? '',
      serverVersion: identity.serverVersion ?? '',
      server: identity.server,
    };
    workerHandle = handle;
    // loaded now, not in the teardown: a module fetched while vitest stops the worker waits on the main
    // process, which waits for the worker to stop (each such worker cost the run 60 s)
    const { shutdownProcessResources } = await import('../run/index.js');
    // the main process is gone (SIGKILL, OOM): nobody will stop this worker, and its checks would go
    // on against the cluster. Remove what it registered (bounded), then exit.
    const onOrphaned = () => {
      const bound = setTimeout(() => process.exit(1), 20_000);
      void shutdownProcessResources().finally(() => {
        clearTimeout(bound);
        process.exit(1);
      });
    };
    process.once('disconnect', onOrphaned);
    onCleanup(async () => {
      process.off('disconnect', onOrphaned);
      workerHandle = undefined;
      // cleanups registered in this worker (run-owned objects, tunnels) live in this worker
      await shutdownProcessResources();
      await flushSecrets();
    });
    return handle;
  })
  .extend('run', { scope: 'worker' }, async ({ cluster }) => {
    const { runId, runDir } = inject('pvRun');
    const { ensureRunNamespace, registerCleanup, runOwnedName } = await import('../run/index.js');
    const run: RunContext = {
      id: runId,
      // created on first use (idempotent across workers); refused unless the identity was proven.
      // The mark tells the main process that this run's resources may be on the cluster (cleanup).
      namespace: () => {
        markRunNamespace(runDir, cluster.name);
        return ensureRunNamespace(cluster, runId);
      },
      namespaceOn: (other) => {
        markRunNamespace(runDir, other.name);
        return ensureRunNamespace(other, runId);
      },
      name: (prefix) => runOwnedName(runId, prefix),
      cleanup: (description, fn) => registerCleanup(cluster, description, fn),
    };
    return run;
  })
  // eslint-disable-next-line no-empty-pattern
  .extend('facts', async ({}) => inject('pvClusterConfig').facts as Facts)
  .extend('evidence', async ({ task, annotate }) => evidenceFor(task, annotate))
  // Runs for every check, before its body: the identity gate (TECH-002) and failure evidence.
  .extend('_guard', { auto: true }, async ({ onTestFailed, onTestFinished }) => {
    const identity = inject('pvIdentity');
    if (!identity.ok) throw identityFailure();
    const touchedBefore = workerHandle?.touched?.mark ?? 0;
    onTestFailed(async ({ task: t }) => {
      const errors = t.result?.errors ?? [];
      // runs once per failed attempt: the reporter splits result.errors into attempts with these counts
      const counts = (t.meta.attemptErrors ??= []);
      const added = errors.length - counts.reduce((a, b) => a + b, 0);
      counts.push(added);
      const first = errors[errors.length - Math.max(added, 1)] as { message?: string } | undefined;
      (t.meta.attemptMessages ??= []).push((first?.message ?? 'failed').split('\n')[0]!.slice(0, 300));
      if (workerHandle) {
        await collectFailureEvidence(workerHandle, touchedBefore, evidenceFor(t)).catch(() => undefined);
      }
      redactTaskResult(t);
      await flushSecrets();
    });
    // every result (errors, skip note, diffs) leaves the worker masked, and the main process knows the
    // values first (its reporters mask again with them)
    onTestFinished(async ({ task: t }) => {
      redactTaskResult(t);
      await flushSecrets();
    });
    return true;
  });

function identityFailure(): Error {
  const id = inject('pvIdentity');
  const err = new Error(
    id.error ??
      `cluster "${inject('pvCluster')}": identity not proven (context "${id.context}", expected "${id.expected}", seen "${id.seen ?? 'nothing'}")`,
  );
  err.name = 'ClusterNotVerified';
  err.stack = `${err.name}: ${err.message}`; // the framework's stack says nothing useful here
  return err;
}

function evidenceFor(task: TestContext['task'], annotate?: TestContext['annotate']): CheckEvidence {
  const pv = task.meta.pv;
  const ev = createEvidence({
    runDir: inject('pvRun').runDir,
    checkId: pv?.id ?? task.name.split(' ')[0] ?? 'unknown',
    cluster: inject('pvCluster'),
    task: task as unknown as { meta: Record<string, unknown> },
    annotate: annotate ? (m, t) => annotate(m, t) : undefined,
  });
  return Object.assign(ev, {
    metric(name: string, value: number) {
      task.meta.metrics = { ...task.meta.metrics, [name]: value };
    },
    swept(kind: string, record: SweepRecord) {
      if (!record.removed.length && !record.failed.length) return;
      ev.json(`swept-${kind.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, record);
      task.meta.swept = [...(task.meta.swept ?? []), ...record.removed.map((n) => `${kind} ${n}`)];
      task.meta.sweepErrors = [
        ...(task.meta.sweepErrors ?? []),
        ...record.failed.map((f) => `${kind} ${f.name}: ${f.error}`),
      ];
    },
  });
}

// ---- check() -------------------------------------------------------------------------------
/** What a check's body receives: the fixtures plus vitest's own test context. */
export type CheckContext = Fixtures;
type Fixtures = {
  cluster: ClusterHandle;
  facts: Facts;
  evidence: CheckEvidence;
  run: RunContext;
} & TestContext;

/**
 * Ids declared per file. A worker may collect several files with one module instance (isolate: false),
 * so this only catches a duplicate inside one file; cross-file duplicates are the reporter's (it sees
 * every file and names both).
 */
const declared = new Map<string, Set<string>>();

/** The test file being collected, relative to the project root. */
function currentFile(): string {
  const f = TestRunner.getCurrentSuite()?.file;
  const abs = f?.filepath ?? f?.name;
  if (!abs) return '(unknown file)';
  return path.isAbsolute(abs) ? path.relative(process.cwd(), abs) || abs : abs;
}

export function check(meta: CheckMetaInput, fn: (ctx: Fixtures) => unknown | Promise<unknown>): void {
  const file = currentFile();
  const m = parseCheckMeta(meta, file);
  const env = inject('pvEnv');
  const project = inject('pvCluster');
  if (!env || !project) {
    throw new CheckDefinitionError(
      `${file}: check ${m.id} declared outside a cluster project (run it through pnpm test)`,
    );
  }
  const missing = m.clusters.filter((c) => !env.clusters.includes(c));
  if (missing.length) {
    throw new CheckDefinitionError(
      `${file}: check ${m.id} names cluster(s) ${missing.map((c) => `"${c}"`).join(', ')} that environment "${env.name}" of ${env.configFile} does not define; expected any of: ${env.clusters.join(', ')}`,
    );
  }
  const ids = declared.get(file) ?? new Set<string>();
  declared.set(file, ids);
  if (ids.has(m.id)) {
    throw new CheckDefinitionError(`duplicate check id ${m.id}: declared twice in ${file}`);
  }
  ids.add(m.id);
  if (!m.clusters.includes(project)) return;

  // disruptive checks are selected by a tagsFilter (`!disruptive` unless --allow-disruptive), set by bin/test.ts
  pvTest(
    `${m.id} ${m.title}`,
    {
      tags: [m.priority, m.component, ...(m.disruptive ? ['disruptive'] : [])],
      timeout: m.timeoutMs,
      retry: m.retry,
      meta: { pv: { ...m, cluster: project, file } },
    },
    fn as never,
  );
}
