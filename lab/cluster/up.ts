/**
 * `lab up` and `lab down` for the control planes (the CLI adds the hooks of the other parts).
 */
import fs from 'node:fs';
import { buildAll } from '../build/index.js';
import { labEnv } from '../core/index.js';
import type { LabPaths } from '../core/paths.js';
import { createProcessManager, type ProcessManager } from '../core/process.js';
import { LAB_CLUSTERS, TOPOLOGY, type LabClusterName } from '../core/topology.js';
import type { LabVersions } from '../core/versions.js';
import { binaries, linkBin } from './binaries.js';
import {
  CONTROL_PLANE_COMPONENTS,
  processName,
  startApiserver,
  startControllerManager,
  startEtcd,
  startKwok,
  startScheduler,
  type ControlPlaneDeps,
} from './controlplane.js';
import { writeAdminKubeconfig } from './kubeconfig.js';
import { ensurePki } from './pki.js';
import { listeners } from './ports.js';
import { installKwokCrds, makeKubectl, seedCluster, waitNodesReady } from './seed.js';
import { startPodRuntime, waitPodRuntime } from './pod-runtime-process.js';

const both = <T>(fn: (c: LabClusterName) => Promise<T>) => Promise.all(LAB_CLUSTERS.map(fn));

export async function controlPlaneUp(
  paths: LabPaths,
  versions: LabVersions,
  log: (m: string) => void,
): Promise<void> {
  for (const d of [paths.root, paths.logs, paths.data, paths.run, paths.bin, paths.shims]) {
    fs.mkdirSync(d, { recursive: true });
  }
  await buildAll(paths.cache, versions, log);
  const bin = binaries(paths, versions);
  linkBin(paths, bin);
  const pki = ensurePki(paths.pki);
  writeAdminKubeconfig(paths.kubeconfig, pki);
  const procs = createProcessManager(paths.run, paths.logs);
  const env = labEnv(paths);
  const deps: ControlPlaneDeps = { paths, pki, bin, procs, env };
  const k = makeKubectl(bin.kubectl, paths.kubeconfig, env);

  const step = async (what: string, fn: () => Promise<unknown>) => {
    const t0 = Date.now();
    await fn();
    log(`  ${what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  };
  await step('etcd ready', () => both((c) => startEtcd(deps, c)));
  await step('kube-apiserver ready', () => both((c) => startApiserver(deps, c)));
  // controller-manager and scheduler need only the apiserver; KWOK needs its CRDs and the nodes
  await step('controller-manager, scheduler; KWOK CRDs, nodes, cluster-settings; kwok ready', () =>
    both((c) =>
      Promise.all([
        startControllerManager(deps, c),
        startScheduler(deps, c),
        (async () => {
          await installKwokCrds(k, c, bin.kwokCrds);
          await seedCluster(k, c, versions.KUBERNETES_VERSION);
          await startKwok(deps, c);
        })(),
      ]),
    ),
  );
  // the pod runtime needs only the apiservers and KWOK's CRDs; waited for at the end
  await startPodRuntime(paths, procs, env);
  await step('3 nodes Ready per cluster', () => both((c) => waitNodesReady(k, c)));
  await step('pod runtime (simulated datapath) watching pods', () => waitPodRuntime(procs));
}

/** Every port the control planes and the pod runtime listen on. */
export function controlPlanePorts(): number[] {
  return LAB_CLUSTERS.flatMap((c) => {
    const t = TOPOLOGY[c];
    return [
      t.apiserverPort,
      t.etcdClientPort,
      t.etcdPeerPort,
      t.controllerManagerPort,
      t.schedulerPort,
      t.kubeletPort,
    ];
  });
}

/** Stop every recorded process: non-control-plane first, then the control planes top-down. */
export async function stopAll(procs: ProcessManager, log: (m: string) => void): Promise<void> {
  const order = [
    ...LAB_CLUSTERS.flatMap((c) =>
      [...CONTROL_PLANE_COMPONENTS].reverse().map((comp) => processName(c, comp)),
    ),
  ];
  const records = procs.list();
  const others = records.filter((r) => !order.includes(r.name)).map((r) => r.name);
  // services and the pod runtime first (they talk to the apiservers), in parallel
  await Promise.all(others.map((n) => procs.stop(n).then(() => log(`  stopped ${n}`))));
  for (const comp of [...CONTROL_PLANE_COMPONENTS].reverse()) {
    await Promise.all(
      LAB_CLUSTERS.map(async (c) => {
        const n = processName(c, comp);
        if (records.some((r) => r.name === n)) {
          await procs.stop(n);
          log(`  stopped ${n}`);
        }
      }),
    );
  }
}

/** Ports of recorded processes and the control planes that still listen (should be none after down). */
export function leftoverListeners(extraPorts: number[]): ReturnType<typeof listeners> {
  return listeners([...new Set([...controlPlanePorts(), ...extraPorts])]);
}
