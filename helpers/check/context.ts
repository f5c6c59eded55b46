// Values the main process hands to workers (vitest provide/inject) and state shared inside the
// main process between the per-project globalSetup, the reporter and bin/test.ts.
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
  }
}

/** The end-of-run removal of a run's resources on one cluster. */
export interface CleanupOutcome {
  ok: boolean;
  /** What may be left on the cluster (namespaces, registered removals that failed). */
  leftovers: string[];
  error?: string;
}

export interface RunState {
  clusters: Record<string, PvIdentity>;
  /** Identity outcomes proven by bin/test.ts before vitest started (preflight child); globalSetup uses them. */
  preflight?: Record<string, PvIdentity>;
  /** Catalogue errors found across files (duplicate ids), reported by the reporter. */
  catalogueErrors: string[];
  /** End-of-run cleanup per cluster (globalSetup teardown, after the reporter's onTestRunEnd). */
  cleanup?: Record<string, CleanupOutcome>;
}

const KEY = Symbol.for('pv.runState');
/** One per main process (several module copies may exist: vite config bundle, module runner). */
export function runState(): RunState {
  const g = globalThis as unknown as Record<symbol, RunState | undefined>;
  return (g[KEY] ??= { clusters: {}, catalogueErrors: [] });
}
