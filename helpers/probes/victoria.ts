// The queries of the observability checks (suites/observability/victoria.test.ts), each through a
// tunnel to the global query Service on infra: a Prometheus instant query on vmselect, and recent
// LogsQL lines on vlselect.
import type { Facts } from '../config/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { withTunnel } from '../reads/tunnel.js';
import { GVR, isNotFound, listCustom, type KObject } from '../reads/k8s.js';

type Observability = Facts['observability'];

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** The result of a Prometheus instant query; throws with the status and error unless `success`. */
export async function promQuery(k: ClusterHandle, o: Observability, query: string): Promise<PromSample[]> {
  return withTunnel(
    k,
    { kind: 'Service', namespace: o.namespace, name: o.metrics.service, port: o.metrics.port },
    async (t) => {
      const url = `http://${t.host}:${t.port}${o.metrics.path}/api/v1/query?query=${encodeURIComponent(query)}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
      const body = (await res.json()) as {
        status?: string;
        data?: { result?: PromSample[] };
        error?: string;
      };
      if (!res.ok || body.status !== 'success')
        throw new Error(`query ${query}: HTTP ${res.status} ${body.error ?? body.status}`);
      return body.data?.result ?? [];
    },
  );
}

/**
 * Up to 5 log lines of `cluster` from the last facts.observability.logs.freshMinutes: without a
 * _time filter, lines retained from before shipping stopped would pass. `cluster` is matched as a
 * log field (exact), whether or not it is a stream field. Throws on an HTTP error.
 */
export async function recentLogLines(k: ClusterHandle, o: Observability, cluster: string): Promise<string[]> {
  return withTunnel(
    k,
    { kind: 'Service', namespace: o.namespace, name: o.logs.service, port: o.logs.port },
    async (t) => {
      // the exact field filter `cluster:="x"`, not the stream filter `{cluster="x"}`: a stream
      // filter matches only when the shipper made `cluster` one of its _stream_fields
      const query = `_time:${o.logs.freshMinutes}m cluster:=${JSON.stringify(cluster)}`;
      const url = `http://${t.host}:${t.port}${o.logs.path}?query=${encodeURIComponent(query)}&limit=5`;
      const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
      const text = await res.text();
      if (!res.ok)
        throw new Error(`LogsQL query for cluster ${cluster}: HTTP ${res.status} ${text.slice(0, 200)}`);
      return text.split('\n').filter((l) => l.trim());
    },
  );
}

/** The names whose count is 0. */
export function withoutData(counts: Record<string, number>): string[] {
  return Object.entries(counts)
    .filter(([, n]) => n === 0)
    .map(([c]) => c);
}

/** An alert as its ALERTS series names it: `TargetDown{job="dragonfly", pod="dragonfly-2"}`. */
const alertName = (m: Record<string, string>) => {
  const keep = ['cluster', 'namespace', 'job', 'pod', 'instance', 'service', 'severity'];
  const labels = keep.filter((k) => m[k]).map((k) => `${k}="${m[k]}"`);
  return `${m.alertname ?? '(no alertname)'}{${labels.join(', ')}}`;
};

/**
 * AC11.16 over the firing ALERTS series: the watchdog must be among them (else nothing shows that
 * rules are evaluated and their alerts written, and an empty answer would pass), and no other alert
 * may fire than the expected ones.
 */
export function alertProblems(firing: readonly PromSample[], alerts: Observability['alerts']): string[] {
  const problems = firing
    .filter((s) => !alerts.expected.includes(s.metric.alertname ?? ''))
    .map((s) => `firing: ${alertName(s.metric)}`);
  if (!firing.some((s) => s.metric.alertname === alerts.watchdog))
    problems.unshift(
      `${alerts.watchdog} not firing: no sign that alerting rules are evaluated and ALERTS written back (vmalert -remoteWrite.url)`,
    );
  return problems;
}

/**
 * AC5.3 over `up`: every target answers its scrape (up 1), and each job the facts name has targets.
 * A target down is named by its job and labels.
 */
export function scrapeProblems(up: readonly PromSample[], jobs: readonly string[]): string[] {
  const problems = up
    .filter((s) => s.value[1] !== '1')
    .map((s) => `target down: ${alertName({ ...s.metric, alertname: 'up' })} = ${s.value[1]}`);
  const seen = new Set(up.map((s) => s.metric.job));
  for (const j of jobs) if (!seen.has(j)) problems.push(`job ${j}: no target scraped`);
  if (up.length === 0) problems.push('no up series at all: nothing is scraped');
  return problems;
}

/** One rule a PrometheusRule or VMRule declares. */
export interface DeclaredRule {
  /** `PrometheusRule rook-ceph/ceph-alerts` */
  object: string;
  group: string;
  /** `alert` or `record`: vmalert labels its series `alertname` or `recording` */
  type: 'alert' | 'record';
  name: string;
}

/** Every rule of the given PrometheusRule / VMRule objects (spec.groups[].rules[]). */
export function declaredRules(
  objects: readonly { kind?: string; metadata?: { namespace?: string; name?: string }; spec?: unknown }[],
): DeclaredRule[] {
  return objects.flatMap((o) => {
    const object = `${o.kind ?? 'rule object'} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    const groups = ((o.spec as { groups?: unknown[] } | undefined)?.groups ?? []) as {
      name?: string;
      rules?: { alert?: string; record?: string }[];
    }[];
    return groups.flatMap((g) =>
      (g.rules ?? []).flatMap((r): DeclaredRule[] =>
        r.alert
          ? [{ object, group: g.name ?? '', type: 'alert', name: r.alert }]
          : r.record
            ? [{ object, group: g.name ?? '', type: 'record', name: r.record }]
            : [],
      ),
    );
  });
}

/**
 * AC5.4 "PrometheusRules loaded": each declared rule must be evaluated by vmalert (its
 * vmalert_*_rules_last_evaluation_samples series, by group and rule name) and without evaluation
 * errors (its vmalert_*_rules_errors_total rising). A rule missing is named with its object.
 */
export function rulesNotLoaded(
  declared: readonly DeclaredRule[],
  evaluated: readonly PromSample[],
  erroring: readonly PromSample[],
): string[] {
  const key = (type: string, group: string, name: string) => `${type}\0${group}\0${name}`;
  const ofSample = (s: PromSample) =>
    s.metric.alertname !== undefined
      ? key('alert', s.metric.group ?? '', s.metric.alertname)
      : key('record', s.metric.group ?? '', s.metric.recording ?? '');
  const seen = new Set(evaluated.map(ofSample));
  const failing = new Map(erroring.map((s) => [ofSample(s), s.value[1]]));
  const problems: string[] = [];
  for (const r of declared) {
    const k = key(r.type, r.group, r.name);
    const what = `${r.object}: group ${r.group}, ${r.type === 'alert' ? 'alert' : 'recording rule'} ${r.name}`;
    if (!seen.has(k)) problems.push(`${what}: not loaded by vmalert (no evaluation recorded)`);
    else if (failing.has(k)) problems.push(`${what}: evaluation errors (${failing.get(k)} in the window)`);
  }
  return problems;
}

/** Every PrometheusRule and VMRule of the cluster (a kind whose CRD is not served counts as none). */
export async function ruleObjects(k: ClusterHandle): Promise<KObject[]> {
  const lists = await Promise.all(
    [GVR.prometheusRule, GVR.vmRule].map((gvr) =>
      listCustom(k, gvr).catch((e: unknown) => {
        if (isNotFound(e)) return [];
        throw e;
      }),
    ),
  );
  return lists.flat();
}
