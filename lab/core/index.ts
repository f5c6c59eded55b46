/**
 * Entry for the other parts of the lab and for tests: build a LabContext for a running lab.
 *   import { loadLabContext } from '../core/index.js';
 *   const ctx = loadLabContext();      // throws a clear error when .lab/kubeconfig is missing
 */
import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { LabCluster, LabContext } from './context.js';
import { labPaths, type LabPaths } from './paths.js';
import { createProcessManager } from './process.js';
import { createRouting } from './routing.js';
import { LAB_CLUSTERS, TOPOLOGY, type LabClusterName } from './topology.js';
import { readVersions } from './versions.js';

export type { LabContext, LabCluster } from './context.js';
export type { LabClusterName } from './topology.js';
export { LAB_CLUSTERS, TOPOLOGY } from './topology.js';
export { loopbackFor, rewriteToLoopback } from './datapath.js';
export { tcpOpen } from './process.js';
export { criLine } from './cri-log.js';

export function kubectlPath(paths: LabPaths): string {
  return path.join(paths.bin, 'kubectl');
}

export function labEnv(paths: LabPaths): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${paths.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    KUBECONFIG: paths.kubeconfig,
  };
}

export function loadLabContext(opts: { log?: (m: string) => void; paths?: LabPaths } = {}): LabContext {
  const paths = opts.paths ?? labPaths();
  if (!fs.existsSync(paths.kubeconfig)) {
    throw new Error(`${paths.kubeconfig} does not exist: the lab is not up. Run 'pnpm lab up' first.`);
  }
  const kcs = {} as Record<LabClusterName, KubeConfig>;
  const clusters = {} as Record<LabClusterName, LabCluster>;
  for (const name of LAB_CLUSTERS) {
    const kc = new KubeConfig();
    kc.loadFromFile(paths.kubeconfig);
    kc.setCurrentContext(TOPOLOGY[name].context);
    kcs[name] = kc;
    clusters[name] = { ...TOPOLOGY[name], server: `https://127.0.0.1:${TOPOLOGY[name].apiserverPort}`, kc };
  }
  return {
    clusterNames: LAB_CLUSTERS,
    clusters,
    paths,
    versions: readVersions(),
    kubectl: kubectlPath(paths),
    env: labEnv(paths),
    procs: createProcessManager(paths.run, paths.logs),
    routing: createRouting(kcs, paths.shims, paths.bin, paths.data),
    log: opts.log ?? ((m) => process.stderr.write(`${m}\n`)),
  };
}
