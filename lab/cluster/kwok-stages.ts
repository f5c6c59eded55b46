/**
 * KWOK's stages for the lab: the upstream "fast" stages of the built KWOK version (lab/build), with one
 * change. Upstream's pod-delete removes a pod the moment it gets a deletionTimestamp; a kubelet first
 * stops its containers. With no such window an evicted StatefulSet pod was back Ready, and counted by
 * the PodDisruptionBudget again, before the next API request could see it away (DB-DRAGONFLY-008).
 * The lab's pods take POD_STOP_MS to stop, as a process exiting on SIGTERM would.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';

export const POD_STOP_MS = 1000;

/** Writes the lab's stages file next to the lab's other generated config and returns its path. */
export function writeKwokStages(upstreamFile: string, outDir: string): string {
  const docs = parseAllDocuments(fs.readFileSync(upstreamFile, 'utf8')).map((d) => d.toJSON() as Stage);
  const del = docs.find((d) => d?.kind === 'Stage' && d.metadata?.name === 'pod-delete');
  if (!del?.spec)
    throw new Error(
      `${upstreamFile}: no Stage "pod-delete" (expected KWOK's default pod stages; rebuild: pnpm lab build)`,
    );
  del.spec.delay = { durationMilliseconds: POD_STOP_MS };
  fs.mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, 'kwok-stages.yaml');
  // written whole, then renamed over: both clusters' start-ups write this file while the other's
  // KWOK may be reading it (a truncated read is "no stages found" and KWOK exits)
  const tmp = `${out}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(
    tmp,
    docs
      .filter(Boolean)
      .map((d) => `---\n${stringify(d)}`)
      .join(''),
  );
  fs.renameSync(tmp, out);
  return out;
}

interface Stage {
  kind?: string;
  metadata?: { name?: string };
  spec?: Record<string, unknown>;
}
