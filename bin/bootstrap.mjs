// The set-up a fresh machine needs before any TypeScript can run, in plain Node (no dependency):
//   node bin/bootstrap.mjs <command> [args...]     (package.json: `npm run selftest`, `npm run demo`)
// 1. the Debian packages of .ci/apt-packages.txt: installed as root or with `sudo -n`, otherwise it
//    stops at once (before any build) with the one command to run;
// 2. pnpm at the version package.json pins (`packageManager`), through npm;
// 3. the npm packages (`pnpm install --frozen-lockfile`) when node_modules is older than the lockfile;
// then it runs <command> from node_modules/.bin (e.g. `tsx bin/selftest.ts`) and exits with its code.
// Every step is a no-op when already done, so `pnpm selftest` pays a fraction of a second for it.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => process.stderr.write(`bootstrap: ${m}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', ...opts });
  return { code: r.error ? 127 : (r.status ?? 1), out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function fail(message, code = 3) {
  say(message);
  process.exit(code);
}

function checkNode() {
  const [maj, min] = process.versions.node.split('.').map(Number);
  const want = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).engines?.node ?? '>=20.19';
  const [wMaj, wMin] = want.replace(/^>=/, '').split('.').map(Number);
  if (maj < wMaj || (maj === wMaj && min < (wMin ?? 0)))
    fail(`Node ${process.versions.node} is too old: package.json engines.node asks for ${want}`);
}

function debianPackages() {
  const file = path.join(ROOT, '.ci', 'apt-packages.txt');
  const wanted = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  // one dpkg-query for all; a package dpkg does not know is reported on stderr and counted missing
  const q = run('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...wanted]);
  if (q.code === 127)
    fail(
      `dpkg-query not found: this is not a Debian-based system; install the equivalents of ${wanted.join(' ')} (${file})`,
    );
  const installed = new Set(
    q.out
      .split('\n')
      .filter((l) => / install ok installed$/.test(l))
      .map((l) => l.split(' ')[0]),
  );
  const missing = wanted.filter((p) => !installed.has(p));
  if (!missing.length) return;
  const install = ['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let prefix;
  if (process.getuid?.() === 0) prefix = [];
  else if (run('sudo', ['-n', 'true']).code === 0) prefix = ['sudo', '-n'];
  else
    fail(
      `missing Debian packages: ${missing.join(' ')} (${file}). You are not root and sudo asks for a password; run\n` +
        `  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing.join(' ')}\n` +
        `then this command again. Nothing was built or changed.`,
    );
  say(`installing Debian packages: ${missing.join(' ')}${prefix.length ? ' (sudo -n)' : ''}`);
  for (const args of [['apt-get', 'update', '-qq'], install]) {
    const [cmd, ...rest] = [...prefix, ...args];
    const r = spawnSync(cmd, rest, { stdio: 'inherit', env });
    if (r.status !== 0) fail(`${[cmd, ...rest].join(' ')} failed (exit ${r.status ?? r.signal})`);
  }
}

/**
 * The pinned pnpm on PATH. Absent or another version: `npm install -g` when npm's global prefix is
 * writable (root, or a user prefix: later `pnpm ...` commands then find it), otherwise into a
 * private prefix under ~/.cache (said, with the directory to add to PATH). Returns the PATH to use.
 */
function pnpm() {
  const pin = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).packageManager;
  const version = /^pnpm@(\d+\.\d+\.\d+)/.exec(pin ?? '')?.[1];
  if (!version) fail(`package.json packageManager is '${pin}': expected pnpm@<x.y.z>`);
  const has = (PATH) => {
    const r = spawnSync('pnpm', ['--version'], { encoding: 'utf8', env: { ...process.env, PATH } });
    return r.status === 0 && r.stdout.trim() === version;
  };
  if (has(process.env.PATH)) return process.env.PATH;
  const npm = (args) => spawnSync('npm', args, { stdio: ['ignore', 'inherit', 'inherit'] }).status;
  const global = run('npm', ['prefix', '-g']).out.trim().split('\n').pop() ?? '';
  const writable = (() => {
    try {
      accessSync(path.join(global, 'bin'), constants.W_OK);
      return true;
    } catch {
      return false;
    }
  })();
  const common = ['--no-audit', '--no-fund', `pnpm@${version}`];
  if (global && writable) {
    say(`installing pnpm ${version} (npm install -g, prefix ${global})`);
    const PATH = `${path.join(global, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`;
    if (npm(['install', '-g', ...common]) === 0 && has(PATH)) return PATH;
    fail(
      `npm install -g pnpm@${version} did not give a working pnpm ${version}; is the npm registry reachable?`,
    );
  }
  const cache = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  const prefix = path.join(cache, 'platform-validation', `pnpm-${version}`);
  const bin = path.join(prefix, 'node_modules', '.bin');
  const PATH = `${bin}${path.delimiter}${process.env.PATH ?? ''}`;
  if (!has(PATH)) {
    say(
      `installing pnpm ${version} into ${prefix} (npm; the global prefix ${global || '?'} is not writable)`,
    );
    if (npm(['install', '--prefix', prefix, '--no-save', ...common]) !== 0 || !has(PATH))
      fail(`npm install pnpm@${version} failed; is the npm registry reachable?`);
  }
  say(`using pnpm ${version} from ${bin}: add it to PATH to run the pnpm commands yourself`);
  return PATH;
}

function npmPackages(PATH) {
  const lock = path.join(ROOT, 'pnpm-lock.yaml');
  const marker = path.join(ROOT, 'node_modules', '.modules.yaml');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  say('installing npm packages (pnpm install --frozen-lockfile)');
  const r = spawnSync('pnpm', ['install', '--frozen-lockfile'], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, PATH },
  });
  if (r.status !== 0) fail(`pnpm install --frozen-lockfile failed (exit ${r.status ?? r.error?.message})`);
}

const [command, ...args] = process.argv.slice(2);
if (!command) fail('usage: node bin/bootstrap.mjs <command> [args...]', 2);
checkNode();
if (process.env.PV_BOOTSTRAP_APT !== '0') debianPackages();
const PATH = pnpm();
npmPackages(PATH);
const local = path.join(ROOT, 'node_modules', '.bin', command);
const child = spawn(existsSync(local) ? local : command, args, {
  cwd: ROOT,
  stdio: 'inherit',
  env: { ...process.env, PATH: `${path.join(ROOT, 'node_modules', '.bin')}${path.delimiter}${PATH}` },
});
// a CI cancel or Ctrl-C reaches the command (its own cleanup runs), and this process waits for it
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
child.on('error', (e) => fail(`${command}: ${e.message}`, 127));
child.on('exit', (code, signal) =>
  process.exit(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 1) : 1)),
);
