// API requests of a run, counted at the lab API servers from their audit logs (lab/cluster/audit.ts).
// Every request the framework makes carries `platform-validation/<v> (run <id>; check <ID>)` or
// `(run <id>; phase <name>)` as its User-Agent (helpers/cluster/user-agent.ts), so the run's own
// requests are selected exactly, whatever else the lab (controllers, KWOK, sim operators, other
// people's runs) does meanwhile, and attributed per check and per framework phase.
//
// PV_BENCH_API_GREP narrows the run (default: the whole catalogue); PV_BENCH_API_RUN=<run id>
// analyses an earlier run instead of starting one (its events must still be in the rotated logs).
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { newRunId, RUN_ID_RE } from '../helpers/run/ids.js';
import { parseUserAgent } from '../helpers/cluster/user-agent.js';
import { auditLogDir } from '../lab/cluster/audit.js';
import { labPaths } from '../lab/core/paths.js';
import { LAB_CLUSTERS, TOPOLOGY } from '../lab/core/topology.js';
import { measurePvTest } from './proc.js';
import type { Benchmark, BenchResult, BenchRow } from './registry.js';

/** The fields of an audit.k8s.io/v1 Event this benchmark reads. */
export interface AuditEvent {
  auditID: string;
  stage: string;
  verb: string;
  requestURI: string;
  userAgent?: string;
  objectRef?: {
    resource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
    subresource?: string;
  };
  responseStatus?: { code?: number };
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
}

export interface ApiRequest {
  verb: string;
  /** the request's path and query, as the API server logged it */
  uri: string;
  /** `[group/]resource[/subresource]` */
  resource: string;
  namespace?: string;
  name?: string;
  /** a label or field selector narrowed the collection */
  selector: boolean;
  code?: number;
  /** the check the request was made for, if any */
  check?: string;
  /** the framework's own work: identity, sweep, namespace (the run namespace, on a check's first use), teardown, cleanup, untagged */
  framework?: string;
  /** when the API server received it and finished it (a stream: when it closed), epoch ms */
  receivedMs?: number;
  doneMs?: number;
}

/** Requests of `runId` among audit lines: one per auditID (long-running ones log two stages). */
export function runRequests(lines: Iterable<string>, runId: string): ApiRequest[] {
  const byId = new Map<string, ApiRequest>();
  for (const line of lines) {
    if (!line.includes(runId)) continue; // cheap filter: most lines are someone else's
    let ev: AuditEvent;
    try {
      ev = JSON.parse(line) as AuditEvent;
    } catch {
      continue; // a line cut by rotation or a concurrent write
    }
    const ua = parseUserAgent(ev.userAgent);
    if (ua?.runId !== runId || !ev.auditID) continue;
    const prev = byId.get(ev.auditID);
    if (prev && ev.stage !== 'ResponseComplete' && ev.stage !== 'Panic') continue;
    byId.set(ev.auditID, toRequest(ev, ua.check, ua.phase));
  }
  return [...byId.values()];
}

function toRequest(ev: AuditEvent, check?: string, phase?: string): ApiRequest {
  const o = ev.objectRef ?? {};
  const query = new URLSearchParams(ev.requestURI.split('?')[1] ?? '');
  const resource =
    `${o.apiGroup ? `${o.apiGroup}/` : ''}${o.resource ?? ev.requestURI.split('?')[0]}` +
    (o.subresource ? `/${o.subresource}` : '');
  const r: ApiRequest = {
    verb: ev.verb,
    uri: ev.requestURI,
    resource,
    namespace: o.namespace,
    name: o.name,
    selector: !!(query.get('labelSelector') || query.get('fieldSelector')),
    code: ev.responseStatus?.code,
    receivedMs: ev.requestReceivedTimestamp ? Date.parse(ev.requestReceivedTimestamp) : undefined,
    doneMs: ev.stageTimestamp ? Date.parse(ev.stageTimestamp) : undefined,
  };
  // the run namespace is created (and looked up) by the framework on a check's first use of it
  if (check && o.resource === 'namespaces' && !o.subresource && o.name?.startsWith('pv-run-')) {
    r.framework = 'namespace';
  } else if (check) r.check = check;
  else r.framework = phase ?? 'untagged';
  return r;
}

/** A read of a whole collection (cluster-wide or a namespace) with neither label nor field selector. */
export function isUnselectiveCollectionRead(r: ApiRequest): boolean {
  return (r.verb === 'list' || r.verb === 'watch') && !r.selector;
}

const countBy = <T>(items: T[], key: (t: T) => string) => {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
};
const fmt = (counts: [string, number][]) => counts.map(([k, n]) => (n > 1 ? `${k} x${n}` : k)).join(', ');
const scope = (r: ApiRequest) => (r.namespace ? `in ${r.namespace}` : 'cluster-wide');

export interface ClusterSummary {
  context: string;
  total: number;
  checks: number;
  framework: number;
  notes: string[];
  unselective: string[];
}

/** Totals, per-check and per-phase breakdowns (verb + resource), and the unselective collection reads. */
export function summarize(context: string, reqs: ApiRequest[]): ClusterSummary {
  const checks = reqs.filter((r) => r.check);
  const fw = reqs.filter((r) => r.framework);
  const perCheck = countBy(checks, (r) => r.check!);
  const notes = [
    `${context}: ${reqs.length} requests; checks ${checks.length} (${perCheck.length} checks), framework ${fw.length} (${fmt(countBy(fw, (r) => r.framework!))})`,
    ...countBy(fw, (r) => r.framework!).map(
      ([phase, n]) =>
        `    framework ${phase.padEnd(10)} ${String(n).padStart(4)}  ${fmt(
          countBy(
            fw.filter((r) => r.framework === phase),
            (r) => `${r.verb} ${r.resource}`,
          ),
        )}`,
    ),
    ...perCheck.map(
      ([id, n]) =>
        `    ${id.padEnd(20)} ${String(n).padStart(4)}  ${fmt(
          countBy(
            checks.filter((r) => r.check === id),
            (r) => `${r.verb} ${r.resource}`,
          ),
        )}`,
    ),
  ];
  const unselective = countBy(
    checks.filter(isUnselectiveCollectionRead),
    (r) => `${r.check} ${context}: ${r.verb} ${r.resource} ${scope(r)}`,
  ).map(([k, n]) => (n > 1 ? `${k} x${n}` : k));
  return {
    context,
    total: reqs.length,
    checks: perCheck.length,
    framework: fw.length,
    notes,
    unselective,
  };
}

export function assertAuditLog(dir: string): void {
  if (!fs.existsSync(path.join(dir, 'audit.log'))) {
    throw new Error(
      `no audit log ${path.join(dir, 'audit.log')}: the lab's API servers were started before audit logging existed (lab/cluster/audit.ts); restart the lab (pnpm lab down && pnpm lab up)`,
    );
  }
}

/** Lines of every audit file of a cluster (current and rotated), oldest first. */
async function* auditLines(dir: string): AsyncGenerator<string> {
  assertAuditLog(dir);
  const files = fs
    .readdirSync(dir)
    .filter((f) => /^audit.*\.log$/.test(f))
    .sort((a, b) => (a === 'audit.log' ? 1 : b === 'audit.log' ? -1 : a.localeCompare(b)));
  for (const f of files) {
    const rl = readline.createInterface({
      input: fs.createReadStream(path.join(dir, f)),
      crlfDelay: Infinity,
    });
    for await (const line of rl) yield line;
  }
}

export async function readRunRequests(dir: string, runId: string): Promise<ApiRequest[]> {
  const lines: string[] = [];
  for await (const l of auditLines(dir)) if (l.includes(runId)) lines.push(l);
  return runRequests(lines, runId);
}

export const apiRequestsBenchmark: Benchmark = {
  name: 'api-requests',
  description:
    "API requests of a full run, counted in the lab API servers' audit logs by the run's User-Agent, per check",
  async run(root): Promise<BenchResult> {
    const grep = process.env.PV_BENCH_API_GREP;
    const given = process.env.PV_BENCH_API_RUN;
    if (given !== undefined && !RUN_ID_RE.test(given)) {
      throw new Error(`PV_BENCH_API_RUN="${given}": expected a run id like 20261123T090000Z-0a1b2c`);
    }
    const paths = labPaths(root);
    const notes: string[] = [];
    let runId = given;
    if (!runId) {
      runId = newRunId();
      for (const c of LAB_CLUSTERS) assertAuditLog(auditLogDir(paths, c)); // before a long run, not after
      const m = await measurePvTest(root, ['--env', 'lab', ...(grep ? ['--grep', grep] : [])], {
        PV_RUN_ID: runId,
      });
      notes.push(
        `run ${runId}: pnpm test --env lab${grep ? ` --grep "${grep}"` : ''} (exit ${m.code}), ${(m.wallMs / 1000).toFixed(0)} s`,
      );
    } else notes.push(`run ${runId} (earlier run, PV_BENCH_API_RUN)`);
    notes.push(`audit logs: ${path.relative(root, path.join(paths.logs, 'audit'))}/<cluster>/audit*.log`);

    const rows: BenchRow[] = [];
    const unselective: string[] = [];
    for (const c of LAB_CLUSTERS) {
      const s = summarize(TOPOLOGY[c].context, await readRunRequests(auditLogDir(paths, c), runId));
      notes.push(...s.notes);
      unselective.push(...s.unselective);
      rows.push({ metric: `${s.context} requests / checks`, ours: s.total, baseline: Math.max(1, s.checks) });
      rows.push({
        metric: `${s.context} framework / all requests`,
        ours: s.framework,
        baseline: Math.max(1, s.total),
      });
    }
    notes.push(
      unselective.length
        ? `list/watch of a whole collection without a label or field selector, by check (a fix if the check reads one object):`
        : 'no check listed or watched a collection without a label or field selector',
      ...unselective.map((u) => `    ${u}`),
    );
    return { notes, rows };
  },
};
