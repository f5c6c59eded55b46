// Is the input the whole run? The gate compares what it read with what each run said it would write
// (run.json: selection, counts and the catalogue manifest). Missing or extra results are never read as
// a pass: a missing cluster JUnit, a shard of the run not given, run dirs of different runs, testcases
// missing from a file, counts that disagree -> FAIL naming what is missing.
import { basename } from 'node:path';
import type { Manifest, ManifestCheck } from '../junit/manifest.js';
import { clusterFromFileName } from './junit.js';
import type { CheckResult } from './model.js';
import type { LoadedRun, RunDir } from './run.js';

function manifestOf(r: RunDir): Manifest | undefined {
  const m = r.runJson?.['manifest'] as Manifest | undefined;
  return m && typeof m === 'object' && m.files && Array.isArray(m.checks) ? m : undefined;
}

function projectsOf(r: RunDir): string[] {
  const p = (r.runJson?.selection as { projects?: unknown } | undefined)?.projects;
  return Array.isArray(p) ? p.map(String) : [];
}

const shardText = (s: { index: number; count: number }) => `${s.index}/${s.count}`;

/** Problems that make the input incomplete or inconsistent (FAIL). */
export function completenessProblems(run: LoadedRun): string[] {
  const out: string[] = [];
  const ids = [...new Set(run.runs.map((r) => r.runId))];
  if (ids.length > 1) {
    out.push(
      `the --run dirs belong to different runs (${ids.join(', ')}); a gate reads one run (its shards), never a mix`,
    );
  }
  for (const r of run.runs) {
    const mine = run.checks.filter((c) => c.runDir === r.dir);
    // 1. a JUnit for every cluster the run selected
    const have = new Set(r.junitFiles.map((f) => clusterFromFileName(basename(f))));
    for (const p of projectsOf(r)) {
      if (!have.has(p)) out.push(`run ${r.runId}: junit-${p}.xml is missing (the run selected cluster ${p})`);
    }
    // 2. the counts the run wrote agree with the JUnit read back
    const counts = r.runJson?.counts;
    if (counts && r.runJson?.outcome !== 'running') {
      const seen = {
        passed: mine.filter((c) => c.outcome === 'passed').length,
        failed: mine.filter((c) => c.outcome === 'failed').length,
        skipped: mine.filter((c) => c.outcome === 'skipped').length,
      };
      for (const k of ['passed', 'failed', 'skipped'] as const) {
        if (typeof counts[k] === 'number' && counts[k] !== seen[k]) {
          out.push(
            `run ${r.runId}: run.json counts ${counts[k]} ${k} but its JUnit holds ${seen[k]}: results are missing or were altered`,
          );
        }
      }
    }
    // 3. per cluster and file, exactly the testcases the manifest expects
    const m = manifestOf(r);
    if (!m) {
      // without it nothing says which results the run wrote: a removed file would go unseen
      if (r.runJson)
        out.push(
          `run ${r.runId}: run.json has no catalogue manifest (pnpm test always writes one): the gate cannot tell whether results were removed`,
        );
      continue;
    }
    for (const [cluster, files] of Object.entries(m.files)) {
      if (!have.has(cluster)) continue; // already named above
      for (const [file, f] of Object.entries(files)) {
        if (f.shard !== 'this') continue;
        const n = mine.filter((c) => c.cluster === cluster && c.classname === `${cluster}.${file}`).length;
        const expected = file === '(catalogue)' ? undefined : f.expectedTestcases;
        if (expected !== undefined && n !== expected) {
          out.push(
            `run ${r.runId}: junit-${cluster}.xml holds ${n} testcase(s) of ${file}, the run wrote ${expected}`,
          );
        }
      }
    }
  }
  // 4. shards: every shard 1..n of the run, and every file of the catalogue run by one of them
  const sharded = run.runs
    .map((r) => ({ r, m: manifestOf(r) }))
    .filter((x): x is { r: RunDir; m: Manifest } => !!x.m?.shard);
  if (sharded.length) {
    const count = sharded[0]!.m.shard!.count;
    if (sharded.some((x) => x.m.shard!.count !== count)) {
      out.push(
        `the shards disagree on their count (${sharded.map((x) => shardText(x.m.shard!)).join(', ')})`,
      );
    } else {
      // per cluster: a CI matrix runs each cluster's shards as separate jobs
      const present = new Map<string, Set<number>>();
      for (const { r, m } of sharded)
        for (const c of projectsOf(r).length ? projectsOf(r) : Object.keys(m.files))
          (present.get(c) ?? present.set(c, new Set()).get(c)!).add(m.shard!.index);
      for (const [cluster, idx] of present) {
        const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !idx.has(i));
        if (missing.length)
          out.push(
            `run ${sharded[0]!.r.runId} has ${count} shards; shard(s) ${missing.map((i) => `${i}/${count}`).join(', ')} of cluster ${cluster} not given to the gate, so their results are unknown`,
          );
      }
      const ranBy = new Set<string>();
      for (const { m } of sharded)
        for (const [cluster, files] of Object.entries(m.files))
          for (const [file, f] of Object.entries(files))
            if (f.shard === 'this') ranBy.add(`${cluster}\0${file}`);
      if (!out.length)
        for (const { m } of sharded)
          for (const [cluster, files] of Object.entries(m.files))
            for (const file of Object.keys(files))
              if (!ranBy.has(`${cluster}\0${file}`))
                out.push(`${file} on ${cluster}: no shard of the run ran it`);
    }
  }
  return [...new Set(out)];
}

export interface ScopeGap {
  check: ManifestCheck;
  why: string;
}

/**
 * Declared checks of the scope that did not run (a story gate: every check of the story the run's
 * manifest knows, and the clusters of the environment the run left out). Empty for the platform
 * scope, whose scope is the selection itself.
 */
export function scopeGaps(run: LoadedRun, story: string | undefined): ScopeGap[] {
  if (!story) return [];
  const want = story.toUpperCase();
  const gaps: ScopeGap[] = [];
  for (const r of run.runs) {
    const m = manifestOf(r);
    if (!m) continue;
    for (const c of m.checks) {
      if (!c.story || !c.story.toUpperCase().split(',').includes(want)) continue;
      if (!c.selected) gaps.push({ check: c, why: c.why ?? 'not selected' });
    }
  }
  return gaps;
}

/** Every check x cluster the run's manifests declare (shards and CI matrix jobs together). */
export function declaredChecks(run: LoadedRun): ManifestCheck[] {
  return run.runs.flatMap((r) => manifestOf(r)?.checks ?? []);
}

/** P0 checks the scope declares (manifest), for "zero executed P0 in a scope that declares P0". */
export function declaredP0(run: LoadedRun, story: string | undefined): number {
  let n = 0;
  for (const r of run.runs) {
    for (const c of manifestOf(r)?.checks ?? []) {
      if (c.priority !== 'P0') continue;
      if (story && !(c.story ?? '').toUpperCase().split(',').includes(story.toUpperCase())) continue;
      n++;
    }
  }
  return n;
}

/** Framework errors (a file that never ran, a hook, an unhandled error) are never waivable. */
export function isFrameworkError(c: Pick<CheckResult, 'id'>): boolean {
  return /^(COLLECT|HOOK|UNHANDLED|FILE|VITEST|CATALOGUE):/.test(c.id) || c.id.startsWith('(catalogue)');
}
