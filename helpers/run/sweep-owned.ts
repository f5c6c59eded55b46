// The next run's sweep of run-owned names outside Kubernetes (Kafka topics and groups, Schema Registry
// subjects, registry repositories) that a crashed run never removed. The namespace sweep
// (namespace.ts) reads an expiry annotation; these names carry their run id instead
// (`<prefix>-<runid>`), so their age is the run's start time. Only names with one of the check's own
// prefixes, of another run, older than the run TTL (PV_RUN_TTL_MINUTES, default 180): a run still
// going on another CI job is never touched. Redis keys need no sweep: the checks set them with EX.
import { errorText } from '../cluster/errors.js';
import { currentRunId, runIdOfName, runStartedAt } from './ids.js';
import { runTtlMs } from './namespace.js';

export interface OwnedKind {
  /** what the names are, for the record: "Kafka topic", "Schema Registry subject" */
  kind: string;
  /** the runOwnedName prefixes this check creates, e.g. ['pv-topic', 'pv-perf'] */
  prefixes: readonly string[];
  list(): Promise<readonly string[]>;
  remove(name: string): Promise<unknown>;
}

export interface SweepRecord {
  removed: string[];
  failed: { name: string; error: string }[];
}

/** Where a sweep is recorded: the check's evidence (helpers/check: `evidence.swept`). */
export interface SweepRecorder {
  swept(kind: string, record: SweepRecord): void;
}

/** The names of `names` a sweep may remove now (pure: for the unit tests and for sweepRunOwned). */
export function expiredRunOwned(
  names: readonly string[],
  prefixes: readonly string[],
  o: { now?: number; ttlMs?: number; currentRunId?: string } = {},
): string[] {
  const now = o.now ?? Date.now();
  const ttl = o.ttlMs ?? runTtlMs();
  const current = (o.currentRunId ?? currentRunId()).toLowerCase();
  return names.filter((n) => {
    if (!prefixes.some((p) => n.startsWith(`${p}-`))) return false;
    const id = runIdOfName(n);
    if (!id || id.toLowerCase() === current) return false;
    const started = runStartedAt(id);
    return Number.isFinite(started) && started + ttl < now;
  });
}

/**
 * Lists, removes what expiredRunOwned selects, and records both on `recorder`. A name that cannot be
 * removed is recorded as failed (run.json clusters[].sweepError), never thrown: the check's own
 * verdict is about the platform, and the leftover is named for a person to remove.
 */
export async function sweepRunOwned(recorder: SweepRecorder, k: OwnedKind): Promise<SweepRecord> {
  const rec: SweepRecord = { removed: [], failed: [] };
  let names: readonly string[];
  try {
    names = await k.list();
  } catch (e) {
    rec.failed.push({ name: `(list of ${k.kind}s)`, error: errorText(e) });
    recorder.swept(k.kind, rec);
    return rec;
  }
  for (const name of expiredRunOwned(names, k.prefixes)) {
    try {
      await k.remove(name);
      rec.removed.push(name);
    } catch (e) {
      rec.failed.push({ name, error: errorText(e) });
    }
  }
  recorder.swept(k.kind, rec);
  return rec;
}
