// The worker -> main secret channel (review H4): a value registered in another process reaches this
// process's redaction store before that process's flushSecrets() resolves; a dead or hung sink costs
// a worker at most ~2 s and a stderr note, never a hang or a crash; no value is written anywhere.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  clearSecrets,
  redact,
  registerSecret,
  REDACTION_MASK as M,
} from '../../../helpers/evidence/redact.js';
import {
  FLUSH_TIMEOUT_MS,
  openSecretSink,
  SECRET_SINK_ENV,
} from '../../../helpers/evidence/secret-channel.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const TSX = pathToFileURL(join(REPO, 'node_modules/tsx/dist/loader.mjs')).href;
const TSX_API = pathToFileURL(join(REPO, 'node_modules/tsx/dist/esm/api/index.mjs')).href;
const REDACT = pathToFileURL(join(REPO, 'helpers/evidence/redact.ts')).href;
const CHANNEL = pathToFileURL(join(REPO, 'helpers/evidence/secret-channel.ts')).href;
const work = mkdtempSync(join(tmpdir(), 'pv-chan-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
afterEach(() => clearSecrets());

/** A "worker": registers the values given, flushes, prints how long the flush took. */
const worker = join(work, 'worker.mjs');
writeFileSync(
  worker,
  `const { registerSecret, redact } = await import(${JSON.stringify(REDACT)});
const { flushSecrets } = await import(${JSON.stringify(CHANNEL)});
for (const v of JSON.parse(process.env.VALUES)) registerSecret(v);
const t0 = Date.now();
await flushSecrets();
process.stdout.write(JSON.stringify({ flushMs: Date.now() - t0, local: redact(JSON.parse(process.env.VALUES).join(' ')) }) + '\\n');
`,
);

function runWorker(
  env: Record<string, string>,
  values: string[],
): Promise<{
  code: number | null;
  out: { flushMs: number; local: string } | undefined;
  stderr: string;
  ms: number;
}> {
  const t0 = Date.now();
  return new Promise((res, rej) => {
    // async spawn: this process must stay free to answer as the sink
    const child = spawn(process.execPath, ['--import', TSX, worker], {
      cwd: REPO,
      env: { ...process.env, ...env, VALUES: JSON.stringify(values) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', rej);
    child.on('close', (code) => {
      clearTimeout(kill);
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      res({ code, out: line ? JSON.parse(line) : undefined, stderr, ms: Date.now() - t0 });
    });
  });
}

describe('secret channel', () => {
  it('a value registered in a child process is masked by this process once the child flushed', async () => {
    const sink = await openSecretSink(registerSecret);
    try {
      expect(sink.env[SECRET_SINK_ENV]).toBe(sink.path);
      // private: the socket lives in a fresh 0700 directory
      expect(statSync(dirname(sink.path)).mode & 0o777).toBe(0o700);
      const secret = 'child-registered-9f8e7d';
      const pem = '-----BEGIN KEY-----\nCHILDLINE-abcdefgh\n-----END KEY-----';
      expect(redact(`x ${secret} y`)).toBe(`x ${secret} y`); // not known here yet
      const r = await runWorker(sink.env, [secret, pem]);
      expect(r.code).toBe(0);
      expect(r.stderr).not.toContain('given up');
      expect(r.out?.local).not.toContain(secret); // the child masks it too
      expect(sink.received()).toBe(2);
      // every form is derived here, in the main process
      expect(redact(`x ${secret} y`)).toBe(`x ${M} y`);
      expect(redact(Buffer.from(secret).toString('base64'))).toBe(M);
      expect(redact(JSON.stringify({ k: pem }))).toBe(`{"k":"${M}"}`);
      expect(redact('CHILDLINE-abcdefgh')).toBe(M);
      // nothing of it on disk next to the socket
      expect(readdirSync(dirname(sink.path))).toEqual(['s']);
    } finally {
      await sink.close();
    }
    expect(existsSync(dirname(sink.path))).toBe(false);
  });

  it('a worker thread of this process (vitest pool "threads": same pid, own realm) forwards too', async () => {
    const sink = await openSecretSink(registerSecret);
    const prev = process.env[SECRET_SINK_ENV];
    process.env[SECRET_SINK_ENV] = sink.path; // a thread's env is a copy of ours at its start
    try {
      const secret = 'thread-registered-4c3b2a';
      // a thread gets no --import loader hooks: it loads the TS modules through tsx's API
      const threadScript = join(work, 'thread.mjs');
      writeFileSync(
        threadScript,
        `const { tsImport } = await import(${JSON.stringify(TSX_API)});
const { registerSecret } = await tsImport(${JSON.stringify(REDACT)}, import.meta.url);
const { flushSecrets } = await tsImport(${JSON.stringify(CHANNEL)}, import.meta.url);
for (const v of JSON.parse(process.env.VALUES)) registerSecret(v);
const t0 = Date.now();
await flushSecrets();
process.stdout.write(JSON.stringify({ flushMs: Date.now() - t0 }) + '\\n');
`,
      );
      const w = new Worker(threadScript, {
        env: { ...process.env, VALUES: JSON.stringify([secret]) },
        stdout: true,
      });
      let out = '';
      w.stdout.on('data', (d) => (out += String(d)));
      const code = await new Promise<number>((r) => w.on('exit', r));
      expect(code).toBe(0);
      expect(out).toContain('flushMs');
      expect(redact(secret)).toBe(M);
    } finally {
      if (prev === undefined) delete process.env[SECRET_SINK_ENV];
      else process.env[SECRET_SINK_ENV] = prev;
      await sink.close();
    }
  });

  it('the sink process does not forward its own registrations, and close() is idempotent', async () => {
    const sink = await openSecretSink(registerSecret);
    const prev = process.env[SECRET_SINK_ENV];
    process.env[SECRET_SINK_ENV] = sink.path;
    try {
      registerSecret('main-own-value-1234');
      const { flushSecrets } = await import('../../../helpers/evidence/secret-channel.js');
      await flushSecrets(); // immediate: nothing to send
      expect(sink.received()).toBe(0);
      expect(redact('main-own-value-1234')).toBe(M);
    } finally {
      if (prev === undefined) delete process.env[SECRET_SINK_ENV];
      else process.env[SECRET_SINK_ENV] = prev;
      await sink.close();
      await sink.close();
    }
  });

  it('a dead sink (no socket) does not hang a worker: it finishes at once, with a note and no value', async () => {
    const secret = 'dead-sink-value-5678';
    const r = await runWorker({ [SECRET_SINK_ENV]: join(work, 'no-such.sock') }, [secret]);
    expect(r.code).toBe(0);
    expect(r.out?.flushMs).toBeLessThan(FLUSH_TIMEOUT_MS + 500);
    expect(r.stderr).toContain('secret channel to the main process given up');
    expect(r.stderr).not.toContain(secret);
    expect(r.out?.local).not.toContain(secret); // still masked in the worker
  });

  it('a hung sink (accepts, never answers) costs a worker at most ~2 s, then it gives up', async () => {
    const path = join(work, 'hung.sock');
    const conns: net.Socket[] = [];
    const server = net.createServer((c) => {
      conns.push(c);
      c.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(path, r));
    try {
      const secret = 'hung-sink-value-0912';
      const r = await runWorker({ [SECRET_SINK_ENV]: path }, [secret]);
      expect(r.code).toBe(0);
      expect(r.out?.flushMs).toBeGreaterThanOrEqual(FLUSH_TIMEOUT_MS - 100);
      expect(r.out?.flushMs).toBeLessThan(FLUSH_TIMEOUT_MS + 1500);
      expect(r.stderr).toContain(`no acknowledgement within ${FLUSH_TIMEOUT_MS} ms`);
      expect(r.stderr).not.toContain(secret);
    } finally {
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('a sink closed under a worker makes it give up, not crash', async () => {
    const sink = await openSecretSink(registerSecret);
    await sink.close();
    const r = await runWorker(sink.env, ['closed-sink-value-3456']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('given up');
  });
});
