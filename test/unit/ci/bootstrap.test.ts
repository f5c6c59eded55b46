// bin/bootstrap.mjs on a machine state without pnpm and without Debian packages (issue 17): a PATH
// that holds only node and fakes of dpkg-query/sudo/apt-get/npm that record what they were asked.
// Nothing is installed for real; the fakes live in a temporary copy of the files the script reads.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '..', '..', '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-bootstrap-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const PACKAGES = fs
  .readFileSync(path.join(REPO, '.ci', 'apt-packages.txt'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const ABSENT = ['pgbouncer', 'redis-server', 'docker-registry', 'nginx-light'];

/** A checkout copy (bin/bootstrap.mjs, package.json, lockfile, .ci/apt-packages.txt) and a fake PATH. */
function machine(name: string, opts: { sudo: boolean; globalWritable?: boolean }) {
  const root = path.join(tmp, name);
  const bin = path.join(root, 'fakebin');
  const log = path.join(root, 'calls.log');
  for (const f of ['bin/bootstrap.mjs', 'package.json', 'pnpm-lock.yaml', '.ci/apt-packages.txt']) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.copyFileSync(path.join(REPO, f), path.join(root, f));
  }
  fs.mkdirSync(bin);
  const script = (n: string, body: string) =>
    fs.writeFileSync(path.join(bin, n), `#!/bin/sh\necho "${n} $*" >> ${log}\n${body}\n`, { mode: 0o755 });
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  // the shell tools the fakes use, nothing else (no pnpm, no real dpkg, apt-get or npm)
  for (const t of ['mkdir', 'chmod', 'true']) fs.symlinkSync(`/bin/${t}`, path.join(bin, t));
  const installed = PACKAGES.filter((p) => !ABSENT.includes(p));
  script(
    'dpkg-query',
    `shift 2; for p in "$@"; do case " ${installed.join(' ')} " in *" $p "*) echo "$p install ok installed";; *) echo "dpkg-query: no packages found matching $p" >&2;; esac; done; exit 1`,
  );
  script('sudo', opts.sudo ? 'shift; exec "$@"' : 'echo "sudo: a password is required" >&2; exit 1');
  script('apt-get', 'exit 0');
  // npm: `prefix -g` names the global prefix (writable or not); `install -g` / `install --prefix P`
  // put a fake pnpm there that records its calls and answers --version with the pinned version
  const global = opts.globalWritable ? path.join(root, 'global') : '/nonexistent';
  if (opts.globalWritable) {
    fs.mkdirSync(path.join(global, 'bin'), { recursive: true });
    fs.chmodSync(path.join(global, 'bin'), 0o777);
  }
  const fakePnpm = `printf '#!/bin/sh\\necho "pnpm $*" >> ${log}\\n[ "$1" = --version ] && echo 10.34.9\\nexit 0\\n'`;
  script(
    'npm',
    [
      `case "$1 $2" in`,
      `"prefix -g") echo ${global};;`,
      `"install -g") ${fakePnpm} > ${global}/bin/pnpm; chmod +x ${global}/bin/pnpm;;`,
      `"install --prefix") mkdir -p "$3/node_modules/.bin"; ${fakePnpm} > "$3/node_modules/.bin/pnpm"; chmod +x "$3/node_modules/.bin/pnpm";;`,
      `esac`,
    ].join('\n'),
  );
  fs.chmodSync(tmp, 0o755);
  return { root, bin, log, calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : '') };
}

/** As an unprivileged user (setpriv when the tests run as root): root would install without asking. */
function bootstrap(m: ReturnType<typeof machine>, args: string[]) {
  fs.chmodSync(m.root, 0o777);
  for (const d of fs.readdirSync(m.root)) fs.chmodSync(path.join(m.root, d), 0o777);
  const cmd = [path.join(m.bin, 'node'), path.join(m.root, 'bin', 'bootstrap.mjs'), ...args];
  const asUser =
    process.getuid?.() === 0 ? ['/usr/bin/setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const [exe, ...rest] = [...asUser, ...cmd];
  const t0 = Date.now();
  const r = spawnSync(exe!, rest, {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: m.bin, HOME: m.root, XDG_CACHE_HOME: path.join(m.root, 'cache') },
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, ms: Date.now() - t0 };
}

describe('bin/bootstrap.mjs on a fresh machine', () => {
  it('not root, no password-less sudo: stops at once naming the packages and the one command', () => {
    const m = machine('nosudo', { sudo: false });
    const r = bootstrap(m, ['node', '-e', 'process.exit(0)']);
    expect(r.code).toBe(3);
    expect(r.out).toContain(`missing Debian packages: ${ABSENT.join(' ')}`);
    expect(r.out).toContain(`sudo apt-get install -y --no-install-recommends ${ABSENT.join(' ')}`);
    expect(r.ms).toBeLessThan(10_000);
    // before any build or install: no apt-get, no npm, no pnpm
    expect(m.calls()).not.toMatch(/^(apt-get|npm|pnpm) /m);
  });

  it('with sudo -n: installs exactly the missing packages, then pnpm, the npm packages and runs the command', () => {
    const m = machine('sudo', { sudo: true });
    const r = bootstrap(m, ['node', '-e', 'process.exit(7)']);
    expect(r.code, r.out).toBe(7); // the command's own exit code
    const calls = m.calls();
    expect(calls).toContain('sudo -n true');
    expect(calls).toContain(`apt-get install -y -qq --no-install-recommends ${ABSENT.join(' ')}`);
    expect(calls).toMatch(/^npm install --prefix \S+pnpm-10\.34\.9 .*pnpm@10\.34\.9$/m);
    expect(calls).toContain('pnpm install --frozen-lockfile');
    expect(r.out).toMatch(/add it to PATH/);
  });

  it('with a writable npm global prefix: pnpm goes there (npm install -g), so later pnpm commands find it', () => {
    const m = machine('global', { sudo: true, globalWritable: true });
    const r = bootstrap(m, ['node', '-e', 'process.exit(0)']);
    expect(r.code, r.out).toBe(0);
    expect(m.calls()).toMatch(/^npm install -g .*pnpm@10\.34\.9$/m);
    expect(fs.existsSync(path.join(m.root, 'global', 'bin', 'pnpm'))).toBe(true);
  });

  it('a package.json without a pinned pnpm is an error naming the field', () => {
    const m = machine('nopin', { sudo: true });
    const pkg = JSON.parse(fs.readFileSync(path.join(m.root, 'package.json'), 'utf8'));
    delete pkg.packageManager;
    fs.writeFileSync(path.join(m.root, 'package.json'), JSON.stringify(pkg));
    const r = bootstrap(m, ['node', '-e', '0']);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/package\.json packageManager is 'undefined': expected pnpm@<x\.y\.z>/);
  });
});
