// Shared types of the gate and the HTML report: one executed (or skipped) check as read from JUnit.

export type Priority = 'P0' | 'P1' | 'P2';
export const PRIORITIES: readonly Priority[] = ['P0', 'P1', 'P2'];
export type Outcome = 'passed' | 'failed' | 'skipped';
export type GateStatus = 'PASS' | 'CONCERNS' | 'FAIL' | 'WAIVED';

/** Where a check's priority came from: our reporter's property, a `[P0]` name marker, or the default (P1). */
export type PrioritySource = 'property' | 'marker' | 'default';

export interface Baseline {
  metric: string;
  /** Absent when the check declares a target but failed before measuring. */
  value?: number;
  /** Absent when the JUnit carries `metric.<name>` without `target.<name>` (evidence incomplete). */
  target?: number;
  /** How value compares to target; a bare number target is an upper bound (`<=`). */
  op: '<' | '<=' | '>' | '>=';
  met?: boolean;
}

export interface CheckResult {
  id: string;
  title: string;
  cluster: string;
  priority: Priority;
  prioritySource: PrioritySource;
  component?: string;
  /** The check's own story (the first of `stories`). */
  story?: string;
  /** Every story the check credits (JUnit `story`, comma-separated). */
  stories: string[];
  /** Item refs, qualified `STORY-ID:REF` (JUnit `ac`; an unqualified ref belongs to `story`). */
  ac: string[];
  /** Risk refs, qualified `STORY-ID:RISK`. */
  risks: string[];
  attempts: number;
  flaky: boolean;
  disruptive: boolean;
  suggestedAction?: string;
  /** Evidence paths as written in JUnit (relative to the run dir). */
  evidence: string[];
  baselines: Baseline[];
  outcome: Outcome;
  /** Failure/error message (unredacted: redact before printing). */
  message?: string;
  /** Failure/error body (expected/actual, evidence excerpt). */
  details?: string;
  skipReason?: string;
  durationMs: number;
  /** True when the testcase had no testcase-level properties (JUnit of another tool). */
  foreign: boolean;
  /** Absolute path of the run dir this result came from (evidence paths resolve against it). */
  runDir: string;
  /** The JUnit file it was read from. */
  source: string;
  /** The testcase's classname (ours: `<cluster>.<test file>`), for the manifest's per-file counts. */
  classname?: string;
}

/** Key of a result: the same check runs once per cluster. */
export function checkKey(c: Pick<CheckResult, 'id' | 'cluster'>): string {
  return `${c.id}@${c.cluster}`;
}

/** Thrown for bad input (files, flags); the CLI prints the message and exits 3. */
export class GateInputError extends Error {
  override name = 'GateInputError';
}
