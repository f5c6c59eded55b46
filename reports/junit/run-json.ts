// run.json: what ran, where, against which proven identity, and how it ended.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { redactJson } from '../../helpers/evidence/redact.js';
import type { CleanupOutcome } from '../../helpers/check/context.js';
import type { Manifest } from './manifest.js';
import { writeFileNoFollow } from '../../helpers/evidence/safe-write.js';

export interface RunJson {
  runId: string;
  env: string;
  configFile: string;
  clusters: Record<
    string,
    {
      context: string;
      server?: string;
      identity?: { expected: string; seen?: string; skipped?: boolean };
      serverVersion?: string;
      ok: boolean | null; // null: not contacted (no selected check of this cluster ran)
      error?: string;
      /** End-of-run removal of this run's resources; `ok: false` names what may be left. */
      cleanup?: CleanupOutcome;
      /** Leftovers of crashed runs this run's sweep removed. */
      swept?: string[];
      sweepError?: string;
    }
  >;
  git: { revision: string | null; suitesRevision: string | null; dirty: boolean | null };
  selection: {
    projects: string[];
    environmentClusters: string[];
    grep: string | null;
    testNamePattern: string | null;
    fileFilters: string[];
    shard: { index: number; count: number } | null;
    /** PV_SUITES, when it replaced the suites glob */
    suites: string | null;
    allowDisruptive: boolean;
    excludedDisruptive: number;
  };
  startedAt: string;
  endedAt?: string;
  outcome: 'passed' | 'failed' | 'interrupted' | 'error' | 'running';
  reasons?: string[];
  counts: { passed: number; failed: number; skipped: number; flaky?: number };
  /** Every declared check x cluster and the testcases each JUnit must hold (reports/junit/manifest.ts). */
  manifest?: Manifest;
}

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    }).trim();
  } catch {
    return null;
  }
}

/** Revision of the checkout and of the last commit touching the suites; dirty = uncommitted suite/helper changes. */
export function gitInfo(root: string): RunJson['git'] {
  const revision = git(['rev-parse', 'HEAD'], root);
  const suitesRevision = git(['log', '-1', '--format=%H', '--', 'suites'], root) || null;
  const status = git(
    ['status', '--porcelain', '--', 'suites', 'helpers', 'fixtures', 'platform.config.ts'],
    root,
  );
  return { revision, suitesRevision, dirty: status === null ? null : status.length > 0 };
}

export function writeRunJson(runDir: string, data: RunJson): string {
  const file = path.join(runDir, 'run.json');
  writeFileNoFollow(file, `${JSON.stringify(redactJson(data), null, 2)}\n`);
  return file;
}
