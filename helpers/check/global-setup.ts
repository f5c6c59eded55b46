// Per-project (= per-cluster) globalSetup, in the main process, before any check of the cluster runs:
// the cluster's identity outcome (TECH-002) is provided to its workers, and at the end this run's
// resources are removed. Under `pnpm test` the identity was proven (and expired leftovers swept) by
// bin/test.ts before vitest started (provided as pvPreflight); under a bare `vitest` it is done here.
// Never throws: a failure is handed to every check of the project (they fail with the reason) so the
// JUnit still lists them.
import type { TestProject } from 'vitest/node';
import type { PvIdentity } from './context.js';
import { cleanupCluster, proveAndSweep, recordCleanup, warmCleanupOnMark } from './preflight.js';
import type { ClusterHandle } from '../cluster/index.js';
import { setting } from '../config/settings.js';

export default async function setup(project: TestProject) {
  const provided = project.getProvidedContext();
  const cfg = provided.pvClusterConfig;
  const run = provided.pvRun;
  const name = cfg.name;
  let outcome: PvIdentity;
  let handle: ClusterHandle | undefined;

  if (setting('PV_IDENTITY') === 'skip') {
    // bench-only escape hatch; never in real runs, printed loudly every time
    process.stderr.write(
      `\n!!! PV_IDENTITY=skip: identity of cluster "${name}" NOT proven (benchmark mode). Never use this for a real run. !!!\n\n`,
    );
    outcome = {
      ok: true,
      skipped: true,
      context: cfg.context,
      expected: cfg.identity.expected,
      seen: '(not checked: PV_IDENTITY=skip)',
    };
  } else {
    const pre = provided.pvPreflight?.[name];
    if (pre) outcome = pre;
    else ({ outcome, handle } = await proveAndSweep(cfg));
  }
  project.provide('pvIdentity', outcome);

  const stopWarm = outcome.ok && !outcome.skipped ? warmCleanupOnMark(run.runDir, name) : () => undefined;
  return async () => {
    stopWarm();
    if (outcome.skipped) return;
    const result = await cleanupCluster(cfg, outcome, run, handle);
    if (result) recordCleanup(run.runDir, name, result);
  };
}
