// The reporter's data model: what a JUnit file / run.json says about one cluster's checks.
// Built from vitest's reported tasks, independent of the XML so the two writers stay simple.
export interface CaseRecord {
  name: string;
  classname: string;
  file: string;
  durationMs: number;
  state: 'passed' | 'failed' | 'skipped' | 'error';
  properties: [string, string][];
  evidence: string[];
  /** The verdict's failure: the LAST attempt's errors. */
  failure?: { message: string; type: string; body: string };
  /** Why a skipped check did not run (the note of `skip(note)`): a QA lead must see the reason. */
  skipMessage?: string;
  /**
   * Earlier failed attempts, oldest first (Maven Surefire's rerun elements): `flakyFailure` when the
   * check passed in the end, `rerunFailure` when every attempt failed.
   */
  reruns?: { kind: 'flakyFailure' | 'rerunFailure'; message: string; type: string; body: string }[];
  systemOut?: string;
}

export interface SuiteRecord {
  name: string;
  file: string;
  cases: CaseRecord[];
}

export interface ClusterReport {
  cluster: string;
  suites: SuiteRecord[];
  suiteProperties: [string, string][];
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  /** disruptive checks matching the selection, not run because --allow-disruptive was absent */
  excludedDisruptive: number;
  flaky: number;
}
