// Launcher of the TypeScript entry points (`node bin/launch.mjs bin/test.ts args…`).
// For bin/test.ts (`pnpm test`), first the preflight: a short-lived child process
// (bin/preflight.ts) proves the selected clusters' identities and sweeps expired
// leftovers; it holds @kubernetes/client-node and exits before this process loads vitest, so the main
// process, which lives next to the workers for the whole run, never holds either (peak memory).
// vitest's node API is then loaded natively and handed over; our own .ts files (bin/test.ts, the
// platform config) go through vite's module runner, the TS transform vitest uses anyway. Other entries
// (the preflight child) use tsx (scoped tsImport). Loading vitest through a global tsx loader
// (`tsx bin/test.ts`) costs ~180 MB of RSS and seconds of start-up for nothing: it is plain JavaScript.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath, pathToFileURL } from 'node:url';

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
  if (process.env.PV_IDENTITY !== 'skip') {
    const pre = await preflight(rest);
    if (pre) {
      launch.preflight = pre;
      process.env.PV_RUN_ID = pre.runId; // the run the preflight's requests were tagged with
    }
  }
  launch.vitestNode = await import('vitest/node');
  // bin/test.ts and platform.config.ts go through vite's module runner (vitest's own TS transform):
  // no tsx loader thread and esbuild service in the main process (~45 MB); node_modules load natively
  const vite = await import(
    pathToFileURL(createRequire(import.meta.resolve('vitest/package.json')).resolve('vite')).href
  );
  const server = await vite.createServer({
    configFile: false,
    root: ROOT,
    logLevel: 'error',
    appType: 'custom',
    server: { middlewareMode: true, ws: false, hmr: false, watch: null },
    optimizeDeps: { noDiscovery: true, include: [] },
  });
  const runner = vite.createServerModuleRunner(server.environments.ssr, { hmr: false });
  launch.importTs = (file) => runner.import(path.resolve(file));
  // bin/test.ts calls it once its TS (itself and the platform config) is loaded: vitest has its own servers
  launch.releaseTs = async () => {
    await runner.close();
    await server.close();
  };
  process.argv = [process.argv[0], path.resolve(entry), ...rest];
  const mod = await runner.import(path.resolve(entry));
  await mod.run(launch);
} else {
  process.argv = [process.argv[0], path.resolve(entry), ...rest];
  // the preflight's one heavy dependency, loaded natively before tsx's loader hooks exist: through them
  // every one of its modules takes a round trip to the hooks thread (~2 s of the preflight on 2 cores)
  if (path.basename(entry) === 'preflight.ts') await import('@kubernetes/client-node');
  // one scoped tsx registration for the entry and the platform config it may load (helpers/config)
  const { register } = await import('tsx/esm/api');
  const ts = register({ namespace: 'pv-launch' });
  const importTs = (file) => ts.import(pathToFileURL(path.resolve(file)).href, import.meta.url);
  const mod = await importTs(entry);
  // an entry exporting main({ importTs }) gets the scoped importer; others ran on import
  if (typeof mod.main === 'function') await mod.main({ importTs });
}
