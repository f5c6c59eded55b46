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

function podRuntimeWatching(logFile: string): boolean {
  const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
  const last = text.slice(text.lastIndexOf('\n--- '));
  return /infra: watching pods/.test(last) && /apps: watching pods/.test(last);
}

/**
 * Start the pod runtime without waiting for it (it needs only the apiservers and KWOK's CRDs);
 * `lab up` calls waitPodRuntime() at the end, when it has long caught up.
 */
export async function startPodRuntime(
  paths: LabPaths,
  procs: ProcessManager,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  installShims(paths);
  await procs.start({
    name: POD_RUNTIME_PROCESS,
    command: process.execPath,
    // a small heap: it only keeps pod objects of two small clusters
    args: ['--max-old-space-size=128', '--import', 'tsx', path.join(here, 'pod-runtime.ts')],
    cwd: paths.repo,
    env,
    group: 'pod-runtime',
  });
}

export async function waitPodRuntime(procs: ProcessManager, timeoutMs = 30_000): Promise<void> {
  const logFile = procs.logFile(POD_RUNTIME_PROCESS);
  const deadline = Date.now() + timeoutMs;
  while (!podRuntimeWatching(logFile)) {
    if (!procs.isRunning(POD_RUNTIME_PROCESS)) {
      throw new Error(`pod runtime exited; see ${logFile}`);
    }
    if (Date.now() > deadline)
      throw new Error(`pod runtime not watching pods after ${timeoutMs} ms; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
