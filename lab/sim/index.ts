/**
 * lab/sim entry: `seed(ctx, faultsOf)` is called by `lab up` once both clusters are Ready and the
 * services run. It creates the simulated operators' CRDs and objects on both clusters, writes the status
 * those operators would (for the active scenario, `healthy` by default), installs the exec shims,
 * routes the simulated tool pods, starts the operator loop process and waits for the seeded
 * workloads to be rolled out. Idempotent: a second `lab up` re-applies the same state.
 * `verifyOperators(ctx)` (called by `lab up` / `lab reset` once everything is seeded) waits for one
 * complete operator pass that started after it was called and fails on that pass's errors.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppsV1Api } from '@kubernetes/client-node';
import type { LabContext } from '../core/context.js';
import type { LabClusterName } from '../core/topology.js';
import type { Faults } from './faults.js';
import { ensureGitRepo } from './git.js';
import { GIT_PORT, HUBBLE_RELAY_PORT, heartbeatFile } from './ports.js';
import {
  operatorsKickFile,
  operatorsStateFile,
  readOperatorPass,
  refusedWritesMessage,
  type OperatorPass,
} from './sim-errors.js';
import { seedCluster, simStateFile, syncWorld } from './world.js';

export { simStateFile } from './world.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const TOOLS_DIR = path.resolve(HERE, '..', 'tools', 'bin');
const OPERATORS = 'sim-operators';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Link every executable of lab/tools/bin into .lab/shims (first on KWOK's exec PATH). */
export function installShims(ctx: Pick<LabContext, 'paths'>): string[] {
  fs.mkdirSync(ctx.paths.shims, { recursive: true });
  const names = fs
    .readdirSync(TOOLS_DIR)
    .filter((n) => !n.startsWith('.') && (fs.statSync(path.join(TOOLS_DIR, n)).mode & 0o111) !== 0);
  for (const n of names) {
    const link = path.join(ctx.paths.shims, n);
    try {
      fs.rmSync(link, { force: true });
    } catch {}
    fs.symlinkSync(path.join(TOOLS_DIR, n), link);
  }
  return names;
}

function activeScenario(ctx: Pick<LabContext, 'paths'>): string {
  try {
    return fs.readFileSync(ctx.paths.scenarioFile, 'utf8').trim() || 'healthy';
  } catch {
    return 'healthy';
  }
}

async function startOperators(ctx: LabContext): Promise<void> {
  if (ctx.procs.isRunning(OPERATORS)) return;
  const hb = heartbeatFile(ctx.paths.root);
  fs.rmSync(hb, { force: true });
  await ctx.procs.start({
    name: OPERATORS,
    command: process.execPath,
    args: ['--import', 'tsx', path.join(HERE, 'operators-main.ts')],
    cwd: ctx.paths.repo,
    env: ctx.env,
    ports: [...Object.values(HUBBLE_RELAY_PORT), GIT_PORT],
    group: 'sim',
    ready: async () => fs.existsSync(hb),
    readyTimeoutMs: 60_000,
  });
}

/** Wait (bounded) until every Deployment/StatefulSet/DaemonSet in the seeded namespaces is ready. */
async function waitRolledOut(
  ctx: LabContext,
  cluster: LabClusterName,
  namespaces: Set<string>,
  timeoutMs: number,
): Promise<void> {
  const apps = ctx.clusters[cluster].kc.makeApiClient(AppsV1Api);
  const deadline = Date.now() + timeoutMs;
  let pending: string[] = [];
  while (Date.now() < deadline) {
    const [d, s, ds] = await Promise.all([
      apps.listDeploymentForAllNamespaces({}),
      apps.listStatefulSetForAllNamespaces({}),
      apps.listDaemonSetForAllNamespaces({}),
    ]);
    const mine = (x: { metadata?: { namespace?: string } }) => namespaces.has(x.metadata?.namespace ?? '');
    pending = [
      ...d.items
        .filter(mine)
        .filter((x) => (x.status?.readyReplicas ?? 0) < (x.spec?.replicas ?? 1))
        .map((x) => `deploy/${x.metadata!.namespace}/${x.metadata!.name}`),
      ...s.items
        .filter(mine)
        .filter((x) => (x.status?.readyReplicas ?? 0) < (x.spec?.replicas ?? 1))
        .map((x) => `sts/${x.metadata!.namespace}/${x.metadata!.name}`),
      ...ds.items
        .filter(mine)
        .filter(
          (x) =>
            (x.status?.numberReady ?? 0) < (x.status?.desiredNumberScheduled ?? 1) ||
            !x.status?.desiredNumberScheduled,
        )
        .map((x) => `ds/${x.metadata!.namespace}/${x.metadata!.name}`),
    ];
    if (!pending.length) return;
    await sleep(1000);
  }
  throw new Error(
    `${cluster}: seeded workloads not ready after ${timeoutMs / 1000}s: ${pending.slice(0, 12).join(', ')}${pending.length > 12 ? ` (+${pending.length - 12} more)` : ''}`,
  );
}

/**
 * `faultsOf` gives a scenario's simulated-world faults by name (lab/scenarios owns the scenarios;
 * `lab up` passes its registry's `scenarioFaults`), applied when `.lab/scenario` names one.
 */
export async function seed(ctx: LabContext, faultsOf: (scenario: string) => Faults): Promise<void> {
  const t0 = Date.now();
  const shims = installShims(ctx);
  ensureGitRepo(ctx.paths.root);
  const secs = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  const counts = await Promise.all(ctx.clusterNames.map((c) => seedCluster(ctx, c)));
  ctx.clusterNames.forEach((c, i) =>
    ctx.log(
      `sim: ${c}: ${counts[i]!.crds} CRDs Established, ${counts[i]!.objects} objects applied (${secs()})`,
    ),
  );
  for (const c of ctx.clusterNames) {
    await ctx.routing.routeExec(c, { namespace: 'rook-ceph', env: { PV_LAB_SIM_STATE: simStateFile(ctx) } });
    await ctx.routing.routePodPort(c, {
      namespace: 'kube-system',
      ports: [4245],
      target: { address: '127.0.0.1', port: HUBBLE_RELAY_PORT[c] },
    });
  }
  // healthy first (so the rollout wait is meaningful), then the active scenario's faults, if any
  const scenario = activeScenario(ctx);
  await syncWorld(ctx, 'healthy', {});
  ctx.log(`sim: operator status written (${secs()})`);
  await startOperators(ctx);
  await Promise.all(ctx.clusterNames.map((c, i) => waitRolledOut(ctx, c, counts[i]!.namespaces, 120_000)));
  ctx.log(`sim: seeded workloads rolled out (${secs()})`);
  if (scenario !== 'healthy') await syncWorld(ctx, scenario, faultsOf(scenario));
  ctx.log(
    `sim: seeded both clusters in ${((Date.now() - t0) / 1000).toFixed(1)} s (shims: ${shims.join(', ')}; scenario: ${scenario})`,
  );
}

/**
 * Wait (bounded) for one complete pass of the operator loop that started after this call (the
 * loop is kicked, so this takes about one pass: ~1 s), and fail naming cluster, part, object and the
 * API server's message when that pass had errors: a refused status write is a broken lab, whatever
 * status an older lab left behind (issue 13). A race (404, namespace terminating) is not an error.
 */
export async function verifyOperators(ctx: LabContext, timeoutMs = 30_000): Promise<OperatorPass> {
  const logFile = ctx.procs.logFile(OPERATORS);
  if (!ctx.procs.isRunning(OPERATORS)) throw new Error(`sim-operators is not running (log: ${logFile})`);
  const file = operatorsStateFile(ctx.paths.root);
  const since = Date.now();
  const kick = operatorsKickFile(ctx.paths.root);
  fs.mkdirSync(path.dirname(kick), { recursive: true });
  fs.writeFileSync(kick, `${new Date(since).toISOString()}\n`);
  const deadline = since + timeoutMs;
  for (;;) {
    const p = readOperatorPass(file);
    if (p && Date.parse(p.startedAt) >= since) {
      if (p.errors.length) throw new Error(refusedWritesMessage(p, file, logFile));
      ctx.log(
        `sim: operator pass ${p.pass} after seeding had no errors (${((Date.now() - since) / 1000).toFixed(1)} s)`,
      );
      return p;
    }
    if (Date.now() > deadline)
      throw new Error(
        `sim-operators: no complete pass within ${timeoutMs / 1000} s after seeding (last: ${p ? `pass ${p.pass} started ${p.startedAt}` : 'none'}; ${file}; log: ${logFile})`,
      );
    if (!ctx.procs.isRunning(OPERATORS))
      throw new Error(`sim-operators stopped while waiting for its pass (log: ${logFile})`);
    await sleep(100);
  }
}
