/**
 * Shared plumbing of the lab services: the context they need, where their files live, running a
 * process as an unprivileged user (PostgreSQL refuses root), and port checks.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import type { LabContext } from '../core/context.js';
import { TOPOLOGY, type LabClusterName } from '../core/topology.js';
import { pidAlive } from '../core/process.js';

/** The part of LabContext the services need; `lab/services/dev.ts` builds one without clusters. */
export type ServicesContext = Pick<LabContext, 'paths' | 'procs' | 'log'> &
  Partial<Pick<LabContext, 'clusters' | 'clusterNames' | 'routing' | 'env' | 'kubectl'>>;

/** Process names are prefixed so they never clash with the control planes' records. */
export const procName = (service: string) => `svc-${service}`;

/** .lab/services/<name>: config, data and credentials of one service */
export function serviceDir(ctx: ServicesContext, name: string): string {
  return path.join(ctx.paths.root, 'services', name);
}

/** .lab/kubeconfig with current-context set to the cluster, in `dir` (for a controller of one cluster). */
export function clusterKubeconfig(ctx: ServicesContext, cluster: LabClusterName, dir: string): string {
  const doc = YAML.parse(fs.readFileSync(ctx.paths.kubeconfig, 'utf8')) as Record<string, unknown>;
  const file = path.join(dir, 'kubeconfig');
  fs.writeFileSync(file, YAML.stringify({ ...doc, 'current-context': TOPOLOGY[cluster].context }), {
    mode: 0o600,
  });
  return file;
}

/**
 * Proxy variables pointing at a loopback port nothing listens on: a controller's outbound HTTP(S)
 * (ACME, a webhook, a phone-home) fails on 127.0.0.1 instead of leaving the machine. Go never
 * proxies loopback, so the API server is still reached directly.
 */
const DEAD_PROXY = 'http://127.0.0.1:9';
export const DEAD_PROXY_ENV = {
  HTTP_PROXY: DEAD_PROXY,
  HTTPS_PROXY: DEAD_PROXY,
  http_proxy: DEAD_PROXY,
  https_proxy: DEAD_PROXY,
} as const;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reject after ms with a message naming what timed out. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** Poll until probe() is true; bounded in time. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(200);
  }
}

/** true when nothing listens on 127.0.0.1:port (we can bind it) */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** Fail with the cause and the fix when a port we are about to bind is taken by someone else. */
export async function assertPortsFree(service: string, ports: number[]): Promise<void> {
  for (const port of ports) {
    if (!(await portFree(port))) {
      throw new Error(
        `lab service ${service}: 127.0.0.1:${port} is already in use by another process ` +
          `(find it with: ss -ltnp 'sport = :${port}'); stop it, or move the lab's service ports with PV_LAB_SERVICES_PORT_BASE=<30000-31900>`,
      );
    }
  }
}

export interface RunAs {
  user: string;
  uid: number;
  gid: number;
}

/**
 * PostgreSQL and PgBouncer will not run as root. When we are root, run them as
 * PV_LAB_PG_USER (default `postgres`, created by Debian's postgresql package); otherwise as us.
 */
export function unprivilegedUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const user = process.env.PV_LAB_PG_USER || 'postgres';
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    return { user, uid, gid };
  } catch {
    throw new Error(
      `the lab runs as root, and PostgreSQL refuses to run as root: user '${user}' does not exist. ` +
        `Install Debian's postgresql package (it creates 'postgres') or create one (useradd --system ${user}), or set PV_LAB_PG_USER`,
    );
  }
}

/** mkdir -p and hand the directory to the unprivileged user (if any) */
export function ownedDir(dir: string, runAs: RunAs | undefined, mode = 0o700): string {
  fs.mkdirSync(dir, { recursive: true, mode });
  if (runAs) fs.chownSync(dir, runAs.uid, runAs.gid);
  fs.chmodSync(dir, mode);
  return dir;
}

/** write a file readable only by its owner, then give it to the unprivileged user (if any) */
export function ownedFile(file: string, content: string, runAs: RunAs | undefined, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
  fs.chmodSync(file, mode);
  if (runAs) fs.chownSync(file, runAs.uid, runAs.gid);
}

/** Run a command to completion (optionally as runAs), bounded in time; throws with its output. */
export function runToEnd(
  command: string,
  args: string[],
  opts: { runAs?: RunAs; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number },
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      uid: opts.runAs?.uid,
      gid: opts.runAs?.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${command}: ${e.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else
        reject(
          new Error(
            `${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${out.trim().slice(-2000)}`,
          ),
        );
    });
  });
}

/** pid of a running managed process, if any */
export function runningPid(ctx: ServicesContext, name: string): number | undefined {
  if (!ctx.procs.isRunning(name)) return undefined;
  return ctx.procs.list().find((r) => r.name === name)?.pid;
}

/**
 * Stop with a chosen first signal (PostgreSQL: SIGINT = fast shutdown; SIGTERM would wait for
 * clients), then let ctx.procs.stop finish (SIGTERM/SIGKILL to the group, record removed).
 */
export async function stopWith(ctx: ServicesContext, name: string, signal: NodeJS.Signals, graceMs = 10_000) {
  const pid = runningPid(ctx, name);
  if (pid !== undefined) {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
    const deadline = Date.now() + graceMs;
    while (pidAlive(pid) && Date.now() < deadline) await sleep(100);
  }
  await ctx.procs.stop(name, 3_000);
}
