// Render a report in Debian's headless Chromium: the DOM as Chromium built it (--dump-dom) and a
// screenshot. Used by the report test and by selftest on real runs. No network: the page is a
// local file with a CSP of default-src 'none', and Chromium's own background traffic is disabled.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setting } from '../../helpers/config/settings.js';

export const CHROMIUM = setting('PV_CHROMIUM') ?? 'chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
  '--hide-scrollbars',
];

function run(
  args: string[],
  timeoutMs: number,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const profile = mkdtempSync(join(tmpdir(), 'pv-chromium-'));
  return new Promise((resolve, reject) => {
    const child = spawn(CHROMIUM, [...FLAGS, `--user-data-dir=${profile}`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const done = () => {
      clearTimeout(timer);
      rmSync(profile, { recursive: true, force: true });
    };
    child.on('error', (e) => {
      done();
      reject(new Error(`cannot start ${CHROMIUM} (apt-get install -y chromium): ${e.message}`));
    });
    child.on('close', (code) => {
      done();
      resolve({ stdout, stderr, code });
    });
  });
}

/** The rendered DOM of a local HTML file. */
export async function dumpDom(htmlFile: string, timeoutMs = 60_000): Promise<string> {
  const r = await run(['--dump-dom', pathToFileURL(htmlFile).href], timeoutMs);
  if (r.code !== 0 || !r.stdout.includes('<html')) {
    throw new Error(`chromium --dump-dom ${htmlFile} failed (exit ${r.code}): ${r.stderr.slice(-800)}`);
  }
  return r.stdout;
}

/** Screenshot of a local HTML file (PNG). */
export async function screenshot(
  htmlFile: string,
  pngFile: string,
  opts: { width?: number; height?: number; timeoutMs?: number } = {},
): Promise<void> {
  const r = await run(
    [
      `--screenshot=${pngFile}`,
      `--window-size=${opts.width ?? 1280},${opts.height ?? 2000}`,
      pathToFileURL(htmlFile).href,
    ],
    opts.timeoutMs ?? 60_000,
  );
  if (r.code !== 0)
    throw new Error(`chromium --screenshot ${htmlFile} failed (exit ${r.code}): ${r.stderr.slice(-800)}`);
}
