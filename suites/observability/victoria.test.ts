/**
 * Observability (STORY-VALIDATE-NETWORKING AC5; Dragonfly risk MON-001).
 *
 * Queries the global VictoriaMetrics (Prometheus API on vmselect) and VictoriaLogs (LogsQL on
 * vlselect) on infra through tunnels: `up{cluster="<name>"}` and `{cluster="<name>"}` must return
 * data for every cluster in facts.observability.clusters (apps data arrives through its vmagent and
 * fluent-bit), and `dragonfly_*` series must exist. Read-only.
 *
 * Lab: the VictoriaMetrics/VictoriaLogs operators and stores are simulated; the query endpoints
 * must be served by the lab behind the vmselect/vlselect pods (a VictoriaMetrics-compatible API).
 */
import { expect } from 'vitest';
import { check } from '../../helpers/check/index.js';

import { withTunnel } from '../../helpers/checks/tunnel.js';
import type { Facts } from '../../helpers/config/facts.js';
import type { ClusterHandle } from '../../helpers/checks/k8s.js';

const STORY = 'STORY-VALIDATE-NETWORKING';

async function promQuery(cluster: ClusterHandle, facts: Facts, query: string) {
  const o = facts.observability;
  return withTunnel(
    cluster,
    { kind: 'Service', namespace: o.namespace, name: o.metrics.service, port: o.metrics.port },
    async (t) => {
      const url = `http://${t.host}:${t.port}${o.metrics.path}/api/v1/query?query=${encodeURIComponent(query)}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
      const body = (await res.json()) as {
        status?: string;
        data?: { result?: { metric: Record<string, string>; value: [number, string] }[] };
        error?: string;
      };
      if (!res.ok || body.status !== 'success')
        throw new Error(`query ${query}: HTTP ${res.status} ${body.error ?? body.status}`);
      return body.data?.result ?? [];
    },
  );
}

check(
  {
    id: 'OBS-VM-001',
    title: 'VictoriaMetrics returns up{cluster=…} series for every cluster',
    priority: 'P1',
    component: 'victoriametrics',
    clusters: ['infra'],
    story: STORY,
    ac: ['AC5'],
    risks: ['OPS-002'],
    suggestedAction:
      'curl vmselect:8481/select/0/prometheus/api/v1/query?query=up; check vmagent remote write from apps',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence, skip }) => {
    if (!facts.observability.enabled) skip('facts.observability.enabled is false on this cluster');
    const out: Record<string, number> = {};
    for (const name of facts.observability.clusters) {
      const result = await promQuery(cluster, facts, `up{cluster="${name}"}`);
      evidence.json(`up-${name}`, result);
      out[name] = result.length;
    }
    const empty = Object.entries(out)
      .filter(([, n]) => n === 0)
      .map(([c]) => c);
    expect(empty, `clusters without up{cluster=…} series: ${empty.join(', ')}`).toEqual([]);
  },
);

check(
  {
    id: 'OBS-VM-002',
    title: 'dragonfly_* metrics are present in VictoriaMetrics',
    priority: 'P1',
    component: 'victoriametrics',
    clusters: ['infra'],
    story: 'STORY-DB-DRAGONFLY-OPERATOR-CLUSTER',
    ac: ['AC5'],
    risks: ['MON-001'],
    suggestedAction:
      'check the Dragonfly ServiceMonitor selects the pods and its labels; query {__name__=~"dragonfly_.*"}',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence, skip }) => {
    if (!facts.observability.enabled) skip('facts.observability.enabled is false on this cluster');
    const result = await promQuery(cluster, facts, 'count by (__name__) ({__name__=~"dragonfly_.*"})');
    evidence.json('dragonfly-series', result);
    expect(
      result.map((r) => r.metric.__name__),
      'dragonfly_* metric names',
    ).not.toEqual([]);
  },
);

check(
  {
    id: 'OBS-VL-001',
    title: 'VictoriaLogs returns log lines for every cluster',
    priority: 'P1',
    component: 'victorialogs',
    clusters: ['infra'],
    story: STORY,
    ac: ['AC5'],
    risks: ['OPS-002'],
    suggestedAction:
      'curl vlselect:9471/select/logsql/query?query={cluster="apps"}; check fluent-bit outputs',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence, skip }) => {
    const o = facts.observability;
    if (!o.enabled) skip('facts.observability.enabled is false on this cluster');
    const counts: Record<string, number> = {};
    for (const name of o.clusters) {
      const lines = await withTunnel(
        cluster,
        { kind: 'Service', namespace: o.namespace, name: o.logs.service, port: o.logs.port },
        async (t) => {
          // recent lines only: without a _time filter, lines retained from before shipping stopped pass
          const query = `_time:${o.logs.freshMinutes}m {cluster="${name}"}`;
          const url = `http://${t.host}:${t.port}${o.logs.path}?query=${encodeURIComponent(query)}&limit=5`;
          const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
          const text = await res.text();
          if (!res.ok)
            throw new Error(`LogsQL query for cluster ${name}: HTTP ${res.status} ${text.slice(0, 200)}`);
          return text.split('\n').filter((l) => l.trim());
        },
      );
      evidence.text(`logs-${name}.jsonl`, lines.join('\n') + '\n');
      counts[name] = lines.length;
    }
    const empty = Object.entries(counts)
      .filter(([, n]) => n === 0)
      .map(([c]) => c);
    expect(
      empty,
      `clusters without log lines in the last ${o.logs.freshMinutes} min: ${empty.join(', ')}`,
    ).toEqual([]);
  },
);
