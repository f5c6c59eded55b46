/**
 * Zero-disruption baseline (TECH-001 test of the Cilium risk profile): pod UIDs and restart counts
 * recorded once, compared on every later run.
 *
 * Where it lives: `docs/qa/baselines/<cluster>-<name>.json` in the repo (override the directory with
 * `PV_BASELINE_DIR`). It is written when it does not exist yet (first run: the check passes and says
 * so in its evidence) or when `PV_BASELINE=write` is set (re-baseline after an intended change, e.g.
 * a planned Cilium upgrade). Otherwise the check compares and fails on any recreated pod (UID
 * changed or pod gone), any new pod, or any restart-count change, with the diff as evidence.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setting } from '../config/settings.js';

export interface PodSnapshot {
  name: string;
  uid: string;
  node: string;
  startTime: string;
  restarts: Record<string, number>;
}

export interface Baseline {
  cluster: string;
  selector: string;
  namespace: string;
  recordedAt: string;
  pods: PodSnapshot[];
}

export interface BaselineDiff {
  recreated: { name: string; baselineUid: string; currentUid: string }[];
  missing: string[];
  added: string[];
  restarted: { name: string; container: string; baseline: number; current: number }[];
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function baselinePath(cluster: string, name: string): string {
  const custom = setting('PV_BASELINE_DIR');
  const dir = custom ? path.resolve(custom) : path.join(REPO_ROOT, 'docs', 'qa', 'baselines');
  return path.join(dir, `${cluster}-${name}.json`);
}

/** A stored baseline (any recorded state: pods, IPAM allocations), undefined when there is none. */
export async function readBaseline(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new Error(
      `baseline ${file} is not valid JSON (${(e as Error).message}); delete it or run with PV_BASELINE=write`,
      { cause: e },
    );
  }
}

export async function writeBaseline(file: string, b: object): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(b, null, 2) + '\n');
}

/**
 * Pods are matched by name (DaemonSet pod names are stable only while the pod lives; a new name
 * means the pod was recreated, which shows up as missing + added).
 */
export function compareBaseline(
  baseline: readonly PodSnapshot[],
  current: readonly PodSnapshot[],
): BaselineDiff {
  const cur = new Map(current.map((p) => [p.name, p]));
  const base = new Map(baseline.map((p) => [p.name, p]));
  const diff: BaselineDiff = { recreated: [], missing: [], added: [], restarted: [] };
  for (const b of baseline) {
    const c = cur.get(b.name);
    if (!c) {
      diff.missing.push(b.name);
      continue;
    }
    if (c.uid !== b.uid) diff.recreated.push({ name: b.name, baselineUid: b.uid, currentUid: c.uid });
    for (const [container, n] of Object.entries(c.restarts)) {
      const was = b.restarts[container] ?? 0;
      if (n !== was) diff.restarted.push({ name: b.name, container, baseline: was, current: n });
    }
  }
  for (const c of current) if (!base.has(c.name)) diff.added.push(c.name);
  return diff;
}

export function isClean(d: BaselineDiff): boolean {
  return !d.recreated.length && !d.missing.length && !d.added.length && !d.restarted.length;
}

export function describeDiff(d: BaselineDiff): string {
  const parts: string[] = [];
  for (const r of d.recreated) parts.push(`${r.name} recreated (uid ${r.baselineUid} -> ${r.currentUid})`);
  for (const m of d.missing) parts.push(`${m} gone`);
  for (const a of d.added) parts.push(`${a} new`);
  for (const r of d.restarted) parts.push(`${r.name}/${r.container} restarts ${r.baseline} -> ${r.current}`);
  return parts.join('; ');
}
