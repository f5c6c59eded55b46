/**
 * The lab's real services (see README.md in this folder): start/stop/status for `lab up|down|
 * status`, per-service control and fault hooks for lab/scenarios, the catalogue and Secrets
 * for lab/sim, and buildServices for `lab build`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LabClusterName } from '../core/topology.js';
import {
  appDatabases,
  catalogueEntry,
  poolerApps,
  serviceCatalogue,
  type PoolerApp,
  type ServiceEntry,
} from './catalogue.js';
import { loadCredentials, writePrivate, type ServiceCredentials } from './credentials.js';
import { startCoreDNS, stopCoreDNS } from './coredns.js';
import {
  GATEWAY_SERVICE,
  gatewayPorts,
  probeGateway,
  routeGateway,
  startGateway,
  stopGateway,
} from './gateway.js';
import {
  OBS_SERVICES,
  obsPorts,
  probeObservability,
  routeObservability,
  startObservability,
  startObservabilityService,
  stopObservability,
  stopObservabilityService,
  type ObsService,
} from './observability.js';
import { startCertManager, stopCertManager } from './cert-manager.js';
import { startReloader, stopReloader } from './reloader.js';
import { startFluxControllers, stopFluxControllers } from './flux.js';
import { startHarborCore, stopHarborCore } from './harbor.js';
import { ensureDeclaredTopics } from './kafka-topics.js';
import { kafkaRoutes, startKafka, startKafkaBroker, stopKafka, stopKafkaBroker } from './kafka.js';
import { startPgbouncer, stopPgbouncer } from './pgbouncer.js';
import {
  PG_INSTANCES,
  startPostgres,
  startPostgresInstance,
  stopPostgres,
  stopPostgresInstance,
} from './postgres.js';
import { servicePorts } from './ports.js';
import { probeDns, probeHttp, probeKafka, probePostgres, probeRedis, type ProbeResult } from './probes.js';
import { REDIS_PODS, setRedisPassword, startRedis, stopRedis } from './redis.js';
import { setRegistryAuth, startRegistry, stopRegistry } from './registry.js';
import { routeServices } from './routes.js';
import { assertPortsFree, portFree, procName, serviceDir, type ServicesContext } from './runtime.js';
import { setSchemaRegistryTopic, startSchemaRegistry, stopSchemaRegistry } from './schema-registry.js';

import { buildServices } from '../build/services/build.js';

export { buildServices, startFluxControllers };

/**
 * The real controllers (Flux's source- and kustomize-controller, cert-manager's, Reloader): after
 * seeding, since their watches need the CRDs.
 */
export async function startControllers(ctx: ServicesContext): Promise<void> {
  await Promise.all([startFluxControllers(ctx), startCertManager(ctx), startReloader(ctx)]);
}
export {
  serviceCatalogue as servicesCatalogue,
  kafkaAdvertisedHost,
  kafkaBrokerPod,
  KAFKA,
  appDatabases,
} from './catalogue.js';
export type { ServiceEntry, SecretRef, ServiceKind, PoolerApp } from './catalogue.js';
export { serviceSecrets, type SecretManifest } from './secrets.js';
export { routeServices } from './routes.js';
export { kafkaRoutes } from './kafka.js';
export { kafkaSocketFactory, resolveTcp } from './probes.js';
export type { ServicesContext } from './runtime.js';

/** Faults the scenarios switch on and off (pooler-down etc. are stopService/startService). */
export type ServiceFault = 'dragonfly-auth-wrong' | 'registry-auth-broken' | 'schema-registry-wrong-topic';
export const serviceFaults: readonly ServiceFault[] = [
  'dragonfly-auth-wrong',
  'registry-auth-broken',
  'schema-registry-wrong-topic',
];

export interface ServiceStatus {
  name: string;
  ok: boolean;
  detail?: string;
}

const faultsFile = (ctx: ServicesContext) => path.join(ctx.paths.root, 'services', 'faults.json');

function activeFaults(ctx: ServicesContext): ServiceFault[] {
  try {
    return JSON.parse(fs.readFileSync(faultsFile(ctx), 'utf8')) as ServiceFault[];
  } catch {
    return [];
  }
}

/** Services that belong to this lab's clusters (CoreDNS only where a cluster is up). */
function entries(ctx: ServicesContext): ServiceEntry[] {
  const withClusters = ctx.clusterNames !== undefined && fs.existsSync(ctx.paths.kubeconfig);
  return serviceCatalogue().filter(
    (e) => e.kind !== 'coredns' || (withClusters && ctx.clusterNames!.includes(e.cluster)),
  );
}

/** Processes that back pods lab/sim seeds itself (not catalogue entries): observability, Gateway. */
function extraServices(ctx: ServicesContext): string[] {
  const infra = ctx.clusterNames?.includes('infra') && fs.existsSync(ctx.paths.kubeconfig);
  return [...(infra ? OBS_SERVICES : []), GATEWAY_SERVICE];
}
const isObs = (name: string): name is ObsService => (OBS_SERVICES as readonly string[]).includes(name);

/** every local port a service binds (client port plus internal ones) */
function portsOf(name: string): number[] {
  if (isObs(name)) return obsPorts(name);
  if (name === GATEWAY_SERVICE) return gatewayPorts();
  const p = servicePorts();
  const m = /^kafka-(\d)$/.exec(name);
  if (m) {
    const i = Number(m[1]);
    return [p.kafkaClient[i]!, p.kafkaReplication[i]!, ...(i === 0 ? [p.kafkaController] : [])];
  }
  const c = /^coredns-(infra|apps)$/.exec(name);
  if (c) return Object.values(p.coredns[c[1] as LabClusterName]);
  return [catalogueEntry(name).localPort];
}

async function startOne(ctx: ServicesContext, creds: ServiceCredentials, e: ServiceEntry): Promise<void> {
  switch (e.kind) {
    case 'postgres':
      return startPostgresInstance(ctx, creds, e.name);
    case 'pgbouncer':
      return startPgbouncer(ctx, creds, e.name.slice('pgbouncer-'.length) as PoolerApp);
    case 'redis':
      return startRedis(ctx, creds, REDIS_PODS.indexOf(e.name as (typeof REDIS_PODS)[number]));
    case 'kafka':
      return startKafkaBroker(ctx, Number(e.name.slice('kafka-'.length)));
    case 'schema-registry':
      return startSchemaRegistry(ctx);
    case 'registry':
      return startRegistry(ctx, creds);
    case 'harbor-core':
      return startHarborCore(ctx);
    case 'coredns':
      return startCoreDNS(ctx, e.cluster);
  }
}

async function stopOne(ctx: ServicesContext, e: ServiceEntry): Promise<void> {
  switch (e.kind) {
    case 'postgres':
      return stopPostgresInstance(ctx, e.name);
    case 'pgbouncer':
      return stopPgbouncer(ctx, e.name.slice('pgbouncer-'.length) as PoolerApp);
    case 'redis':
      return stopRedis(ctx, REDIS_PODS.indexOf(e.name as (typeof REDIS_PODS)[number]));
    case 'kafka':
      return stopKafkaBroker(ctx, Number(e.name.slice('kafka-'.length)));
    case 'schema-registry':
      return stopSchemaRegistry(ctx);
    case 'registry':
      return stopRegistry(ctx);
    case 'harbor-core':
      return stopHarborCore(ctx);
    case 'coredns':
      return stopCoreDNS(ctx, e.cluster);
  }
}

/**
 * Start every service (idempotent: running ones are kept), in parallel chains, each waited for
 * with a real protocol probe; then route the simulated pods to them (when ctx.routing exists).
 */
export async function startServices(ctx: ServicesContext): Promise<void> {
  const started = Date.now();
  // builds only what is missing from the versioned cache (a warm check takes milliseconds)
  await buildServices(ctx, { progress: (m) => ctx.log(`services build: ${m}`), quiet: true });
  const list = entries(ctx);
  for (const name of [...list.map((e) => e.name), ...extraServices(ctx)]) {
    if (!ctx.procs.isRunning(procName(name))) await assertPortsFree(name, portsOf(name));
  }
  const creds = loadCredentials(ctx.paths.root);
  const timed = async (what: string, f: () => Promise<void>) => {
    const t = Date.now();
    await f();
    ctx.log(`services: ${what} ready (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  };
  const chains: Promise<void>[] = [
    timed('postgres (primary + 2 standbys) and 4 pgbouncer poolers', async () => {
      await startPostgres(ctx, creds);
      await Promise.all(poolerApps.map((a) => startPgbouncer(ctx, creds, a)));
    }),
    timed('redis x3 (dragonfly)', async () => {
      await startRedis(ctx, creds, 0);
      await Promise.all([startRedis(ctx, creds, 1), startRedis(ctx, creds, 2)]);
    }),
    timed(
      'kafka x3 (KRaft), the declared KafkaTopics and the schema registry (journal in _schemas)',
      async () => {
        await startKafka(ctx);
        // before the registry: `_schemas` is one of them, created as its KafkaTopic declares
        await ensureDeclaredTopics();
        await startSchemaRegistry(ctx);
      },
    ),
    timed('registry + harbor-core', async () => {
      await startRegistry(ctx, creds);
      await startHarborCore(ctx);
    }),
  ];
  chains.push(timed('gateway data plane (nginx)', () => startGateway(ctx)));
  if (extraServices(ctx).includes('victoria-metrics')) {
    chains.push(
      timed('victoria-logs, victoria-metrics, vmalert, telemetry-agent (infra observability)', () =>
        startObservability(ctx),
      ),
    );
  }
  const dns = list.filter((e) => e.kind === 'coredns');
  if (dns.length) {
    chains.push(
      timed(`coredns (${dns.map((e) => e.cluster).join(', ')})`, async () => {
        await Promise.all(dns.map((e) => startCoreDNS(ctx, e.cluster)));
      }),
    );
  }
  const results = await Promise.allSettled(chains);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) {
    throw new Error(
      `lab services failed to start (the others keep running; \`pnpm lab down\` stops them):\n${failed
        .map((f) => `- ${(f.reason as Error).message}`)
        .join('\n')}`,
    );
  }
  const routed = await routeServices(ctx);
  await routeObservability(ctx);
  await routeGateway(ctx);
  ctx.log(
    `services: all up in ${((Date.now() - started) / 1000).toFixed(1)} s${ctx.routing ? `, ${routed} pods routed` : ''}`,
  );
}

/**
 * Stop every service we started (by pid record), dependants first; then prove none of our
 * ports is still listening.
 */
export async function stopServices(ctx: ServicesContext): Promise<void> {
  const all = serviceCatalogue();
  const byKind = (k: ServiceEntry['kind']) => all.filter((e) => e.kind === k);
  const started = Date.now();
  const timed = async (what: string, f: () => Promise<unknown>) => {
    const t = Date.now();
    await f();
    if (Date.now() - t > 2_000)
      ctx.log(`services: ${what} stopped (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  };
  await Promise.all([
    timed('flux controllers', () => stopFluxControllers(ctx)),
    timed('cert-manager', () => stopCertManager(ctx)),
    timed('reloader', () => stopReloader(ctx)),
    timed('observability', () => stopObservability(ctx)),
    timed('gateway', () => stopGateway(ctx)),
    timed('harbor-core + registry', () => stopHarborCore(ctx).then(() => stopRegistry(ctx))),
    timed('schema registry', () => stopSchemaRegistry(ctx)),
    timed('coredns', () => Promise.all(byKind('coredns').map((e) => stopOne(ctx, e)))),
    timed('kafka', () => stopKafka(ctx)),
    timed('poolers + postgres', () =>
      Promise.all(poolerApps.map((a) => stopPgbouncer(ctx, a))).then(() => stopPostgres(ctx)),
    ),
    timed('redis', () => Promise.all([stopRedis(ctx, 1), stopRedis(ctx, 2)]).then(() => stopRedis(ctx, 0))),
  ]);
  ctx.log(`services: stopped in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const busy: string[] = [];
  for (const name of [...all.map((e) => e.name), ...OBS_SERVICES, GATEWAY_SERVICE]) {
    for (const port of portsOf(name)) if (!(await portFree(port))) busy.push(`${name}:${port}`);
  }
  if (busy.length) {
    throw new Error(
      `after stopping the lab services these ports still listen: ${busy.join(', ')} (check: ss -ltnp)`,
    );
  }
}

/** Start one service by catalogue name (e.g. 'pgbouncer-harbor', 'kafka-2', 'coredns-apps'). */
export async function startService(ctx: ServicesContext, name: string): Promise<void> {
  if (isObs(name) || name === GATEWAY_SERVICE) {
    if (!ctx.procs.isRunning(procName(name))) await assertPortsFree(name, portsOf(name));
    if (name === GATEWAY_SERVICE) await startGateway(ctx);
    else await startObservabilityService(ctx, name);
    await routeObservability(ctx);
    await routeGateway(ctx);
    return;
  }
  const e = catalogueEntry(name);
  if (!ctx.procs.isRunning(procName(name))) await assertPortsFree(name, portsOf(name));
  await startOne(ctx, loadCredentials(ctx.paths.root), e);
  await routeServices(ctx, [name]);
}

/** Stop one service by catalogue name; its pods' port-forwards then fail to connect. */
export async function stopService(ctx: ServicesContext, name: string): Promise<void> {
  if (name === GATEWAY_SERVICE) return stopGateway(ctx);
  if (isObs(name)) return stopObservabilityService(ctx, name);
  await stopOne(ctx, catalogueEntry(name));
}

/**
 * Switch a fault on or off:
 * - dragonfly-auth-wrong: every Redis gets another password (the dragonfly-auth Secret is now wrong)
 * - registry-auth-broken: the registry's htpasswd gets another password (harbor-admin is now wrong)
 * - schema-registry-wrong-topic: the Schema Registry restarts with another store topic; switched
 *   off, it restarts on `_schemas` and that topic is deleted (only when it was on: a reset does not
 *   restart a healthy registry)
 */
export async function setServiceFault(
  ctx: ServicesContext,
  fault: ServiceFault,
  active: boolean,
): Promise<void> {
  const creds = loadCredentials(ctx.paths.root);
  if (fault === 'dragonfly-auth-wrong') await setRedisPassword(ctx, creds, active ? 'wrong' : 'secret');
  else if (fault === 'registry-auth-broken') await setRegistryAuth(ctx, creds, active ? 'broken' : 'secret');
  else if (fault === 'schema-registry-wrong-topic') {
    if (active || activeFaults(ctx).includes(fault)) await setSchemaRegistryTopic(ctx, active);
  } else throw new Error(`unknown service fault '${String(fault)}'; known: ${serviceFaults.join(', ')}`);
  const now = new Set(activeFaults(ctx));
  if (active) now.add(fault);
  else now.delete(fault);
  writePrivate(faultsFile(ctx), JSON.stringify([...now]));
}

/** Back to healthy: every fault off, every stopped service started again. */
export async function resetServices(ctx: ServicesContext): Promise<void> {
  for (const f of serviceFaults) await setServiceFault(ctx, f, false);
  await startServices(ctx);
}

async function probe(ctx: ServicesContext, creds: ServiceCredentials, e: ServiceEntry): Promise<ProbeResult> {
  const p = servicePorts();
  switch (e.kind) {
    case 'postgres': {
      const r = await probePostgres({
        port: e.localPort,
        user: 'postgres',
        password: creds.postgres.superuser,
        database: 'postgres',
        sql:
          e.name === PG_INSTANCES[0]
            ? "SELECT pg_is_in_recovery() AS standby, (SELECT string_agg(application_name || '=' || sync_state, ',' ORDER BY application_name) FROM pg_stat_replication) AS replication"
            : 'SELECT pg_is_in_recovery() AS standby',
      });
      return r;
    }
    case 'pgbouncer': {
      const app = e.name.slice('pgbouncer-'.length) as PoolerApp;
      const { user, database } = appDatabases[app];
      return probePostgres({
        port: e.localPort,
        user,
        password: creds.postgres.apps[app],
        database,
        sql: 'SELECT current_user AS user, current_database() AS db',
      });
    }
    case 'redis':
      return probeRedis(e.localPort, creds.dragonfly.password);
    case 'kafka':
      return probeKafka(e.localPort, kafkaRoutes(), 5_000);
    case 'schema-registry':
      return probeHttp(`http://127.0.0.1:${e.localPort}/subjects`, [200]);
    case 'registry':
      return probeHttp(`http://127.0.0.1:${p.registry}/v2/`, [401]);
    case 'harbor-core':
      return probeHttp(`http://127.0.0.1:${p.harborCore}/api/v2.0/ping`, [200]);
    case 'coredns':
      return probeDns(e.localPort);
  }
}

/** One line per service: running (pid record) and answering its protocol. */
export async function servicesStatus(ctx: ServicesContext): Promise<ServiceStatus[]> {
  const creds = loadCredentials(ctx.paths.root);
  const faults = activeFaults(ctx);
  const list = entries(ctx);
  const rows = await Promise.all(
    list.map(async (e): Promise<ServiceStatus> => {
      const where = `${e.cluster}/${e.namespace}/${e.pods?.join(',') ?? e.workload.name} -> 127.0.0.1:${e.localPort}`;
      if (!ctx.procs.isRunning(procName(e.name)))
        return { name: e.name, ok: false, detail: `stopped (${where})` };
      const r = await probe(ctx, creds, e);
      return { name: e.name, ok: r.ok, detail: `${where}: ${r.detail}` };
    }),
  );
  for (const name of extraServices(ctx)) {
    const where = isObs(name)
      ? `infra/observability -> 127.0.0.1:${portsOf(name).join(',')}`
      : `networking gateways -> 127.0.0.1:${portsOf(name).join(',')}`;
    if (!ctx.procs.isRunning(procName(name))) {
      rows.push({ name, ok: false, detail: `stopped (${where})` });
      continue;
    }
    const r = isObs(name) ? await probeObservability(name) : await probeGateway();
    rows.push({ name, ok: r.ok, detail: `${where}: ${r.detail}` });
  }
  if (faults.length) rows.push({ name: 'service-faults', ok: false, detail: `active: ${faults.join(', ')}` });
  return rows;
}

/** Where a service keeps its files (config, data) under .lab/services. */
export function serviceStateDir(ctx: ServicesContext, name: string): string {
  return serviceDir(ctx, name);
}
