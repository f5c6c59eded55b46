// Helpers for the runner's self-tests: throwaway platform configs and `pnpm test` as a subprocess.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { testTmpDir } from '../tmp.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The schema of the JUnit this project writes (ours, in the repo). */
export const XSD = path.resolve(ROOT, 'reports/junit/junit.xsd');
/** The Jenkins junit-10.xsd, beside a developer checkout only (a user's clone has no ../shared). */
export const JUNIT10_XSD = path.resolve(ROOT, '../shared/schemas/junit-10.xsd');

/** `xmllint --schema` verdict on a file; `out` is its complaint. */
export function xmllint(file: string, schema = XSD): { ok: boolean; out: string } {
  try {
    const out = execFileSync('xmllint', ['--noout', '--schema', schema, file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, out };
  } catch (e) {
    return { ok: false, out: String((e as { stderr?: string }).stderr ?? e) };
  }
}

export function tmpDir(prefix = 'pv-unit-'): string {
  return testTmpDir(prefix);
}

/** A TCP port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** A kubeconfig whose contexts all point at https://127.0.0.1:<port>. */
export function writeKubeconfig(dir: string, port: number, contexts: string[], name = 'kubeconfig'): string {
  const file = path.join(dir, name);
  const ctx = contexts.map((c) => `- name: ${c}\n  context: { cluster: closed, user: u }`).join('\n');
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: closed\n  cluster: { server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true }\nusers:\n- name: u\n  user: { token: "tok-3f9a7c1e5d" }\ncontexts:\n${ctx}\ncurrent-context: ${contexts[0]}\n`,
  );
  return file;
}

/** Write a config file (plain default export; definePlatform is only a typed identity). */
export function writeConfig(dir: string, config: unknown, name = 'platform.config.ts'): string {
  const file = path.join(dir, name);
  writeFileSync(file, `export default ${JSON.stringify(config, null, 2)};\n`);
  return file;
}

export interface TwoClusterConfig {
  /** Where the config (and, by default, the kubeconfig and evidence) go; default a fresh tmpDir(). */
  dir?: string;
  /** The kubeconfig of both clusters; default one in `dir` whose contexts point at a closed port. */
  kubeconfig?: string;
  /** The kube contexts of infra and apps; default c-infra, c-apps. */
  contexts?: { infra: string; apps: string };
  /** The environment's name, also defaultEnv; default x. */
  env?: string;
  /** default `dir`/evidence */
  evidenceDir?: string;
}

/**
 * A throwaway platform config with one environment of two clusters, infra and apps, on contexts of
 * one kubeconfig (the shape of the runner's self-tests, the lab tests and the benches). Returns the
 * config file; without `kubeconfig`, nothing listens behind its contexts.
 */
export async function twoClusterConfig(opts: TwoClusterConfig = {}): Promise<string> {
  const dir = opts.dir ?? tmpDir();
  const contexts = opts.contexts ?? { infra: 'c-infra', apps: 'c-apps' };
  const kubeconfig =
    opts.kubeconfig ?? writeKubeconfig(dir, await closedPort(), [contexts.infra, contexts.apps]);
  const env = opts.env ?? 'x';
  return writeConfig(dir, {
    defaultEnv: env,
    evidenceDir: opts.evidenceDir ?? path.join(dir, 'evidence'),
    environments: {
      [env]: {
        clusters: {
          infra: { context: contexts.infra, kubeconfig },
          apps: { context: contexts.apps, kubeconfig },
        },
      },
    },
  });
}

export interface PvResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  runDir?: string;
}

export interface RunningPv {
  child: ChildProcess;
  done: Promise<PvResult>;
}

/** Send `signal` once, `delayMs` after the output first matches `when` (Ctrl-C tests). */
export interface Interrupt {
  when: RegExp;
  signal: NodeJS.Signals;
  delayMs: number;
}

/**
 * Start bin/test.ts exactly as `pnpm test` does (bin/launch.mjs), bounded in time (SIGKILL after
 * timeoutMs). The child is exposed for tests that signal it or inspect its process tree.
 */
export function spawnPv(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 150_000,
  interrupt?: Interrupt,
): RunningPv {
  return spawnNode(
    [path.join(ROOT, 'bin/launch.mjs'), path.join(ROOT, 'bin/test.ts'), ...args],
    env,
    timeoutMs,
    interrupt,
  );
}

/** Any node command line that ends in a run (`pnpm test`, the container entrypoint), observed alike. */
export function spawnNode(
  nodeArgs: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 150_000,
  interrupt?: Interrupt,
): RunningPv {
  const started = Date.now();
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: {
      ...process.env,
      FORCE_COLOR: '0',
      NO_COLOR: '1',
      PV_RUN_ID: undefined,
      PV_RUN_DIR: undefined,
      PV_ENV: undefined,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let sent = false;
  const watch = () => {
    if (interrupt && !sent && interrupt.when.test(stdout + stderr)) {
      sent = true;
      setTimeout(() => child.kill(interrupt.signal), interrupt.delayMs);
    }
  };
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    watch();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    watch();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<PvResult>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const m = /^ {2}evidence: (.+)$/m.exec(stdout);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        ms: Date.now() - started,
        runDir: m ? path.resolve(ROOT, m[1]!.trim()) : undefined,
      });
    }),
  );
  return { child, done };
}

/** Run bin/test.ts as `pnpm test` would, to completion. */
export function runPv(
  args: string[],
  env: Record<string, string | undefined>,
  timeoutMs = 150_000,
  interrupt?: Interrupt,
): Promise<PvResult> {
  return spawnPv(args, env, timeoutMs, interrupt).done;
}

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** All files under a directory, recursively. */
export function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

/** JUnit testcases as {name, body} (body = inner XML), for assertions. */
export function testcases(xml: string): { name: string; body: string }[] {
  return [...xml.matchAll(/<testcase name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)].map((m) => ({
    name: m[1]!,
    body: m[2]!,
  }));
}

export function prop(body: string, name: string): string[] {
  return [
    ...body.matchAll(new RegExp(`<property name="${name.replace('.', '\\.')}" value="([^"]*)"/>`, 'g')),
  ].map((m) => m[1]!);
}
