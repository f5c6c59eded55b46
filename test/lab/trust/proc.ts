// `pnpm test` as a child we can signal mid-run, and the process tree it spawns (from /proc).
import fs from 'node:fs';

// one way to start `pnpm test` for every self-test: the unit harness's (same launcher as pnpm test)
export { spawnNode, spawnPv, type RunningPv as Running, type PvResult } from '../../unit/harness.js';
import { spawnPv, type RunningPv as Running, type PvResult } from '../../unit/harness.js';

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

/** `pnpm test` to completion (SIGKILL after timeoutMs); trust runs get a longer default bound. */
export function runPv(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 400_000,
): Promise<PvResult> {
  return spawnPv(args, env, timeoutMs).done;
}
