/**
 * Real Flux controllers in both lab clusters: source-controller and kustomize-controller, built
 * from their Go modules (lab/build/services), each a process per cluster on loopback.
 *
 * - They reconcile only objects labelled `lab.platform-validation.io/reconciler: flux`
 *   (`--watch-label-selector`, Flux's sharding flag): the platform's own GitRepository and
 *   Kustomizations stay with the simulation (their paths name manifests the lab does not have),
 *   while a labelled GitRepository/Kustomization gets upstream's real behaviour: clone, artifact,
 *   build, server-side apply, health checks (kstatus and healthCheckExprs), dependsOn, drift.
 * - source-controller clones from the lab's Git remote (lab/sim/git.ts, 127.0.0.1) and serves its
 *   artifacts on 127.0.0.1 (`--storage-adv-addr`), where kustomize-controller fetches them.
 * - Credentials: the lab admin (system:masters), as Flux's controllers are bound to cluster-admin.
 *   No events receiver (`--events-addr` empty), no leader election, metrics off; health on loopback.
 * They start after seeding (their watches need the CRDs): `startControllers` (index.ts), from `lab up`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { requireBuilt, serviceArtifacts, type FluxControllerBuild } from '../build/services/artifacts.js';
import { LAB_CLUSTERS, type LabClusterName } from '../core/topology.js';
import { servicePorts } from './ports.js';
import { probeHttp } from './probes.js';
import { clusterKubeconfig, procName, serviceDir, type ServicesContext } from './runtime.js';

/** The label that hands an object to the real controllers instead of the simulation. */
export const FLUX_RECONCILER_LABEL = 'lab.platform-validation.io/reconciler';
export const FLUX_RECONCILER = 'flux';

export type FluxController = FluxControllerBuild['name'];
export const FLUX_CONTROLLERS: readonly FluxController[] = ['source-controller', 'kustomize-controller'];

export const fluxProcess = (c: FluxController, cluster: LabClusterName) => procName(`${c}-${cluster}`);

/** Where source-controller serves artifacts for a cluster (also what it advertises). */
export function fluxStorageAddress(cluster: LabClusterName): string {
  return `127.0.0.1:${servicePorts().flux[cluster].storage}`;
}

async function startOne(ctx: ServicesContext, c: FluxController, cluster: LabClusterName): Promise<void> {
  const build = serviceArtifacts(ctx.paths.cache).fluxControllers.find((b) => b.name === c)!;
  requireBuilt(build.dir, `${c} ${build.version}`);
  const dir = path.join(serviceDir(ctx, 'flux'), `${c}-${cluster}`);
  fs.mkdirSync(dir, { recursive: true });
  const ports = servicePorts().flux[cluster];
  const health = c === 'source-controller' ? ports.sourceHealth : ports.kustomizeHealth;
  const common = [
    `--watch-label-selector=${FLUX_RECONCILER_LABEL}=${FLUX_RECONCILER}`,
    '--enable-leader-election=false',
    '--metrics-addr=0',
    `--health-addr=127.0.0.1:${health}`,
    '--events-addr=',
    '--concurrent=2',
    '--log-level=info',
    '--log-encoding=json',
  ];
  // source-controller refuses a storage path that is not an existing directory
  if (c === 'source-controller') fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const own =
    c === 'source-controller'
      ? [
          `--storage-path=${path.join(dir, 'data')}`,
          `--storage-addr=${fluxStorageAddress(cluster)}`,
          `--storage-adv-addr=${fluxStorageAddress(cluster)}`,
          '--artifact-retention-records=2',
        ]
      : ['--no-remote-bases=true', '--requeue-dependency=5s', '--http-retry=2'];
  await ctx.procs.start({
    name: fluxProcess(c, cluster),
    command: build.binary,
    args: [...common, ...own],
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      TMPDIR: dir,
      KUBECONFIG: clusterKubeconfig(ctx, cluster, dir),
      RUNTIME_NAMESPACE: 'flux-system',
      // nothing leaves loopback: no proxy, and artifacts are fetched where they are advertised
      NO_PROXY: '*',
      GOMAXPROCS: '1',
    },
    ports: c === 'source-controller' ? [ports.storage, health] : [health],
    group: 'services',
    ready: async () => (await probeHttp(`http://127.0.0.1:${health}/readyz`, [200], 2_000)).ok,
    readyTimeoutMs: 60_000,
  });
}

/** Both controllers on every lab cluster (running ones are kept), then the controller pods' logs. */
export async function startFluxControllers(ctx: ServicesContext): Promise<void> {
  const clusters = ctx.clusterNames ?? LAB_CLUSTERS;
  await Promise.all(
    clusters.flatMap((cl) =>
      FLUX_CONTROLLERS.map((c) =>
        ctx.procs.isRunning(fluxProcess(c, cl)) ? Promise.resolve() : startOne(ctx, c, cl),
      ),
    ),
  );
  for (const cl of clusters) await routeFluxLogs(ctx, cl);
}

/** The Flux controllers the simulation stands in for (their pods exist, no process runs). */
const SIMULATED_FLUX = ['helm-controller', 'notification-controller'] as const;

/**
 * One line as controller-runtime's zap JSON encoder writes it (Flux's `--log-encoding=json`
 * default): level, ts, msg, then the controller's keys.
 */
const zapLine = (msg: string, keys: Record<string, unknown>) =>
  JSON.stringify({ level: 'info', ts: new Date().toISOString(), msg, ...keys });

/**
 * `kubectl logs` of the flux-system controller pods (EVID-FLUX-001, AC12.2): source- and
 * kustomize-controller show the real processes' logs; helm- and notification-controller, which the
 * simulation stands in for, a log of what it did: controller-runtime's start lines and one line per
 * HelmRelease it holds Ready (simulated, not upstream's full reconciliation log).
 */
export async function routeFluxLogs(ctx: ServicesContext, cluster: LabClusterName): Promise<void> {
  const kc = ctx.clusters?.[cluster]?.kc;
  if (!ctx.routing || !kc) return;
  const core = kc.makeApiClient(CoreV1Api);
  const podsOf = async (app: string) =>
    (await core.listNamespacedPod({ namespace: 'flux-system', labelSelector: `app=${app}` })).items.map(
      (p) => p.metadata!.name!,
    );
  for (const c of FLUX_CONTROLLERS) {
    const pods = await podsOf(c);
    if (pods.length)
      await ctx.routing.routeLogs(cluster, {
        namespace: 'flux-system',
        pods,
        logsFile: ctx.procs.logFile(fluxProcess(c, cluster)),
      });
  }
  const releases =
    (
      (await kc.makeApiClient(CustomObjectsApi).listClusterCustomObject({
        group: 'helm.toolkit.fluxcd.io',
        version: 'v2',
        plural: 'helmreleases',
      })) as {
        items?: { metadata?: { name?: string; namespace?: string } }[];
      }
    ).items ?? [];
  const dir = serviceDir(ctx, 'flux-simulated');
  fs.mkdirSync(dir, { recursive: true });
  for (const c of SIMULATED_FLUX) {
    const pods = await podsOf(c);
    if (!pods.length) continue;
    const kind = c === 'helm-controller' ? 'HelmRelease' : 'Alert';
    const base = {
      controller: kind.toLowerCase(),
      controllerGroup: `${c.split('-')[0]}.toolkit.fluxcd.io`,
      controllerKind: kind,
    };
    const lines = [
      zapLine('Starting EventSource', { ...base, source: `kind source: *v1.${kind}` }),
      zapLine('Starting Controller', base),
      zapLine('Starting workers', { ...base, 'worker count': 4 }),
      ...(c === 'helm-controller'
        ? releases.map((r) =>
            zapLine('release in-sync with desired state', {
              ...base,
              HelmRelease: { name: r.metadata?.name, namespace: r.metadata?.namespace },
              namespace: r.metadata?.namespace,
              name: r.metadata?.name,
            }),
          )
        : []),
    ];
    const file = path.join(dir, `${c}-${cluster}.log`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    await ctx.routing.routeLogs(cluster, { namespace: 'flux-system', pods, logsFile: file });
  }
}

export async function stopFluxControllers(ctx: ServicesContext): Promise<void> {
  await Promise.all(
    LAB_CLUSTERS.flatMap((cl) => FLUX_CONTROLLERS.map((c) => ctx.procs.stop(fluxProcess(c, cl), 10_000))),
  );
}
