// A run as Prometheus metrics (prom-client's text format), pushed where the platform's metrics
// live: a Pushgateway (`.../metrics/job/<job>`) or VictoriaMetrics' `/api/v1/import/prometheus`.
// Per check x cluster: status (a state set: passed/failed/skipped, 1 for the one it has),
// duration, attempts, measured value and target, last pass; per run: the gate decision.
// Label values are ids and names, never messages (no secret can reach them).
import { Gauge, Registry } from 'prom-client';
import { request } from 'undici';
import { requestTimeout } from '../../helpers/config/runtime.js';
import { redact } from '../../helpers/evidence/redact.js';
import type { Evaluation } from './evaluate.js';
import type { Trend } from './history.js';
import { checkKey, type Outcome } from './model.js';
import type { LoadedRun } from './run.js';

const STATUSES: readonly Outcome[] = ['passed', 'failed', 'skipped'];
const DECISIONS = ['PASS', 'CONCERNS', 'FAIL', 'WAIVED'] as const;

function seconds(iso: string | undefined): number | undefined {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isFinite(t) ? t / 1000 : undefined;
}

/** The registry of one gated run (`evaluation` is the platform scope: every check of the run). */
export function runMetrics(run: LoadedRun, evaluation: Evaluation, trend?: Trend): Registry {
  const reg = new Registry();
  const env = String(run.runs[0]?.runJson?.env ?? '');
  const labels = ['check', 'cluster', 'priority', 'component', 'env'] as const;
  const status = new Gauge({
    name: 'pv_check_status',
    help: 'Outcome of the check on the cluster in the last run: 1 for its status, 0 for the others',
    labelNames: [...labels, 'status'],
    registers: [reg],
  });
  const g = (name: string, help: string, extra: string[] = []) =>
    new Gauge({ name, help, labelNames: [...labels, ...extra], registers: [reg] });
  const duration = g('pv_check_duration_seconds', 'Duration of the check in the last run');
  const attempts = g('pv_check_attempts', 'Attempts the check took in the last run (1 = no retry)');
  const value = g('pv_check_measured_value', 'Value the check measured against its target', ['metric']);
  const target = g('pv_check_target_value', 'Target the measured value is held against', ['metric']);
  const lastPass = g(
    'pv_check_last_pass_timestamp_seconds',
    'Start time of the newest run the check passed in',
  );
  const runStart = seconds(run.runs[0]?.runJson?.startedAt);
  const trendByKey = new Map((trend?.checks ?? []).map((t) => [t.key, t]));

  for (const c of evaluation.checks) {
    const l = { check: c.id, cluster: c.cluster, priority: c.priority, component: c.component ?? '', env };
    for (const s of STATUSES) status.set({ ...l, status: s }, c.outcome === s ? 1 : 0);
    duration.set(l, c.durationMs / 1000);
    attempts.set(l, c.attempts);
    for (const b of c.baselines) {
      if (b.value !== undefined) value.set({ ...l, metric: b.metric }, b.value);
      if (b.target !== undefined) target.set({ ...l, metric: b.metric }, b.target);
    }
    let passedAt = c.outcome === 'passed' ? runStart : undefined;
    const t = trendByKey.get(checkKey(c));
    if (passedAt === undefined && t && trend) {
      for (let i = t.outcomes.length - 1; i >= 0 && passedAt === undefined; i--)
        if (t.outcomes[i] === 'passed') passedAt = seconds(trend.runs[i]?.startedAt);
    }
    if (passedAt !== undefined) lastPass.set(l, passedAt);
  }

  const decision = new Gauge({
    name: 'pv_gate_decision',
    help: 'QA gate decision of the last run: 1 for its decision, 0 for the others',
    labelNames: ['env', 'decision'],
    registers: [reg],
  });
  for (const d of DECISIONS) decision.set({ env, decision: d }, evaluation.decision.gate === d ? 1 : 0);
  const info = new Gauge({
    name: 'pv_run_info',
    help: 'The last gated run (value: its start time, seconds since the epoch)',
    labelNames: ['env', 'run_id'],
    registers: [reg],
  });
  info.set({ env, run_id: run.runs[0]?.runId ?? '' }, runStart ?? Date.now() / 1000);
  return reg;
}

/** Where a push went, without userinfo or query (either may carry a credential). */
function endpointOf(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** POST the registry's text format to url; throws naming the endpoint and the (redacted) answer. */
export async function pushMetrics(url: string, reg: Registry, timeoutMs = requestTimeout()): Promise<number> {
  const shown = endpointOf(url);
  const body = await reg.metrics();
  let res;
  try {
    res = await request(url, {
      method: 'POST',
      body,
      headers: { 'content-type': reg.contentType },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (e) {
    throw new Error(`metrics push to ${shown}: ${redact((e as Error).message)}`, { cause: e });
  }
  const text = await res.body.text();
  if (res.statusCode >= 300)
    throw new Error(`metrics push to ${shown}: HTTP ${res.statusCode} ${redact(text.slice(0, 200))}`);
  return body.split('\n').filter((l) => l && !l.startsWith('#')).length;
}
