// Loads a run dir (junit-*.xml + run.json) or several shard dirs of one run, merged.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { readJUnit } from './junit.js';
import { GateInputError, checkKey, type CheckResult } from './model.js';

/** run.json as written by reports/junit (docs/ARCHITECTURE.md); extra keys are kept, not required. */
const ClusterInfo = z
  .object({
    context: z.string().optional(),
    server: z.string().optional(),
    identity: z.union([z.string(), z.record(z.string(), z.unknown()), z.null()]).optional(),
    serverVersion: z.string().optional(),
    // null: not contacted (no selected check of that cluster ran)
    ok: z.boolean().nullable().optional(),
    error: z.string().nullable().optional(),
  })
  .loose();

export const RunJson = z
  .object({
    runId: z.string(),
    env: z.string().optional(),
    clusters: z.record(z.string(), ClusterInfo).default({}),
    git: z
      .object({ revision: z.string().nullable().optional(), dirty: z.boolean().nullable().optional() })
      .loose()
      .optional(),
    selection: z.record(z.string(), z.unknown()).optional(),
    startedAt: z.string().optional(),
    endedAt: z.string().nullable().optional(),
    // 'running': the run never wrote its end (crashed or still going)
    outcome: z.enum(['passed', 'failed', 'interrupted', 'error', 'running']).optional(),
    counts: z.record(z.string(), z.number()).optional(),
  })
  .loose();
export type RunJson = z.infer<typeof RunJson>;

export interface RunDir {
  /** Absolute, symlinks resolved (so `latest` becomes the real run dir). */
  dir: string;
  runId: string;
  runJson?: RunJson;
  junitFiles: string[];
}

export interface LoadedRun {
  runs: RunDir[];
  checks: CheckResult[];
}

/** `latest` may be a symlink to the run dir or a file holding the run id. */
export function resolveRunDir(dir: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs)) {
    throw new GateInputError(
      `--run ${dir}: run directory does not exist (expected docs/qa/evidence/<run-id>)`,
    );
  }
  const st = statSync(abs);
  if (st.isFile()) {
    const id = readFileSync(abs, 'utf8').trim();
    const target = join(dirname(abs), id);
    if (!id || !existsSync(target)) {
      throw new GateInputError(`--run ${dir}: file points at run "${id}" which does not exist next to it`);
    }
    return realpathSync(target);
  }
  return realpathSync(abs);
}

export function readRunJson(dir: string): RunJson | undefined {
  const file = join(dir, 'run.json');
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new GateInputError(`${file}: invalid JSON: ${(e as Error).message}`);
  }
  const parsed = RunJson.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GateInputError(
      `${file}: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'} (format: docs/ARCHITECTURE.md "run.json")`,
    );
  }
  return parsed.data;
}

export function junitFilesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /^junit-.+\.xml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

export function loadRunDir(dir: string): { run: RunDir; checks: CheckResult[] } {
  const abs = resolveRunDir(dir);
  if (!statSync(abs).isDirectory()) throw new GateInputError(`--run ${dir}: not a directory`);
  const runJson = readRunJson(abs);
  const junitFiles = junitFilesIn(abs);
  const checks = junitFiles.flatMap((f) => readJUnit(f, abs));
  const runId = runJson?.runId ?? abs.split('/').pop() ?? abs;
  return { run: { dir: abs, runId, runJson, junitFiles }, checks };
}

/**
 * Load one run or several shards of it (vitest `--shard=i/n` in separate jobs). Shards are disjoint
 * slices of one catalogue, so a check (id, cluster) found in two dirs means the inputs are wrong.
 */
export function loadRuns(dirs: string[]): LoadedRun {
  const runs: RunDir[] = [];
  const checks: CheckResult[] = [];
  const seen = new Map<string, string>();
  for (const d of dirs) {
    const { run, checks: cs } = loadRunDir(d);
    if (runs.some((r) => r.dir === run.dir)) throw new GateInputError(`--run ${d}: given twice`);
    for (const c of cs) {
      const k = checkKey(c);
      const other = seen.get(k);
      if (other !== undefined && other !== run.dir) {
        throw new GateInputError(
          `check ${k} appears in both ${other} and ${run.dir}: shards must be disjoint slices of one run`,
        );
      }
      seen.set(k, run.dir);
    }
    runs.push(run);
    checks.push(...cs);
  }
  return { runs, checks };
}
