/**
 * `pnpm lab build`: builds what is missing from the versioned cache (lab/build/build.sh does the
 * work), printing progress: a line per step and, during compilation, the count of Go packages
 * compiled so far (from `go build -v`).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../core/paths.js';
import type { LabVersions } from '../core/versions.js';

export type Component = 'kubernetes' | 'etcd' | 'kwok';
export const COMPONENTS: Component[] = ['kubernetes', 'etcd', 'kwok'];

/** Files each component must provide once built (relative to its cache dir). */
const PRODUCTS: Record<Component, string[]> = {
  kubernetes: ['bin/kube-apiserver', 'bin/kube-controller-manager', 'bin/kube-scheduler', 'bin/kubectl'],
  etcd: ['bin/etcd', 'bin/etcdctl'],
  kwok: ['bin/kwok', 'share/crds', 'share/stages.yaml'],
};
/** Rough package counts of a cold build, for a percentage (only an estimate). */
const EXPECTED_PACKAGES: Record<Component, number> = { kubernetes: 2600, etcd: 700, kwok: 900 };

export function versionOf(c: Component, v: LabVersions): string {
  return c === 'kubernetes' ? v.KUBERNETES_VERSION : c === 'etcd' ? v.ETCD_VERSION : v.KWOK_VERSION;
}

export function componentDir(cache: string, c: Component, v: LabVersions): string {
  return path.join(cache, `${c}-${versionOf(c, v)}`);
}

export function isBuilt(cache: string, c: Component, v: LabVersions): boolean {
  const dir = componentDir(cache, c, v);
  return (
    fs.existsSync(path.join(dir, '.complete')) && PRODUCTS[c].every((p) => fs.existsSync(path.join(dir, p)))
  );
}

export class BuildError extends Error {}

function which(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && fs.existsSync(path.join(d, cmd)));
}

export async function buildComponent(
  cache: string,
  c: Component,
  v: LabVersions,
  log: (m: string) => void,
): Promise<void> {
  if (isBuilt(cache, c, v)) return;
  if (!which('go')) {
    throw new BuildError(
      `'go' is not on PATH; the lab builds ${c} from the Go module proxy. Install Go >= 1.24 and retry 'pnpm lab build'.`,
    );
  }
  const dir = componentDir(cache, c, v);
  fs.rmSync(path.join(dir, '.complete'), { force: true });
  fs.mkdirSync(dir, { recursive: true });
  const logFile = path.join(dir, 'build.log');
  const out = fs.createWriteStream(logFile);
  const started = Date.now();
  log(`build ${c} ${versionOf(c, v)} -> ${dir} (log: ${logFile})`);
  const child = spawn('bash', [path.join(REPO_ROOT, 'lab', 'build', 'build.sh'), c], {
    env: { ...process.env, PV_LAB_CACHE: cache },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let packages = 0;
  let lastReport = 0;
  let buffer = '';
  const onData = (chunk: Buffer) => {
    out.write(chunk);
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('step: ') || line.startsWith('done: ')) log(`  ${c}: ${line.slice(6)}`);
      else if (/^[\w.-]+(\/[\w.~-]+)+$/.test(line.trim())) packages++; // a compiled package path
    }
    const now = Date.now();
    if (packages > 0 && now - lastReport > 15_000) {
      lastReport = now;
      const pct = Math.min(99, Math.round((packages / EXPECTED_PACKAGES[c]) * 100));
      log(`  ${c}: compiled ${packages} packages (~${pct}%), ${Math.round((now - started) / 1000)} s`);
    }
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number>((resolve) => child.on('close', (c2) => resolve(c2 ?? 1)));
  out.end();
  if (code !== 0) {
    const tail = fs.readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-20).join('\n');
    throw new BuildError(
      `building ${c} ${versionOf(c, v)} failed (exit ${code}). Last lines of ${logFile}:\n${tail}\n` +
        `Fix: check network access to the Go module proxy (GOPROXY=${process.env.GOPROXY ?? 'default'}) and the Go version ` +
        `(go >= 1.24), then rerun 'pnpm lab build'.`,
    );
  }
  if (!isBuilt(cache, c, v)) {
    throw new BuildError(`building ${c} finished but ${dir} lacks ${PRODUCTS[c].join(', ')}; see ${logFile}`);
  }
  log(`  ${c}: built in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * Build every missing component: Kubernetes in one chain, etcd then KWOK in another. Measured on
 * 2 cores, the small builds fit into Kubernetes' serial phases (module download, linking) and
 * the three finish in about the time Kubernetes takes alone.
 */
export async function buildAll(cache: string, v: LabVersions, log: (m: string) => void): Promise<void> {
  const missing = COMPONENTS.filter((c) => !isBuilt(cache, c, v));
  if (missing.length === 0) {
    log(`lab build: everything is built (${cache})`);
    return;
  }
  log(`lab build: building ${missing.join(', ')} from the Go module proxy (cold: about 30 min on 2 cores)`);
  const chain = async (cs: Component[]) => {
    for (const c of cs) if (missing.includes(c)) await buildComponent(cache, c, v, log);
  };
  const results = await Promise.allSettled([chain(['kubernetes']), chain(['etcd', 'kwok'])]);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) throw new BuildError(failed.map((f) => (f.reason as Error).message).join('\n\n'));
}
