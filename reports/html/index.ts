// writeReport(runDir): docs/qa/evidence/<run-id>/report.html, self-contained. `pnpm gate` passes what
// it already computed; `pnpm demo` (and anyone else) just passes the run dir.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { evaluate, type Evaluation } from '../gate/evaluate.js';
import { buildTrend, type Trend } from '../gate/history.js';
import { loadRuns, type LoadedRun } from '../gate/run.js';
import { PLATFORM_STORY } from '../../helpers/trace/catalogue.js';
import type { Waiver } from '../gate/waivers.js';
import { renderReport } from './render.js';
import { writeFileNoFollow } from '../../helpers/evidence/safe-write.js';

export interface ReportOptions {
  /** Already loaded run (e.g. merged shards); default: loadRuns([runDir]). */
  loaded?: LoadedRun;
  waivers?: Waiver[];
  evaluation?: Evaluation;
  trend?: Trend;
  /** Runs in the trend (default 10). */
  history?: number;
  /** Directory for report.html (default: the run dir). */
  outDir?: string;
}

/** Write report.html for a run and return its absolute path. Throws GateInputError on bad input. */
export async function writeReport(runDir: string, opts: ReportOptions = {}): Promise<string> {
  const loaded = opts.loaded ?? loadRuns([runDir]);
  const waivers = opts.waivers ?? [];
  const evaluation = opts.evaluation ?? evaluate(loaded, PLATFORM_STORY, waivers);
  const trend = opts.trend ?? buildTrend(loaded.runs, loaded.checks, waivers, opts.history ?? 10);
  const html = renderReport({ loaded, evaluation, waivers, trend, generatedAt: new Date() });
  const dir = opts.outDir ?? loaded.runs[0]!.dir;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'report.html');
  writeFileNoFollow(file, html);
  return file;
}
