/**
 * Stakater Reloader's real controller (v1.4.22, lab/build/services/versions.env), one process for
 * the apps cluster, standing behind the simulated Deployment kube-system/reloader there.
 *
 * - One only: upstream hard-codes its HTTP listener (metrics and /live) to :9090, every interface,
 *   with no flag to move it, so a second Reloader on this machine could not start. infra's
 *   kube-system/reloader stays a simulated object, and the lab's facts say so
 *   (facts.reloader.enabled false on infra: lab/facts.ts). It only listens there; it dials only the
 *   API server on 127.0.0.1, and every proxy variable points at a closed loopback port.
 * - It watches every namespace, with upstream's defaults (env-vars reload strategy, no reload on
 *   create), as the chart runs it. No fixture carries a Reloader annotation, so only what a check
 *   annotates is ever reloaded.
 * - Credentials: the lab admin (the chart binds it to a ClusterRole that updates workloads).
 *   RELOADER_NAMESPACE/RELOADER_DEPLOYMENT_NAME as the chart sets them, so it writes its
 *   `reloader-meta-info` ConfigMap into kube-system as the real one does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { requireBuilt, serviceArtifacts } from '../build/services/artifacts.js';
import type { LabClusterName } from '../core/topology.js';
import { probeHttp } from './probes.js';
import {
  DEAD_PROXY_ENV,
  assertPortsFree,
  clusterKubeconfig,
  procName,
  serviceDir,
  type ServicesContext,
} from './runtime.js';

/** the cluster whose Reloader is real */
export const RELOADER_CLUSTER: LabClusterName = 'apps';
/** upstream's fixed listen port (constants.DefaultHttpListenAddr ":9090") */
export const RELOADER_HTTP_PORT = 9090;
export const reloaderProcess = procName(`reloader-${RELOADER_CLUSTER}`);

/** Start the controller unless it runs, or its cluster is not part of this lab. */
export async function startReloader(ctx: ServicesContext): Promise<void> {
  if (ctx.procs.isRunning(reloaderProcess)) return;
  if (ctx.clusterNames && !ctx.clusterNames.includes(RELOADER_CLUSTER)) return;
  const build = serviceArtifacts(ctx.paths.cache).reloaderController;
  requireBuilt(build.dir, `Reloader ${build.version}`);
  await assertPortsFree('reloader', [RELOADER_HTTP_PORT]);
  const dir = path.join(serviceDir(ctx, 'reloader'), RELOADER_CLUSTER);
  fs.mkdirSync(dir, { recursive: true });
  await ctx.procs.start({
    name: reloaderProcess,
    command: build.binary,
    args: ['--log-level=info'],
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      TMPDIR: dir,
      KUBECONFIG: clusterKubeconfig(ctx, RELOADER_CLUSTER, dir),
      RELOADER_NAMESPACE: 'kube-system',
      RELOADER_DEPLOYMENT_NAME: 'reloader',
      // it has no outbound HTTP unless a webhook URL is set; if one ever were, it ends on loopback
      ...DEAD_PROXY_ENV,
      GOMAXPROCS: '1',
    },
    ports: [RELOADER_HTTP_PORT],
    group: 'services',
    ready: async () => (await probeHttp(`http://127.0.0.1:${RELOADER_HTTP_PORT}/live`, [200], 2_000)).ok,
    readyTimeoutMs: 60_000,
  });
}

export async function stopReloader(ctx: ServicesContext): Promise<void> {
  await ctx.procs.stop(reloaderProcess, 10_000);
}
