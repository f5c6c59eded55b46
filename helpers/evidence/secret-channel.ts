// Worker -> main process channel of registered secret values. The reporters (JUnit, run.json,
// vitest's own) run in the main process, whose redaction store (helpers/evidence/redact.ts) never
// learns what a worker registered when it read a Secret or opened a client. So:
//  - the main process opens a sink before vitest starts (openSecretSink): a Unix domain socket in a
//    fresh 0700 directory, its path in PV_SECRET_SINK, which the workers inherit;
//  - in any other process (or worker thread) with PV_SECRET_SINK set, registerSecret() forwards each
//    new value over one lazily opened connection: newline-delimited JSON `{"i":<n>,"v":<value>}`,
//    each line acknowledged with `{"a":<n>}` once the main process has registered it;
//  - flushSecrets() resolves once every value sent so far is acknowledged. A worker calls it before a
//    result leaves it (vitest sends results over its own RPC), so the main process knows a value
//    before it sees (and writes) the result that may contain it.
// Bounded: a dead or hung sink costs a worker at most FLUSH_TIMEOUT_MS once, then the channel is
// given up with one stderr note (never a value), never a crash; redaction in the worker still holds.
// Values are never written to disk or to a log on either side.
//
// This module does not import redact.ts (which imports it): the sink is handed its registerSecret.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { processState, setProcessState } from '../process-state.js';

export const SECRET_SINK_ENV = 'PV_SECRET_SINK';
/** How long flushSecrets() waits for acknowledgements before it gives the channel up. */
export const FLUSH_TIMEOUT_MS = 2_000;
const MAX_LINE = 4 * 1024 * 1024;

interface Waiter {
  upTo: number;
  done: () => void;
}
interface ClientState {
  path: string;
  sock?: net.Socket;
  dead?: string;
  nextId: number;
  acked: number;
  sent: Set<string>;
  waiters: Waiter[];
}

/** True in the process (realm) that opened the sink: it registers values, it does not forward them. */
function isSink(): boolean {
  return processState('secretSink', () => false);
}

function note(st: ClientState, reason: string): void {
  if (st.dead) return;
  st.dead = reason;
  try {
    process.stderr.write(
      `[pv] secret channel to the main process given up (${reason}): secrets registered in process ${process.pid} ` +
        'are still masked here, but the main process may not know them when it writes the reports\n',
    );
  } catch {
    // stderr closed: nothing else to do
  }
}

function giveUp(st: ClientState, reason: string): void {
  note(st, reason);
  st.sock?.destroy();
  st.sock = undefined;
  const ws = st.waiters.splice(0);
  for (const w of ws) w.done();
}

function settle(st: ClientState): void {
  if (!st.waiters.length) return;
  const ready = st.waiters.filter((w) => w.upTo <= st.acked);
  st.waiters = st.waiters.filter((w) => w.upTo > st.acked);
  for (const w of ready) w.done();
}

function client(): ClientState | undefined {
  const p = process.env[SECRET_SINK_ENV];
  if (!p || isSink()) return undefined;
  let st = processState('secretChannel', () => undefined) as ClientState | undefined;
  if (!st || st.path !== p) {
    st = { path: p, nextId: 0, acked: 0, sent: new Set(), waiters: [] };
    setProcessState('secretChannel', st);
  }
  return st;
}

function connection(st: ClientState): net.Socket {
  if (st.sock) return st.sock;
  const sock = net.createConnection({ path: st.path });
  // never keeps a process alive on its own; flushSecrets()'s timer does while someone waits
  sock.unref();
  sock.setEncoding('utf8');
  let buf = '';
  sock.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const a = (JSON.parse(line) as { a?: unknown }).a;
        if (typeof a === 'number' && a > st.acked) st.acked = a;
      } catch {
        // not an acknowledgement: ignored
      }
    }
    if (buf.length > MAX_LINE) giveUp(st, 'malformed answer');
    settle(st);
  });
  sock.on('error', (e: NodeJS.ErrnoException) =>
    giveUp(st, `cannot reach ${st.path}: ${e.code ?? e.message}`),
  );
  sock.on('close', () => {
    if (st.sock === sock) {
      st.sock = undefined;
      if (st.acked < st.nextId) giveUp(st, 'the main process closed the channel');
    }
  });
  st.sock = sock;
  return sock;
}

/**
 * Forward a value to the main process (called by registerSecret for every value it is given). No-op in
 * the main process, without PV_SECRET_SINK, for a value already sent, and once the channel is given up.
 */
export function forwardSecret(value: string): void {
  const st = client();
  if (!st || st.dead || st.sent.has(value)) return;
  st.sent.add(value);
  const id = ++st.nextId;
  try {
    connection(st).write(`${JSON.stringify({ i: id, v: value })}\n`);
  } catch (e) {
    giveUp(st, `cannot write: ${(e as Error).message}`);
  }
}

/**
 * Resolves when every value forwarded so far was acknowledged by the main process; after at most
 * `timeoutMs` (default 2 s) it resolves anyway, gives the channel up and notes it on stderr. Never
 * rejects. Immediate without a channel (main process, no PV_SECRET_SINK, nothing sent).
 */
export function flushSecrets(timeoutMs = FLUSH_TIMEOUT_MS): Promise<void> {
  const st = client();
  if (!st || st.dead || st.acked >= st.nextId) return Promise.resolve();
  const upTo = st.nextId;
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => giveUp(st, `no acknowledgement within ${timeoutMs} ms`), timeoutMs);
    st.waiters.push({
      upTo,
      done: () => {
        clearTimeout(timer);
        resolve();
      },
    });
    settle(st);
  });
}

export interface SecretSink {
  /** What the workers must inherit: put it into process.env before vitest starts. */
  env: Record<string, string>;
  /** The socket path (also env.PV_SECRET_SINK). */
  path: string;
  /** Number of values received so far (not the values). */
  received(): number;
  /** Stops listening, drops the connections, removes the socket and its directory. Idempotent. */
  close(): Promise<void>;
}

function sinkDir(): string {
  // a Unix socket path is limited to ~104-108 bytes: a long TMPDIR (macOS) falls back to /tmp
  for (const base of [os.tmpdir(), '/tmp']) {
    if (path.join(base, 'pv-secrets-XXXXXX', 's').length < 100) {
      try {
        return mkdtempSync(path.join(base, 'pv-secrets-'));
      } catch {
        // try the next base
      }
    }
  }
  return mkdtempSync(path.join(os.tmpdir(), 'pv-secrets-'));
}

/**
 * Main process: start the sink. Every value received is registered with this process's redaction
 * store (with all its forms); this process (realm) stops forwarding its own registrations.
 */
export async function openSecretSink(registerSecret: (value: string) => void): Promise<SecretSink> {
  setProcessState('secretSink', true);
  const windows = process.platform === 'win32';
  const dir = windows ? undefined : sinkDir();
  if (dir) chmodSync(dir, 0o700);
  const sockPath = dir
    ? path.join(dir, 's')
    : `\\\\.\\pipe\\pv-secrets-${process.pid}-${Math.random().toString(16).slice(2)}`;
  let count = 0;
  const conns = new Set<net.Socket>();
  const server = net.createServer((conn) => {
    conns.add(conn);
    conn.setEncoding('utf8');
    let buf = '';
    conn.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      const acks: string[] = [];
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        let msg: { i?: unknown; v?: unknown };
        try {
          msg = JSON.parse(line) as typeof msg;
        } catch {
          continue;
        }
        if (typeof msg.v === 'string') {
          registerSecret(msg.v);
          count++;
        }
        if (typeof msg.i === 'number') acks.push(`${JSON.stringify({ a: msg.i })}\n`);
      }
      if (buf.length > MAX_LINE) {
        conn.destroy();
        return;
      }
      if (acks.length) conn.write(acks.join(''));
    });
    conn.on('error', () => undefined);
    conn.on('close', () => conns.delete(conn));
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    server.once('error', onError);
    server.listen({ path: sockPath }, () => {
      server.off('error', onError);
      resolve();
    });
  });
  if (dir) chmodSync(sockPath, 0o600);
  server.unref(); // never keeps the main process alive
  let closed: Promise<void> | undefined;
  return {
    env: { [SECRET_SINK_ENV]: sockPath },
    path: sockPath,
    received: () => count,
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const c of conns) c.destroy();
        server.close(() => resolve());
      }).finally(() => {
        if (dir) rmSync(dir, { recursive: true, force: true });
      });
      return closed;
    },
  };
}
