// Shared helpers of the gate tests: temp dirs, running the CLI as a subprocess, reading gate files.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { testTmpDir } from '../../tmp.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const FIXTURES = join(REPO, 'test/fixtures/junit');
export const NIGHTLY = '20261122T020000Z-a1b2c3';

export function tmp(prefix = 'pv-gate-'): string {
  return testTmpDir(prefix);
}

/** A private copy of a fixture tree (tests write gate files, reports and screenshots). */
export function copyFixture(rel: string): string {
  const dest = join(tmp(), rel.split('/').pop()!);
  cpSync(join(FIXTURES, rel), dest, { recursive: true });
  return dest;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function gateCommand(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv }) {
  // tsx by absolute path: the subprocess may run in a temp dir without node_modules.
  const tsx = pathToFileURL(join(REPO, 'node_modules/tsx/dist/loader.mjs')).href;
  return {
    argv: ['--import', tsx, join(REPO, 'reports/gate/cli.ts'), ...args],
    cwd: opts.cwd ?? REPO,
    // a CI job's own $GITHUB_STEP_SUMMARY is not the tests' to write
    env: { ...process.env, GITHUB_STEP_SUMMARY: '', PV_METRICS_URL: '', ...opts.env },
  };
}

/** `pnpm gate` as a subprocess (same entry point: tsx reports/gate/cli.ts). */
export function gate(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const c = gateCommand(args, opts);
  const r = spawnSync(process.execPath, c.argv, {
    cwd: c.cwd,
    env: c.env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same without blocking this process (a test serving the gate over HTTP must keep answering). */
export function gateAsync(
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const c = gateCommand(args, opts);
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, c.argv, { cwd: c.cwd, env: c.env, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `pnpm gate --run <dir> --gates-dir <gates> --no-report --push-metrics <url>`, not blocking. */
export function gatePushing(dir: string, gates: string, url: string): Promise<CliResult> {
  return gateAsync(['--run', dir, '--gates-dir', gates, '--no-report', '--push-metrics', url]);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function readGate(file: string): any {
  return parse(readFileSync(file, 'utf8'));
}
