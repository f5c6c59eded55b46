// Run a command and measure its wall time and peak memory (sum of RSS over the whole process tree,
// sampled from /proc), so worker processes count, as they do for a user.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface Measured {
  wallMs: number;
  /** user + system CPU of the whole process tree (every descendant that was waited for) */
  cpuMs: number;
  peakRssMb: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

function children(): Map<number, number[]> {
  const kids = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = kids.get(ppid) ?? [];
      list.push(Number(d));
      kids.set(ppid, list);
    } catch {
      // process ended while we looked
    }
  }
  return kids;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function treeRssKb(root: number): number {
  const kids = children();
  let total = 0;
  const stack = [root];
  for (let guard = 0; stack.length && guard < 10_000; guard++) {
    const pid = stack.pop()!;
    total += rssKb(pid);
    stack.push(...(kids.get(pid) ?? []));
  }
  return total;
}

/** CPU (ms) of this process's waited-for descendants: /proc/self/stat cutime + cstime. */
function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields 16 and 17 of proc(5) (cutime, cstime), in clock ticks (USER_HZ: 100 on Linux)
  return (Number(f[13]) + Number(f[14])) * 10;
}

export function measure(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; sampleMs?: number },
): Promise<Measured> {
  const started = process.hrtime.bigint();
  const cpuBefore = childrenCpuMs();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const sampler = setInterval(() => {
      if (child.pid) peak = Math.max(peak, treeRssKb(child.pid));
    }, opts.sampleMs ?? 50);
    const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('close', (code) => {
      clearInterval(sampler);
      clearTimeout(killer);
      resolve({
        wallMs: Number(process.hrtime.bigint() - started) / 1e6,
        cpuMs: childrenCpuMs() - cpuBefore,
        peakRssMb: peak / 1024,
        code,
        stdout,
        stderr,
      });
    });
  });
}

/**
 * Runs what `pnpm test` runs (node bin/launch.mjs bin/test.ts …: preflight child, then vitest), measured.
 * `env` adds to (or, with undefined, removes from) this process's environment; PV_RUN_DIR never leaks in.
 */
export function measurePvTest(
  root: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs?: number,
): Promise<Measured> {
  return measure(
    process.execPath,
    [path.join(root, 'bin/launch.mjs'), path.join(root, 'bin/test.ts'), ...args],
    {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', PV_RUN_DIR: undefined, ...env },
      timeoutMs,
    },
  );
}
