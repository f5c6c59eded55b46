// "Evidence complete": what a QA lead needs to sign the gate from this run alone.
//  1. every run dir has a run.json, and every cluster that produced results has an entry there with a
//     proven identity (a non-empty `identity`, or `identity.seen`); an identity the run skipped
//     (`identity.skipped`, PV_IDENTITY=skip, benchmark mode) is not proven;
//  2. every failed check (waived or not) names at least one evidence attachment, and every evidence
//     path it names is a regular file inside its run dir (no symlink on the way, realpath inside);
// A metric without a target is a measurement (shown in the report), not a baseline: no target is
// required of it.
// Insufficient evidence is the seed's NO-GO (FAIL): a cluster whose identity is not proven, a failed
// check with no attachment at all. Other gaps (an attachment missing on disk, a path outside the run
// dir) keep an otherwise passing gate at CONCERNS.
import { lstatSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { checkKey, type CheckResult } from './model.js';
import type { RunDir } from './run.js';

export interface EvidenceStatus {
  complete: boolean;
  problems: string[];
  /** The problems that make the evidence insufficient (FAIL), a subset of `problems`. */
  insufficient: string[];
}

/** Absolute path of an evidence entry, or undefined when it escapes its run dir. */
export function evidencePath(runDir: string, p: string): string | undefined {
  const abs = resolve(runDir, p);
  const rel = relative(runDir, abs);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return abs;
}

export type EvidenceFile =
  | { ok: true; abs: string; size: number }
  | { ok: false; problem: 'outside' | 'symlink' | 'not-regular' | 'missing'; detail: string };

/**
 * An evidence entry as a file the gate may read: inside its run dir lexically and after resolving
 * links (realpath), no symlink on the way below the run dir nor at the end (lstat), a regular file.
 * The run dir itself may be reached through a link (`docs/qa/evidence/latest`).
 */
export function evidenceFile(runDir: string, p: string): EvidenceFile {
  const abs = evidencePath(runDir, p);
  if (!abs) return { ok: false, problem: 'outside', detail: 'points outside the run dir' };
  const rel = relative(runDir, abs);
  let cur = resolve(runDir);
  const parts = rel ? rel.split(sep) : [];
  for (let i = 0; i < parts.length; i++) {
    cur = join(cur, parts[i]!);
    let st;
    try {
      st = lstatSync(cur);
    } catch {
      return { ok: false, problem: 'missing', detail: 'is missing on disk' };
    }
    if (st.isSymbolicLink()) return { ok: false, problem: 'symlink', detail: 'is a symlink (not read)' };
    if (i < parts.length - 1 && !st.isDirectory())
      return { ok: false, problem: 'missing', detail: 'is missing on disk' };
    if (i === parts.length - 1) {
      if (!st.isFile())
        return { ok: false, problem: 'not-regular', detail: 'is not a regular file (not read)' };
      try {
        const real = realpathSync(abs);
        const realRel = relative(realpathSync(runDir), real);
        if (realRel.startsWith('..') || isAbsolute(realRel))
          return { ok: false, problem: 'outside', detail: 'points outside the run dir' };
      } catch {
        return { ok: false, problem: 'missing', detail: 'is missing on disk' };
      }
      return { ok: true, abs, size: st.size };
    }
  }
  return { ok: false, problem: 'not-regular', detail: 'is not a regular file (not read)' };
}

function identitySkipped(identity: unknown): boolean {
  return (
    !!identity && typeof identity === 'object' && (identity as Record<string, unknown>)['skipped'] === true
  );
}

function hasIdentity(identity: unknown): boolean {
  if (typeof identity === 'string') return identity.trim() !== '';
  if (identity && typeof identity === 'object') {
    if (identitySkipped(identity)) return false;
    const seen = (identity as Record<string, unknown>)['seen'];
    return typeof seen === 'string' && seen.trim() !== '';
  }
  return false;
}

/**
 * Problems in a stable order (run-level ones sorted, then by check key), so that the shards of a run,
 * given in any order, read exactly like the unsharded run.
 */
export function assessEvidence(runs: RunDir[], checks: CheckResult[]): EvidenceStatus {
  const problems: string[] = [];
  for (const run of runs) {
    if (!run.runJson) {
      problems.push(`${run.dir}: no run.json (env, cluster identities, selection unknown)`);
      continue;
    }
    const clusters = new Set(checks.filter((c) => c.runDir === run.dir).map((c) => c.cluster));
    for (const cl of clusters) {
      const info = run.runJson.clusters[cl];
      if (!info) problems.push(`run.json of ${run.runId}: no entry for cluster "${cl}"`);
      else if (identitySkipped(info.identity))
        problems.push(
          `run.json of ${run.runId}: identity of cluster "${cl}" was not checked (PV_IDENTITY=skip)`,
        );
      else if (!hasIdentity(info.identity))
        problems.push(`run.json of ${run.runId}: cluster "${cl}" has no proven identity`);
    }
  }
  // shards of one run share its run id: the same gap in each shard's run.json is one problem
  const out = [...new Set(problems)].sort();
  const insufficient = [...out];
  for (const c of [...checks].sort((a, b) => checkKey(a).localeCompare(checkKey(b)))) {
    if (c.outcome === 'failed') {
      if (c.evidence.length === 0) {
        const p = `${checkKey(c)} failed without an evidence attachment`;
        out.push(p);
        insufficient.push(p);
      }
      for (const p of c.evidence) {
        const f = evidenceFile(c.runDir, p);
        if (f.ok) continue;
        if (f.problem === 'outside')
          out.push(`${checkKey(c)}: evidence path ${p} points outside the run dir`);
        else out.push(`${checkKey(c)}: evidence ${p} ${f.detail}`);
      }
    }
  }
  return { complete: out.length === 0, problems: out, insufficient };
}
