/**
 * lab/sim entry: `seed(ctx, faultsOf)` is called by `lab up` once both clusters are Ready and the
 * services run. It creates the simulated operators' CRDs and objects on both clusters, writes the status
 * those operators would (for the active scenario, `healthy` by default), installs the exec shims,
 * routes the simulated tool pods, starts the operator loop process and waits for the seeded
 * workloads to be rolled out. Idempotent: a second `lab up` re-applies the same state.
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
