/**
 * Observability (STORY-VALIDATE-NETWORKING AC5; Dragonfly risk MON-001).
 *
 * Queries the global VictoriaMetrics (Prometheus API on vmselect) and VictoriaLogs (LogsQL on
 * vlselect) on infra through tunnels: `up{cluster="<name>"}` and `cluster:="<name>"` must return
 * data for every cluster in facts.observability.clusters (apps data arrives through its vmagent and
 * fluent-bit), and `dragonfly_*` series must exist. Read-only.
 *
 * The operator's CRs (VMCluster, VMAgent, VMAuth, VLCluster) must report updateStatus operational.
 *
 * Lab: the VictoriaMetrics/VictoriaLogs operators and stores are simulated (their CR status is what
 * the operator writes); the query endpoints
 * must be served by the lab behind the vmselect/vlselect pods (a VictoriaMetrics-compatible API).
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import type { Facts } from '../../helpers/config/index.js';
import { GVR, type Gvr } from '../../helpers/reads/k8s.js';
import { everyHealthy } from '../../helpers/probes/kubernetes.js';
import {
  alertProblems,
  declaredRules,
  promQuery,
  recentLogLines,
  ruleObjects,
  rulesNotLoaded,
  scrapeProblems,
  withoutData,
} from '../../helpers/probes/victoria.js';
import { pollWithin } from '../../helpers/probes/poll.js';
import { operationalProblem, operationalSummary } from '../../helpers/probes/victoria-operator.js';

const observability = suite({
  clusters: ['infra'],
  story: 'STORY-VALIDATE-NETWORKING',
  timeoutMs: 60_000,
  requires: { 'observability.enabled': 'the global query endpoints are not on this cluster' },
});

observability.check(
  {
    id: 'OBS-VM-001',
    title: 'VictoriaMetrics returns up{cluster=…} series for every cluster',
    priority: 'P1',
    component: 'victoriametrics',
    ac: ['AC5.6', 'AC5.10', 'P1-5'],
    suggestedAction:
      'curl vmselect:8481/select/0/prometheus/api/v1/query?query=up; check vmagent remote write from apps',
  },
  async ({ cluster, facts, evidence }) => {
    const series: Record<string, number> = {};
    for (const name of facts.observability.clusters) {
      const result = await promQuery(cluster, facts.observability, `up{cluster="${name}"}`);
      evidence.json(`up-${name}`, result);
      series[name] = result.length;
    }
    const empty = withoutData(series);
    expect(empty, `clusters without up{cluster=…} series: ${empty.join(', ')}`).toEqual([]);
  },
);

observability.check(
  {
    id: 'OBS-VM-002',
    title: 'dragonfly_* metrics are present in VictoriaMetrics',
    priority: 'P2',
    component: 'victoriametrics',
    ac: ['MON-001.series', 'NET:P1-5'],
    risks: ['MON-001'],
    story: 'STORY-DB-DRAGONFLY-OPERATOR-CLUSTER',
    suggestedAction:
      'check the Dragonfly ServiceMonitor selects the pods and its labels; query {__name__=~"dragonfly_.*"}',
  },
  async ({ cluster, facts, evidence }) => {
    const query = 'count by (__name__) ({__name__=~"dragonfly_.*"})';
    const result = await promQuery(cluster, facts.observability, query);
    evidence.json('dragonfly-series', result);
    expect(
      result.map((r) => r.metric.__name__),
      'dragonfly_* metric names',
    ).not.toEqual([]);
  },
);

observability.check(
  {
    id: 'OBS-VL-001',
    title: 'VictoriaLogs returns log lines for every cluster',
    priority: 'P1',
    component: 'victorialogs',
    ac: ['AC5.8', 'AC5.9', 'AC5.13', 'P1-5'],
    suggestedAction:
      'curl vlselect:9471/select/logsql/query --data-urlencode \'query=cluster:="apps"\'; check that fluent-bit sets the cluster field on every record',
  },
  async ({ cluster, facts, evidence }) => {
    const o = facts.observability;
    const lines: Record<string, number> = {};
    for (const name of o.clusters) {
      const recent = await recentLogLines(cluster, o, name);
      evidence.text(`logs-${name}.jsonl`, recent.join('\n') + '\n');
      lines[name] = recent.length;
    }
    const empty = withoutData(lines);
    expect(
      empty,
      `clusters without log lines in the last ${o.logs.freshMinutes} min: ${empty.join(', ')}`,
    ).toEqual([]);
  },
);

const byOperator = (kind: string, gvr: Gvr, pick: (f: Facts) => string) =>
  everyHealthy({
    kinds: (f) => [{ kind, gvr, namespace: f.observability.namespace }],
    required: (f) => [{ kind, namespace: f.observability.namespace, name: pick(f) }],
    problem: operationalProblem,
    summary: operationalSummary,
    attachAs: `${kind.toLowerCase()}s`,
  });

observability.check(
  {
    id: 'OBS-VM-003',
    title: 'the VMCluster (vminsert, vmselect, vmstorage) and the VMAgent are operational',
    priority: 'P1',
    component: 'victoriametrics',
    ac: ['AC5.1', 'P1-5'],
    suggestedAction:
      'kubectl -n observability get vmclusters,vmagents (STATUS); kubectl -n observability get pods -l app.kubernetes.io/instance=victoria-metrics; the operator log',
  },
  async (ctx) => {
    await byOperator('VMCluster', GVR.vmCluster, (f) => f.observability.operator.vmCluster)(ctx);
    await byOperator('VMAgent', GVR.vmAgent, (f) => f.observability.operator.vmAgent)(ctx);
  },
);

observability.check(
  {
    id: 'OBS-VM-004',
    title: 'the VMAuth reverse proxy is operational',
    priority: 'P1',
    component: 'victoriametrics',
    ac: ['AC5.2'],
    suggestedAction:
      'kubectl -n observability get vmauths (STATUS); kubectl -n observability describe vmauth <name>',
  },
  byOperator('VMAuth', GVR.vmAuth, (f) => f.observability.operator.vmAuth),
);

observability.check(
  {
    id: 'OBS-VL-002',
    title: 'the VictoriaLogs cluster (vlinsert, vlselect, vlstorage) is operational',
    priority: 'P1',
    component: 'victorialogs',
    ac: ['AC5.7', 'P1-5'],
    suggestedAction:
      'kubectl -n observability get vlclusters (STATUS); kubectl -n observability describe vlcluster <name>',
  },
  byOperator('VLCluster', GVR.vlCluster, (f) => f.observability.operator.vlCluster),
);

observability.check(
  {
    id: 'OBS-ALERT-001',
    title: 'no alert fires except the expected ones, and the Watchdog shows alerting works',
    priority: 'P2',
    component: 'victoriametrics',
    ac: ['AC11.16'],
    suggestedAction:
      'query ALERTS{alertstate="firing"} on vmselect; vmalert /api/v1/alerts; the alert names its job, namespace and pod',
  },
  async ({ cluster, facts, evidence }) => {
    const o = facts.observability;
    await pollWithin(
      async () => {
        // written every evaluation while active: a resolved alert leaves the window
        const q = `last_over_time(ALERTS{alertstate="firing"}[${o.alerts.windowS}s])`;
        const firing = await promQuery(cluster, o, q);
        evidence.json('alerts-firing', firing);
        return alertProblems(firing, o.alerts);
      },
      `alerts firing (ALERTS{alertstate="firing"}, last ${o.alerts.windowS} s)`,
      30_000,
    ).toEqual([]);
  },
);

observability.check(
  {
    id: 'OBS-VM-005',
    title: 'every scrape target is up, and each expected job has targets',
    priority: 'P1',
    component: 'victoriametrics',
    ac: ['AC5.3'],
    suggestedAction:
      'vmagent /targets (or VictoriaMetrics /targets): the lastError of the target named; the ServiceMonitor/VMServiceScrape selecting it',
  },
  async ({ cluster, facts, evidence }) => {
    const o = facts.observability;
    await pollWithin(
      async () => {
        const up = await promQuery(cluster, o, 'up');
        evidence.json('up', up);
        return scrapeProblems(up, o.scrapeJobs);
      },
      'scrape targets (up)',
      45_000,
    ).toEqual([]);
  },
);

observability.check(
  {
    id: 'OBS-VM-006',
    title: 'every rule of every PrometheusRule and VMRule is loaded and evaluated by vmalert, without errors',
    priority: 'P1',
    component: 'victoriametrics',
    ac: ['AC5.4'],
    suggestedAction:
      "vmalert /api/v1/rules; the VMAlert's ruleSelector/ruleNamespaceSelector and the operator's converted VMRule of the object named",
  },
  async ({ cluster, facts, evidence }) => {
    const declared = declaredRules(await ruleObjects(cluster));
    evidence.json('declared-rules', declared);
    expect(declared.length, 'rules declared by PrometheusRule/VMRule objects').toBeGreaterThan(0);
    await pollWithin(
      async () => {
        const window = `${facts.observability.alerts.windowS}s`;
        const evaluated = await promQuery(
          cluster,
          facts.observability,
          `last_over_time({__name__=~"vmalert_(alerting|recording)_rules_last_evaluation_samples"}[${window}])`,
        );
        const erroring = await promQuery(
          cluster,
          facts.observability,
          `increase({__name__=~"vmalert_(alerting|recording)_rules_errors_total"}[${window}]) > 0`,
        );
        evidence.json('vmalert-rules', { evaluated, erroring });
        return rulesNotLoaded(declared, evaluated, erroring);
      },
      'declared rules evaluated by vmalert',
      45_000,
    ).toEqual([]);
  },
);
