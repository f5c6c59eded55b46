/**
 * Managed local processes. Each process runs in its own session (setsid) with output in
 * .lab/logs/<name>.log and a pid record in .lab/run/<name>.json; stop() only signals a pid whose
 * /proc cmdline still matches the record, so a recycled pid is never killed.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface StartOptions {
  /** unique name, used for the log and pid files, e.g. "infra-apiserver", "postgres" */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** resolve only once this returns true (polled every 200 ms) */
  ready?: () => Promise<boolean>;
  readyTimeoutMs?: number;
  /** ports this process listens on (recorded for status and for the no-port-left check) */
  ports?: number[];
  /** grouping for status and stop order, e.g. "control-plane", "services" */
  group?: string;
  /** run as this user (PostgreSQL refuses to run as root) */
  runAs?: { user: string; uid: number; gid: number };
}

export interface ProcessRecord {
  name: string;
  pid: number;
  command: string;
  args: string[];
  log: string;
  ports: number[];
  group: string;
  startedAt: string;
  /** see startTicksOf; absent in records written before it existed */
  startTicks?: number;
}

export interface ProcessManager {
  start(opts: StartOptions): Promise<ProcessRecord>;
  /** SIGTERM, then SIGKILL after graceMs; no error if it is not running */
  stop(name: string, graceMs?: number): Promise<void>;
  isRunning(name: string): boolean;
  list(): ProcessRecord[];
  logFile(name: string): string;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** start time of a process in clock ticks since boot (/proc/<pid>/stat field 22); identifies it across pid reuse */
export function startTicksOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

function cmdlineOf(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** true when something accepts TCP connections on host:port */
export function tcpOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export function createProcessManager(runDir: string, logsDir: string): ProcessManager {
  const recFile = (name: string) => path.join(runDir, `${name}.json`);
  const logFile = (name: string) => path.join(logsDir, `${name}.log`);

  function read(name: string): ProcessRecord | undefined {
    try {
      return JSON.parse(fs.readFileSync(recFile(name), 'utf8')) as ProcessRecord;
    } catch {
      return undefined;
    }
  }

  function running(rec: ProcessRecord | undefined): boolean {
    if (!rec || !pidAlive(rec.pid)) return false;
    // same pid and same start time = the process we started (servers such as nginx or
    // postgres rewrite their argv, so the command line cannot tell)
    if (rec.startTicks !== undefined) return startTicksOf(rec.pid) === rec.startTicks;
    const cmd = cmdlineOf(rec.pid);
    return cmd !== undefined && cmd.includes(path.basename(rec.command));
  }

  return {
    logFile,
    isRunning: (name) => running(read(name)),
    list() {
      if (!fs.existsSync(runDir)) return [];
      return fs
        .readdirSync(runDir)
        .filter((f) => f.endsWith('.json'))
        .map((f) => read(f.slice(0, -5)))
        .filter((r): r is ProcessRecord => r !== undefined);
    },
    async start(opts) {
      fs.mkdirSync(runDir, { recursive: true });
      fs.mkdirSync(logsDir, { recursive: true });
      const existing = read(opts.name);
      if (running(existing)) return existing!;
      const log = logFile(opts.name);
      const fd = fs.openSync(log, 'a');
      const as = opts.runAs ? ` (as ${opts.runAs.user})` : '';
      fs.writeSync(fd, `\n--- ${new Date().toISOString()}${as} ${opts.command} ${opts.args.join(' ')}\n`);
      const child = spawn(opts.command, opts.args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        ...(opts.runAs ? { uid: opts.runAs.uid, gid: opts.runAs.gid } : {}),
        detached: true, // own session: survives the CLI, killed by pid on `lab down`
        stdio: ['ignore', fd, fd],
      });
      fs.closeSync(fd);
      const spawnError = await new Promise<Error | undefined>((resolve) => {
        child.once('error', (e) => resolve(e));
        child.once('spawn', () => resolve(undefined));
      });
      if (spawnError) throw new Error(`cannot start ${opts.name} (${opts.command}): ${spawnError.message}`);
      child.unref();
      const rec: ProcessRecord = {
        name: opts.name,
        pid: child.pid!,
        command: opts.command,
        args: opts.args,
        log,
        ports: opts.ports ?? [],
        group: opts.group ?? 'other',
        startedAt: new Date().toISOString(),
        startTicks: startTicksOf(child.pid!),
      };
      fs.writeFileSync(recFile(opts.name), JSON.stringify(rec, null, 2));
      if (opts.ready) {
        const deadline = Date.now() + (opts.readyTimeoutMs ?? 60_000);
        for (;;) {
          if (!pidAlive(rec.pid)) {
            throw new Error(`${opts.name} exited during start-up; last lines of ${log}:\n${tail(log, 15)}`);
          }
          if (await opts.ready().catch(() => false)) break;
          if (Date.now() > deadline) {
            throw new Error(
              `${opts.name} not ready after ${opts.readyTimeoutMs ?? 60_000} ms; last lines of ${log}:\n${tail(log, 15)}`,
            );
          }
          await sleep(200);
        }
      }
      return rec;
    },
    async stop(name, graceMs = 10_000) {
      const rec = read(name);
      if (rec && running(rec)) {
        // negative pid: the whole session/process group the process leads
        const kill = (sig: NodeJS.Signals) => {
          try {
            process.kill(-rec.pid, sig);
          } catch {
            try {
              process.kill(rec.pid, sig);
            } catch {
              /* already gone */
            }
          }
        };
        kill('SIGTERM');
        const deadline = Date.now() + graceMs;
        while (pidAlive(rec.pid) && Date.now() < deadline) await sleep(100);
        if (pidAlive(rec.pid)) {
          kill('SIGKILL');
          for (let i = 0; i < 50 && pidAlive(rec.pid); i++) await sleep(100);
        }
      }
      fs.rmSync(recFile(name), { force: true });
    },
  };
}

export function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Resident memory (KiB) of a managed process with its session and all its descendants (some
 * servers, e.g. PostgreSQL, give each child its own session). Shared pages count once per
 * process, so this is an upper bound.
 */
export function sessionRssKiB(leader: number): number {
  const info = new Map<number, { ppid: number; sid: number }>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // fields after "(comm)": state ppid pgrp session ...
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      info.set(Number(entry), { ppid: Number(f[1]), sid: Number(f[3]) });
    } catch {
      /* exited meanwhile */
    }
  }
  const members = new Set<number>([leader]);
  for (const [pid, i] of info) if (i.sid === leader) members.add(pid);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, i] of info) {
      if (!members.has(pid) && members.has(i.ppid)) {
        members.add(pid);
        grew = true;
      }
    }
  }
  let total = 0;
  for (const pid of members) {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) total += Number(m[1]);
    } catch {
      /* exited meanwhile */
    }
  }
  return total;
}
