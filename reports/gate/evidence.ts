// "Evidence complete": what a QA lead needs to sign the gate from this run alone.
//  1. every run dir has a run.json, and every cluster that produced results has an entry there with a
//     proven identity (a non-empty `identity`, or `identity.seen`); an identity the run skipped
//     (`identity.skipped`, PV_IDENTITY=skip, benchmark mode) is not proven;
//  2. every failed check (waived or not) names at least one evidence attachment, and every evidence
//     path it names exists on disk inside its run dir;
// A metric without a target is a measurement (shown in the report), not a baseline: no target is
// required of it.
// Incomplete evidence keeps an otherwise passing gate at CONCERNS.
import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { checkKey, type CheckResult } from './model.js';
import type { RunDir } from './run.js';

export interface EvidenceStatus {
  complete: boolean;
  problems: string[];
}

/** Absolute path of an evidence entry, or undefined when it escapes its run dir. */
export function evidencePath(runDir: string, p: string): string | undefined {
  const abs = resolve(runDir, p);
  const rel = relative(runDir, abs);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return abs;
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
  for (const c of [...checks].sort((a, b) => checkKey(a).localeCompare(checkKey(b)))) {
    if (c.outcome === 'failed') {
      if (c.evidence.length === 0) out.push(`${checkKey(c)} failed without an evidence attachment`);
      for (const p of c.evidence) {
        const abs = evidencePath(c.runDir, p);
        if (!abs) out.push(`${checkKey(c)}: evidence path ${p} points outside the run dir`);
        else if (!existsSync(abs)) out.push(`${checkKey(c)}: evidence ${p} is missing on disk`);
      }
    }
  }
  return { complete: out.length === 0, problems: out };
}
