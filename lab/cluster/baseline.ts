/**
 * A lab brought up or reset is a new healthy state: record the zero-disruption baseline of
 * NET-CILIUM-005 for it, with the framework's own mechanism (`pnpm test -t NET-CILIUM-005` with
 * PV_BASELINE=write, into the baseline directory the user's runs read), so the first `pnpm demo`
 * compares instead of only recording (issue 17). A failure is reported, not fatal: the check then
 * records on the next run and says so (its skip keeps the gate at CONCERNS).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { LabPaths } from '../core/paths.js';

export async function recordDisruptionBaseline(paths: LabPaths, log: (m: string) => void): Promise<boolean> {
  if (process.env.PV_LAB_BASELINE === '0') return false;
  const t0 = Date.now();
  const args = [path.join(paths.repo, 'bin', 'launch.mjs'), path.join(paths.repo, 'bin', 'test.ts')];
  const env = {
    ...process.env,
    PV_BASELINE: 'write',
    PV_RUN_ID: undefined,
    PV_RUN_DIR: undefined,
    FORCE_COLOR: '0',
  };
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...args, '--env', 'lab', '-t', 'NET-CILIUM-005'],
      { cwd: paths.repo, env, timeout: 180_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const secs = ((Date.now() - t0) / 1000).toFixed(1);
        if (err) {
          log(
            `lab: WARNING: recording the zero-disruption baseline (NET-CILIUM-005, PV_BASELINE=write) failed after ${secs} s; the next run records it:\n${lastLines(`${stdout}\n${stderr}`)}`,
          );
          resolve(false);
        } else {
          log(`lab: zero-disruption baseline recorded for this healthy state (${secs} s)`);
          resolve(true);
        }
      },
    );
  });
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-15).join('\n');
}
