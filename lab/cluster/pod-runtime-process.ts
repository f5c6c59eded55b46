/** Starting the pod runtime (lab/cluster/pod-runtime.ts) as a managed process. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LabPaths } from '../core/paths.js';
import type { ProcessManager } from '../core/process.js';

export const POD_RUNTIME_PROCESS = 'pod-runtime';
const here = path.dirname(fileURLToPath(import.meta.url));

/** Copy the committed exec shims (lab/cluster/shims/*) into .lab/shims (first on KWOK's PATH). */
export function installShims(paths: LabPaths): void {
  const src = path.join(here, 'shims');
  fs.mkdirSync(paths.shims, { recursive: true });
  for (const f of fs.readdirSync(src)) {
    const dst = path.join(paths.shims, f);
    fs.copyFileSync(path.join(src, f), dst);
    fs.chmodSync(dst, 0o755);
  }
}

export async function startPodRuntime(
  paths: LabPaths,
  procs: ProcessManager,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  installShims(paths);
  const logFile = procs.logFile(POD_RUNTIME_PROCESS);
  await procs.start({
    name: POD_RUNTIME_PROCESS,
    command: process.execPath,
    args: ['--import', 'tsx', path.join(here, 'pod-runtime.ts')],
    cwd: paths.repo,
    env,
    group: 'pod-runtime',
    // ready once both informers have listed pods
    ready: async () => {
      const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      const last = text.slice(text.lastIndexOf('\n--- '));
      return /infra: watching pods/.test(last) && /apps: watching pods/.test(last);
    },
    readyTimeoutMs: 30_000,
  });
}
