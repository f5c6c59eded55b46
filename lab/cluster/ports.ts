/** Who holds a TCP port: used to name the process in the "port in use" error. */
import { execFileSync } from 'node:child_process';
import { tcpOpen } from '../core/process.js';

export interface PortOwner {
  port: number;
  address: string;
  process?: string;
  pid?: number;
}

/** Listening TCP sockets on the given ports (via `ss -Hltnp`; process names need the same user or root). */
export function listeners(ports: number[]): PortOwner[] {
  let out: string;
  try {
    out = execFileSync('ss', ['-Hltnp'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return [];
  }
  const found: PortOwner[] = [];
  for (const line of out.split('\n')) {
    const cols = line.trim().split(/\s+/);
    const local = cols[3];
    if (!local) continue;
    const idx = local.lastIndexOf(':');
    const port = Number(local.slice(idx + 1));
    if (!ports.includes(port)) continue;
    const m = /users:\(\("([^"]+)",pid=(\d+)/.exec(line);
    found.push({
      port,
      address: local.slice(0, idx),
      ...(m ? { process: m[1], pid: Number(m[2]) } : {}),
    });
  }
  return found;
}

/** Throws a clear error when host:port is taken. */
export async function assertPortFree(port: number, host: string, purpose: string): Promise<void> {
  if (!(await tcpOpen(port, host, 300))) return;
  const owner = listeners([port])[0];
  const who = owner?.process ? `${owner.process} (pid ${owner.pid})` : 'another process';
  throw new Error(
    `port ${host}:${port} (${purpose}) is already in use by ${who}. ` +
      `Stop it${owner?.pid ? ` (kill ${owner.pid})` : ''} or run 'pnpm lab down' if it is a leftover lab process, then retry.`,
  );
}
