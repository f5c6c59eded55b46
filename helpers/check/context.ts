// Values the main process hands to its per-project globalSetup and to the workers (vitest
// provide/inject). Each piece of run data has one owner: bin/test.ts provides the preflight's
// outcomes, globalSetup the cluster's identity (the reporter and bin/test.ts read it back from the
// projects' provided context), and the end-of-run cleanup is recorded in the run dir (preflight.ts).
import type { ResolvedCluster } from '../config/index.js';

export interface PvRun {
  runId: string;
  runDir: string;
  allowDisruptive: boolean;
  strictJunit: boolean;
}

export interface PvIdentity {
  ok: boolean;
  /** Identity proof was bypassed (bench only, PV_IDENTITY=skip). */
  skipped?: boolean;
  context: string;
  server?: string;
  expected: string;
  seen?: string;
  serverVersion?: string;
  error?: string;
  /** Expired leftovers of crashed runs the sweep removed (stderr and run.json name them). */
  swept?: string[];
  sweepError?: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    pvCluster: string;
    pvClusterConfig: ResolvedCluster;
    pvEnv: { name: string; clusters: string[]; configFile: string };
    pvRun: PvRun;
    pvIdentity: PvIdentity;
    /** Identity outcomes the preflight child proved, by cluster (bin/test.ts; absent under a bare vitest). */
    pvPreflight?: Record<string, PvIdentity>;
  }
}

/** The end-of-run removal of a run's resources on one cluster. */
export interface CleanupOutcome {
  ok: boolean;
  /** What may be left on the cluster (namespaces, registered removals that failed). */
  leftovers: string[];
  error?: string;
}
