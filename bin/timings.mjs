// Where the time of a `pnpm test` run goes (`pnpm bench startup`): with PV_TIMINGS naming a file,
// each process of the run (launcher, preflight child, main) appends one JSON line per phase it
// reaches: {pid, phase, atMs} in epoch milliseconds. Unset (every normal run): nothing is written.
// Plain JavaScript: bin/launch.mjs marks phases before any TypeScript is loaded.
import { appendFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import process from 'node:process';

/** Records that this process reached `phase` now (or at `atMs`). Never throws. */
export function mark(phase, atMs = performance.timeOrigin + performance.now()) {
  const file = process.env.PV_TIMINGS;
  if (!file) return;
  try {
    appendFileSync(file, `${JSON.stringify({ pid: process.pid, phase, atMs })}\n`);
  } catch {
    // a measurement aid: never the reason a run fails
  }
}

/** When this process started (node's own time origin), for the first mark of each process. */
export const processStartMs = () => performance.timeOrigin;
