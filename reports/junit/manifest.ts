// The catalogue manifest of run.json: every declared check x cluster the run knows of, selected or not
// and why, and the testcases each cluster's JUnit must hold per file. The gate checks what it reads
// against it, so a lost shard, a removed JUnit or dropped testcases are never read as a pass.

/** Why a declared check did not run in this run. */
export type NotSelectedReason =
  | { kind: 'grep'; detail: string }
  | { kind: 'testNamePattern'; detail: string }
  | { kind: 'disruptive'; detail: string };

export interface ManifestCheck {
  id: string;
  cluster: string;
  file: string;
  priority?: string;
  component?: string;
  story?: string;
  ac?: string[];
  risks?: string[];
  selected: boolean;
  /** Set when not selected: the filter that left it out, in words a person reads. */
  why?: string;
}

export interface ManifestFile {
  /** The testcases this cluster's JUnit holds for the file (0 for a file of another shard). */
  expectedTestcases: number;
  /** `this`: run by this process; `other`: the shard i/n of the run that holds it. */
  shard: 'this' | 'other';
}

export interface Manifest {
  /** The run's shard, `null` when unsharded. The gate needs shards 1..count of one run id. */
  shard: { index: number; count: number } | null;
  /** cluster -> test file (relative) -> what its JUnit must hold. Every file of the catalogue. */
  files: Record<string, Record<string, ManifestFile>>;
  /** Declared checks of the files this process collected (other shards list theirs). */
  checks: ManifestCheck[];
}

export function emptyManifest(shard: Manifest['shard'], clusters: string[]): Manifest {
  return { shard, files: Object.fromEntries(clusters.map((c) => [c, {}])), checks: [] };
}

export function reasonText(r: NotSelectedReason): string {
  switch (r.kind) {
    case 'grep':
      return `not matched by --grep "${r.detail}"`;
    case 'testNamePattern':
      return `not matched by -t "${r.detail}"`;
    case 'disruptive':
      return `disruptive: needs --allow-disruptive${r.detail ? ` (${r.detail})` : ''}`;
  }
}
