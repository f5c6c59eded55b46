/** Paths of the built binaries in the versioned cache, and the .lab/bin links to them. */
import fs from 'node:fs';
import path from 'node:path';
import { componentDir } from '../build/index.js';
import type { LabPaths } from '../core/paths.js';
import type { LabVersions } from '../core/versions.js';

export interface Binaries {
  etcd: string;
  etcdctl: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  kubectl: string;
  kwok: string;
  kwokCrds: string;
  kwokStages: string;
}

export function binaries(paths: LabPaths, v: LabVersions): Binaries {
  const k8s = path.join(componentDir(paths.cache, 'kubernetes', v), 'bin');
  const etcd = path.join(componentDir(paths.cache, 'etcd', v), 'bin');
  const kwok = componentDir(paths.cache, 'kwok', v);
  return {
    etcd: path.join(etcd, 'etcd'),
    etcdctl: path.join(etcd, 'etcdctl'),
    apiserver: path.join(k8s, 'kube-apiserver'),
    controllerManager: path.join(k8s, 'kube-controller-manager'),
    scheduler: path.join(k8s, 'kube-scheduler'),
    kubectl: path.join(k8s, 'kubectl'),
    kwok: path.join(kwok, 'bin', 'kwok'),
    kwokCrds: path.join(kwok, 'share', 'crds'),
    kwokStages: path.join(kwok, 'share', 'stages.yaml'),
  };
}

/** .lab/bin/{kubectl,etcdctl,kwok} -> cache (first on PATH of lab processes and tests). */
export function linkBin(paths: LabPaths, b: Binaries): void {
  fs.mkdirSync(paths.bin, { recursive: true });
  for (const [name, target] of [
    ['kubectl', b.kubectl],
    ['etcdctl', b.etcdctl],
    ['kwok', b.kwok],
  ] as const) {
    const link = path.join(paths.bin, name);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(target, link);
  }
}
