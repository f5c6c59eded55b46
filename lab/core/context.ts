/**
 * LabContext: what `lab up` hands to the other parts of the lab
 * (lab/services startServices/stopServices, lab/sim seed, lab/scenarios applyScenario).
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { LabPaths } from './paths.js';
import type { ClusterTopology, LabClusterName } from './topology.js';
import type { LabVersions } from './versions.js';
import type { ProcessManager } from './process.js';
import type { LabRouting } from './routing.js';

export type { LabClusterName } from './topology.js';

export interface LabCluster extends ClusterTopology {
  /** https://127.0.0.1:<port> */
  server: string;
  /** admin KubeConfig with currentContext = this cluster's context (lab-infra / lab-apps) */
  kc: KubeConfig;
}

export interface LabContext {
  clusterNames: readonly LabClusterName[];
  clusters: Record<LabClusterName, LabCluster>;
  paths: LabPaths;
  versions: LabVersions;
  /** absolute path of our kubectl (built from k8s.io/kubernetes; never the host's /usr/bin/kubectl) */
  kubectl: string;
  /** env for child processes: PATH starts with paths.bin, KUBECONFIG = paths.kubeconfig */
  env: NodeJS.ProcessEnv;
  /** start/stop local processes with pid records in .lab/run so `lab down` always finds them */
  procs: ProcessManager;
  /** route simulated pods (KWOK) to local processes: port-forward, exec, logs */
  routing: LabRouting;
  /** progress output of `lab up` (stderr) */
  log(message: string): void;
}
