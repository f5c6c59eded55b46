import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';

/** Pinned versions, read from lab/build/versions.env (the single place they are written). */
export interface LabVersions {
  KUBERNETES_VERSION: string;
  ETCD_VERSION: string;
  KWOK_VERSION: string;
}

export const VERSIONS_FILE = path.join(REPO_ROOT, 'lab', 'build', 'versions.env');

/** KEY=value lines of a versions.env; each of `required` must be there. */
export function readEnvFile(file: string, required: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(\S+)\s*$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  for (const key of required) {
    if (!out[key]) throw new Error(`${file}: missing ${key}=<version>`);
  }
  return out;
}

export function readVersions(file = VERSIONS_FILE): LabVersions {
  const out = readEnvFile(file, ['KUBERNETES_VERSION', 'ETCD_VERSION', 'KWOK_VERSION']);
  return out as unknown as LabVersions;
}
