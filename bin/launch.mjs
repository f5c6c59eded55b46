// Launcher of the TypeScript entry points (`node bin/launch.mjs bin/test.ts args…`).
// For bin/test.ts (`pnpm test`), first the preflight: a short-lived child process
// (bin/preflight.ts) proves the selected clusters' identities and sweeps expired
// leftovers; it holds @kubernetes/client-node, so the main process, which lives next to the workers
// for the whole run, never does (peak memory). It runs while this process loads vitest.
// vitest's node API is then loaded natively and handed over; our own .ts files (bin/test.ts, the
// preflight, the platform config) run from bundles compiled once and cached (bin/compile.mjs): no
// TypeScript transform at run time. Other entries use tsx (scoped tsImport). Loading vitest through a
// global tsx loader (`tsx bin/test.ts`) costs ~180 MB of RSS and seconds of start-up for nothing.
import { spawn } from 'node:child_process';
import path from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { importCompiled } from './compile.mjs';
import { mark, processStartMs } from './timings.mjs';

mark('node started', processStartMs());
mark('launcher loaded');

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node bin/launch.mjs <file.ts> [args...]\n');
  process.exit(2);
}
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULT = 'PV_PREFLIGHT_RESULT '; // helpers/check/preflight.ts

/** Runs the preflight child; its result (or undefined: then globalSetup proves in-process). Bounded. */
function preflight(args) {
  const num = (v, d) => (Number.isFinite(Number(v)) && Number(v) > 0 ? Number(v) : d);
  // config load + the identity proofs (in parallel, each bounded) + the sweep's bounded requests.
  // The defaults are owned by helpers/config/runtime.ts (this file runs before TS can be loaded);
  // test/unit/config/runtime.test.ts asserts they are the same.
  const budgetMs =
    30_000 +
    num(process.env.PV_IDENTITY_TIMEOUT_MS, 20_000) +
    6 * num(process.env.PV_REQUEST_TIMEOUT_MS, 10_000);
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [
        '--max-semi-space-size=2',
        fileURLToPath(import.meta.url),
        path.join(ROOT, 'bin/preflight.ts'),
        ...args,
      ],
      { cwd: process.cwd(), env: process.env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), budgetMs);
    // Ctrl-C while it runs: the child goes too, and so does the run (nothing of it exists yet)
    const forward = (sig) => {
      child.kill(sig);
      process.stderr.write(`\npnpm test: ${sig} received before the run started\n`);
      process.exit(sig === 'SIGTERM' ? 143 : 130); // 128 + the signal's number, as bin/test.ts
    };
    process.once('SIGINT', forward).once('SIGTERM', forward);
    const done = (v) => {
      clearTimeout(timer);
      process.off('SIGINT', forward).off('SIGTERM', forward);
      resolve(v);
    };
    child.on('error', () => done(undefined));
    child.on('close', () => {
      const line = out.split('\n').find((l) => l.startsWith(RESULT));
      try {
        done(line ? JSON.parse(line.slice(RESULT.length)) : undefined);
      } catch {
        done(undefined);
      }
    });
  });
}

if (path.basename(entry) === 'test.ts') {
  // what bin/test.ts's main() takes (its Launch): loaded here, before and outside its module graph
  const launch = {};
  // The preflight child runs while this process loads vitest and bin/test.ts (no cluster is
  // touched by either); the run itself starts only once the child has answered, so every check
  // still comes after the identity proof and the sweep.
  let pending;
  if (process.env.PV_IDENTITY !== 'skip') {
    mark('preflight started');
    pending = preflight(rest).then((pre) => {
      mark('preflight done');
      return pre;
    });
  }
  launch.vitestNode = await import('vitest/node');
  mark('vitest/node loaded');
  // bin/test.ts and the platform config run from their compiled bundles (bin/compile.mjs): no
  // TypeScript transform, vite server or tsx loader in the main process, which lives next to the
  // workers for the whole run
  launch.importTs = (file) => importCompiled(file);
  process.argv = [process.argv[0], path.resolve(entry), ...rest];
  const mod = await importCompiled(entry);
  mark('bin/test.ts loaded');
  const pre = await pending;
  if (pre) {
    launch.preflight = pre;
    process.env.PV_RUN_ID = pre.runId; // the run the preflight's requests were tagged with
  }
  await mod.run(launch);
} else if (path.basename(entry) === 'preflight.ts') {
  process.argv = [process.argv[0], path.resolve(entry), ...rest];
  const mod = await importCompiled(entry);
  await mod.main({ importTs: (file) => importCompiled(file) });
} else {
  process.argv = [process.argv[0], path.resolve(entry), ...rest];
  // one scoped tsx registration for the entry and the platform config it may load (helpers/config)
  const { register } = await import('tsx/esm/api');
  const ts = register({ namespace: 'pv-launch' });
  const importTs = (file) => ts.import(pathToFileURL(path.resolve(file)).href, import.meta.url);
  const mod = await importTs(entry);
  // an entry exporting main({ importTs }) gets the scoped importer; others ran on import
  if (typeof mod.main === 'function') await mod.main({ importTs });
}
