// `pnpm test` as a child we can signal mid-run, and the process tree it spawns (from /proc).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './lib.js';

export interface Running {
  child: ChildProcess;
  done: Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stdout: string;
    stderr: string;
    ms: number;
    runDir?: string;
  }>;
}

export function spawnPv(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 400_000,
): Running {
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bin/test.ts'), ...args], {
    cwd: REPO,
    env: {
      ...process.env,
      FORCE_COLOR: '0',
      NO_COLOR: '1',
      PV_RUN_ID: undefined,
      PV_RUN_DIR: undefined,
      PV_ENV: undefined,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Awaited<Running['done']>>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(kill);
      const m = /^ {2}evidence: (.+)$/m.exec(stdout);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        ms: Date.now() - t0,
        runDir: m ? path.resolve(REPO, m[1]!.trim()) : undefined,
      });
    }),
  );
  return { child, done };
}

/** Every live descendant of pid (children, grandchildren, …). */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(e), ppid);
    } catch {
      /* exited meanwhile */
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of parent) {
      if (pp !== p) continue;
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat); // a zombie has exited
  } catch {
    return false;
  }
}

/** Waits (bounded) until the marker file exists and returns its JSON. */
export async function waitForMarker(
  file: string,
  timeoutMs: number,
  running: Running,
): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  let exited = false;
  void running.done.then(() => (exited = true));
  while (Date.now() < until) {
    if (fs.existsSync(file)) {
      try {
        return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      } catch {
        /* being written */
      }
    }
    if (exited) {
      const r = await running.done;
      throw new Error(
        `the run ended before the fixture check started:\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no marker ${file} within ${timeoutMs} ms`);
}

export type PvResult = Awaited<Running['done']>;

/** `pnpm test` to completion (SIGKILL after timeoutMs). */
export function runPv(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 400_000,
): Promise<PvResult> {
  return spawnPv(args, env, timeoutMs).done;
}
