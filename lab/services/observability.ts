/**
 * The metrics and logs backend of infra's observability stack: real VictoriaMetrics
 * (single-node) and VictoriaLogs, built from the Go module proxy, on loopback, behind the pods of
 * `observability/vmselect-victoria-metrics` (:8481) and `vlselect-victoria-logs` (:9471).
 *
 * - VictoriaMetrics runs with `-http.pathPrefix=/select/0`, so vmselect's cluster URL
 *   `/select/0/prometheus/api/v1/query` is answered by the single node itself (it strips the
 *   prefix, then `/prometheus`, as documented for cluster-URL compatibility).
 * - It scrapes for real (its own `-promscrape.config`, loopback targets only), each target with a
 *   `cluster` label: both lab kube-apiservers' /metrics (admin client certificate of the lab PKI),
 *   itself and VictoriaLogs (infra), and the telemetry agent's `dragonfly_*` per Dragonfly pod
 *   (apps). `up{cluster="infra"|"apps"}` is therefore VictoriaMetrics' own scrape health.
 * - The telemetry agent (telemetry/agent.ts) also ships the lab processes' log lines to
 *   VictoriaLogs with stream fields cluster, namespace, pod, container.
 * - Real vmalert (same module) evaluates the lab's rules (alertRules: Watchdog, always firing, and
 *   TargetDown over `up == 0`) against VictoriaMetrics every 5 s and remote-writes the ALERTS
 *   series back into it, as the platform's VMAlert does; no Alertmanager (-notifier.blackhole).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML, { parseAllDocuments } from 'yaml';
import { requireBuilt, serviceArtifacts } from '../build/services/artifacts.js';
import { processName } from '../cluster/controlplane.js';
import { TOPOLOGY, type LabClusterName } from '../core/topology.js';
import { fixtureFiles } from '../sim/fixtures.js';
import { serviceCatalogue } from './catalogue.js';
import { credentialsFile } from './credentials.js';
import { servicePorts } from './ports.js';
import { probeHttp } from './probes.js';
import { REDIS_PODS } from './redis.js';
import { procName, serviceDir, type ServicesContext } from './runtime.js';
import type { AgentConfig, LogSource } from './telemetry/agent.js';

const AGENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'telemetry', 'agent.ts');

export const OBSERVABILITY = {
  namespace: 'observability',
  /** vmselect's container port (Services vmselect-victoria-metrics, vmselect) */
  vmselectPort: 8481,
  /** vlselect's container port (Services vlselect-victoria-logs, victorialogs) */
  vlselectPort: 9471,
  metricsPrefix: '/select/0',
} as const;

/** names for startService/stopService and the pid records */
export const OBS_SERVICES = ['victoria-metrics', 'victoria-logs', 'vmalert', 'telemetry-agent'] as const;
export type ObsService = (typeof OBS_SERVICES)[number];

export function obsPorts(name: ObsService): number[] {
  const p = servicePorts();
  const ports: Record<ObsService, number> = {
    'victoria-metrics': p.victoriaMetrics,
    'victoria-logs': p.victoriaLogs,
    vmalert: p.vmalert,
    'telemetry-agent': p.telemetryAgent,
  };
  return [ports[name]];
}

/**
 * The lab's alerting rules (vmalert -rule): Watchdog always fires (its absence says the pipeline
 * does not evaluate or write), TargetDown fires at once for any scrape target down (the platform's
 * kube-prometheus rule waits 10 m; the lab has no time for that).
 */
export function alertRules(): string {
  return `# written by lab/services/observability.ts\n${YAML.stringify({
    groups: [
      {
        name: 'lab-platform',
        interval: '5s',
        rules: [
          {
            alert: 'Watchdog',
            expr: 'vector(1)',
            labels: { severity: 'none' },
            annotations: { summary: 'always firing: the alerting pipeline evaluates and writes' },
          },
          {
            alert: 'TargetDown',
            expr: 'up == 0',
            labels: { severity: 'warning' },
            annotations: { summary: '{{ $labels.job }} target {{ $labels.instance }} is down' },
          },
        ],
      },
    ],
  })}`;
}

/**
 * The lab's part of the VictoriaMetrics operator's rule conversion: every PrometheusRule and VMRule
 * the infra fixtures declare becomes one vmalert rule file named `<namespace>-<name>.yaml`, groups
 * as declared (the operator's VMAlert rule ConfigMaps). An object created later (a scenario) is not
 * converted: vmalert's rules are read once, at its start.
 */
export function declaredRuleFiles(files = fixtureFiles('infra')): { file: string; text: string }[] {
  return files.flatMap((f) =>
    parseAllDocuments(fs.readFileSync(f, 'utf8'))
      .map(
        (d) => d.toJS() as { kind?: string; metadata?: { name: string; namespace?: string }; spec?: unknown },
      )
      .filter((o) => o?.kind === 'PrometheusRule' || o?.kind === 'VMRule')
      .map((o) => ({
        file: `${o.metadata!.namespace ?? 'default'}-${o.metadata!.name}.yaml`,
        text: `# ${o.kind} ${o.metadata!.namespace}/${o.metadata!.name}, converted by lab/services/observability.ts\n${YAML.stringify({ groups: (o.spec as { groups?: unknown[] } | undefined)?.groups ?? [] })}`,
      })),
  );
}

/** The scrape config: loopback targets only, one `cluster` label per target. */
export function scrapeConfig(ctx: ServicesContext): string {
  const p = servicePorts();
  const pki = ctx.paths.pki;
  const jobs: Record<string, unknown>[] = [];
  for (const c of ctx.clusterNames ?? []) {
    const server = ctx.clusters?.[c]?.server;
    if (!server) continue;
    jobs.push({
      job_name: `kube-apiserver-${c}`,
      scheme: 'https',
      // ~8.5 MB of text and ~1.5 s of apiserver time per scrape on the busy lab machine: once a minute
      scrape_interval: '60s',
      tls_config: {
        ca_file: path.join(pki, 'ca.crt'),
        cert_file: path.join(pki, 'admin.crt'),
        key_file: path.join(pki, 'admin.key'),
      },
      static_configs: [
        {
          targets: [new URL(server).host],
          labels: { cluster: c, namespace: 'default', service: 'kubernetes' },
        },
      ],
      // a few thousand series per apiserver otherwise: keep what a dashboard's first row needs
      metric_relabel_configs: [
        {
          source_labels: ['__name__'],
          regex: 'apiserver_request_total|process_resident_memory_bytes|go_goroutines',
          action: 'keep',
        },
      ],
    });
  }
  const self = (name: string, port: number, metricsPath: string) => ({
    job_name: name,
    scrape_interval: '15s',
    metrics_path: metricsPath,
    static_configs: [
      { targets: [`127.0.0.1:${port}`], labels: { cluster: 'infra', namespace: OBSERVABILITY.namespace } },
    ],
    metric_relabel_configs: [
      {
        source_labels: ['__name__'],
        regex:
          'process_resident_memory_bytes|go_goroutines|vm_rows_inserted_total|vl_rows_ingested_total|vmalert_(alerting|recording)_rules_(errors_total|last_evaluation_samples)',
        action: 'keep',
      },
    ],
  });
  jobs.push(self('victoria-metrics', p.victoriaMetrics, `${OBSERVABILITY.metricsPrefix}/metrics`));
  jobs.push(self('victoria-logs', p.victoriaLogs, '/metrics'));
  // vmalert's own metrics say which rules it loaded and evaluates (OBS-VM-006)
  jobs.push(self('vmalert', p.vmalert, '/metrics'));
  jobs.push({
    job_name: 'dragonfly',
    scrape_interval: '15s',
    static_configs: REDIS_PODS.map((pod) => ({
      targets: [`127.0.0.1:${p.telemetryAgent}`],
      labels: { cluster: 'apps', namespace: 'dragonfly-system', pod, __metrics_path__: `/metrics/${pod}` },
    })),
  });
  return `# written by lab/services/observability.ts\n${YAML.stringify({ global: { scrape_timeout: '10s' }, scrape_configs: jobs })}`;
}

/** The log files the agent ships: every catalogue process, plus the observability processes. */
export function logSources(ctx: ServicesContext): LogSource[] {
  const out: LogSource[] = [];
  const clusters = new Set(ctx.clusterNames ?? []);
  for (const e of serviceCatalogue()) {
    if (!clusters.has(e.cluster)) continue;
    // Deployment pods have random names: the workload name stands for them
    out.push({
      file: ctx.procs.logFile(procName(e.name)),
      cluster: e.cluster,
      namespace: e.namespace,
      pod: e.pods?.[0] ?? e.workload.name,
      container: e.container,
    });
  }
  // the control plane's static pods: a real log agent ships them too, and kube-controller-manager
  // logs every few seconds, so a cluster whose services are quiet still has fresh lines (OBS-VL-001)
  for (const cluster of clusters) {
    const node = TOPOLOGY[cluster as LabClusterName]?.nodes[0];
    if (!node) continue;
    for (const c of ['apiserver', 'controller-manager', 'scheduler'] as const)
      out.push({
        file: ctx.procs.logFile(processName(cluster as LabClusterName, c)),
        cluster,
        namespace: 'kube-system',
        pod: `kube-${c}-${node}`,
        container: `kube-${c}`,
      });
  }
  if (clusters.has('infra')) {
    out.push(
      {
        file: ctx.procs.logFile(procName('victoria-metrics')),
        cluster: 'infra',
        namespace: OBSERVABILITY.namespace,
        pod: 'vmselect-victoria-metrics-0',
        container: 'vmselect',
      },
      {
        file: ctx.procs.logFile(procName('victoria-logs')),
        cluster: 'infra',
        namespace: OBSERVABILITY.namespace,
        pod: 'vlstorage-victoria-logs-0',
        container: 'vlstorage',
      },
    );
  }
  return out;
}

export async function startObservabilityService(ctx: ServicesContext, name: ObsService): Promise<void> {
  const p = servicePorts();
  const a = serviceArtifacts(ctx.paths.cache);
  const dir = serviceDir(ctx, name);
  fs.mkdirSync(dir, { recursive: true });
  // small caches: the whole lab fits 4 GiB; GOMAXPROCS=1 keeps thread stacks and GC workers few
  const goEnv = { ...process.env, GOMAXPROCS: '1', GOGC: '50' };
  if (name === 'victoria-metrics') {
    requireBuilt(a.victoriaDir, 'VictoriaMetrics');
    const cfg = path.join(dir, 'scrape.yaml');
    fs.writeFileSync(cfg, scrapeConfig(ctx));
    await ctx.procs.start({
      name: procName(name),
      command: a.victoriaMetrics,
      args: [
        `-httpListenAddr=127.0.0.1:${p.victoriaMetrics}`,
        `-http.pathPrefix=${OBSERVABILITY.metricsPrefix}`,
        `-storageDataPath=${path.join(dir, 'data')}`,
        '-retentionPeriod=2d',
        `-promscrape.config=${cfg}`,
        '-promscrape.config.strictParse=true',
        '-memory.allowedBytes=64MiB',
        '-search.maxUniqueTimeseries=20000',
        '-search.maxConcurrentRequests=4',
        // instant queries see scrapes from 5 s ago (default 30 s): fresh lab data shows quickly
        '-search.latencyOffset=5s',
        '-loggerLevel=INFO',
      ],
      env: goEnv,
      cwd: dir,
      ports: [p.victoriaMetrics],
      group: 'services',
      ready: async () =>
        (
          await probeHttp(
            `http://127.0.0.1:${p.victoriaMetrics}${OBSERVABILITY.metricsPrefix}/health`,
            [200],
            2_000,
          )
        ).ok,
      readyTimeoutMs: 60_000,
    });
  } else if (name === 'vmalert') {
    requireBuilt(a.victoriaDir, 'vmalert');
    const rules = path.join(dir, 'rules.yaml');
    fs.writeFileSync(rules, alertRules());
    const converted = path.join(dir, 'rules');
    fs.rmSync(converted, { recursive: true, force: true });
    fs.mkdirSync(converted);
    for (const r of declaredRuleFiles()) fs.writeFileSync(path.join(converted, r.file), r.text);
    const vm = `http://127.0.0.1:${p.victoriaMetrics}${OBSERVABILITY.metricsPrefix}`;
    await ctx.procs.start({
      name: procName(name),
      command: a.vmalert,
      args: [
        `-httpListenAddr=127.0.0.1:${p.vmalert}`,
        `-rule=${rules}`,
        `-rule=${converted}/*.yaml`,
        `-datasource.url=${vm}`,
        `-remoteWrite.url=${vm}`,
        '-remoteWrite.flushInterval=2s',
        '-evaluationInterval=5s',
        // as vmalert's docs ask: equal to VictoriaMetrics' -search.latencyOffset (default 30 s)
        '-rule.evalDelay=5s',
        '-notifier.blackhole',
        '-loggerLevel=INFO',
      ],
      env: goEnv,
      cwd: dir,
      ports: [p.vmalert],
      group: 'services',
      ready: async () => (await probeHttp(`http://127.0.0.1:${p.vmalert}/health`, [200], 2_000)).ok,
      readyTimeoutMs: 60_000,
    });
  } else if (name === 'victoria-logs') {
    requireBuilt(a.victoriaDir, 'VictoriaLogs');
    await ctx.procs.start({
      name: procName(name),
      command: a.victoriaLogs,
      args: [
        `-httpListenAddr=127.0.0.1:${p.victoriaLogs}`,
        `-storageDataPath=${path.join(dir, 'data')}`,
        '-retentionPeriod=2d',
        '-memory.allowedBytes=48MiB',
        '-loggerLevel=INFO',
      ],
      env: goEnv,
      cwd: dir,
      ports: [p.victoriaLogs],
      group: 'services',
      ready: async () => (await probeHttp(`http://127.0.0.1:${p.victoriaLogs}/health`, [200], 2_000)).ok,
      readyTimeoutMs: 60_000,
    });
  } else {
    const cfg: AgentConfig = {
      redis: Object.fromEntries(REDIS_PODS.map((pod, i) => [pod, p.redis[i]!])),
      victoriaLogs: `http://127.0.0.1:${p.victoriaLogs}`,
      sources: logSources(ctx),
      stateFile: path.join(dir, 'offsets.json'),
    };
    const file = path.join(dir, 'config.json');
    fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
    await ctx.procs.start({
      name: procName(name),
      command: process.execPath,
      args: ['--import', 'tsx', AGENT],
      cwd: ctx.paths.repo,
      env: {
        ...process.env,
        PV_TELEMETRY_PORT: String(p.telemetryAgent),
        PV_TELEMETRY_CONFIG: file,
        PV_LAB_CREDENTIALS: credentialsFile(ctx.paths.root),
        NODE_OPTIONS: '--max-old-space-size=48',
      },
      ports: [p.telemetryAgent],
      group: 'services',
      ready: async () => (await probeHttp(`http://127.0.0.1:${p.telemetryAgent}/health`, [200], 2_000)).ok,
      readyTimeoutMs: 30_000,
    });
  }
}

export async function stopObservabilityService(ctx: ServicesContext, name: ObsService): Promise<void> {
  await ctx.procs.stop(procName(name), 10_000);
}

/** VictoriaLogs first (the agent ships into it), then VictoriaMetrics, vmalert (queries and writes it), the agent. */
export async function startObservability(ctx: ServicesContext): Promise<void> {
  await startObservabilityService(ctx, 'victoria-logs');
  await startObservabilityService(ctx, 'victoria-metrics');
  await startObservabilityService(ctx, 'vmalert');
  await startObservabilityService(ctx, 'telemetry-agent');
}

export async function stopObservability(ctx: ServicesContext): Promise<void> {
  await stopObservabilityService(ctx, 'telemetry-agent');
  await stopObservabilityService(ctx, 'vmalert');
  await Promise.all([
    stopObservabilityService(ctx, 'victoria-metrics'),
    stopObservabilityService(ctx, 'victoria-logs'),
  ]);
}

/** The Prometheus/LogsQL answers that prove each process works (for servicesStatus). */
export async function probeObservability(name: ObsService) {
  const p = servicePorts();
  if (name === 'victoria-metrics')
    return probeHttp(
      `http://127.0.0.1:${p.victoriaMetrics}${OBSERVABILITY.metricsPrefix}/prometheus/api/v1/query?query=up`,
      [200],
    );
  if (name === 'victoria-logs')
    return probeHttp(`http://127.0.0.1:${p.victoriaLogs}/select/logsql/query?query=*&limit=1`, [200]);
  return probeHttp(`http://127.0.0.1:${p.telemetryAgent}/health`, [200]);
}

/** Route infra's vmselect/vlselect pods (namespace rules per container port) to the real processes. */
export async function routeObservability(ctx: ServicesContext): Promise<void> {
  if (!ctx.routing || !(ctx.clusterNames ?? []).includes('infra')) return;
  const p = servicePorts();
  await ctx.routing.routePodPort('infra', {
    namespace: OBSERVABILITY.namespace,
    ports: [OBSERVABILITY.vmselectPort],
    target: { address: '127.0.0.1', port: p.victoriaMetrics },
  });
  await ctx.routing.routePodPort('infra', {
    namespace: OBSERVABILITY.namespace,
    ports: [OBSERVABILITY.vlselectPort],
    target: { address: '127.0.0.1', port: p.victoriaLogs },
  });
}
