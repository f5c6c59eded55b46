import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (lab/core/ is two levels below it). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LabPaths {
  repo: string;
  /** .lab/ (git-ignored state) */
  root: string;
  kubeconfig: string;
  /** one log file per process: <logs>/<name>.log */
  logs: string;
  /** data dirs: <data>/<cluster>/etcd, services put theirs under <data>/<service> */
  data: string;
  /** pid records of every process the lab started */
  run: string;
  /** certificates and keys (lab CA, serving/client certs, service-account key) */
  pki: string;
  /** first on PATH for lab scripts and tests: kubectl (ours, not the host's), etcdctl, kwok */
  bin: string;
  /** executables `kubectl exec` resolves first (KWOK runs exec'd commands locally with this PATH) */
  shims: string;
  /** the active scenario name */
  scenarioFile: string;
  /** ${PV_LAB_CACHE:-~/.cache/platform-validation}: built binaries keyed by version */
  cache: string;
}

export function labPaths(repo = REPO_ROOT): LabPaths {
  const root = path.join(repo, '.lab');
  return {
    repo,
    root,
    kubeconfig: path.join(root, 'kubeconfig'),
    logs: path.join(root, 'logs'),
    data: path.join(root, 'data'),
    run: path.join(root, 'run'),
    pki: path.join(root, 'pki'),
    bin: path.join(root, 'bin'),
    shims: path.join(root, 'shims'),
    scenarioFile: path.join(root, 'scenario'),
    cache: process.env.PV_LAB_CACHE || path.join(os.homedir(), '.cache', 'platform-validation'),
  };
}
