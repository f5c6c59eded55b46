/**
 * The lab's scenarios, end to end (needs `pnpm lab up`): each fault observably changes what a
 * client sees through the real apiservers (object status, `kubectl exec` output, a protocol client
 * through a port-forward failing) and `reset` (= healthy) brings every observation back.
 * Runs serially; leaves the lab in `healthy`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  ApiextensionsV1Api,
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  NetworkingV1Api,
  PortForward,
  type V1Pod,
} from '@kubernetes/client-node';
import DNS from 'dns2';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLabContext, type LabContext } from '../../../lab/core/index.js';
import type { LabClusterName } from '../../../lab/core/topology.js';
import { applyScenario, scenarioNames } from '../../../lab/scenarios/index.js';
import { gitRoot } from '../../../lab/sim/git.js';
import { labKafka } from '../../../lab/services/kafka-topics.js';
import { servicePorts } from '../../../lab/services/ports.js';
import { reloaderProcess } from '../../../lab/services/reloader.js';
import { MISCONFIGURED_STORE_TOPIC } from '../../../lab/services/schema-registry.js';
import { SchemaRegistryClient } from '../../../helpers/reads/schema-registry.js';

const { Packet } = DNS;
const run = promisify(execFile);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let ctx: LabContext;

const core = (c: LabClusterName) => ctx.clusters[c].kc.makeApiClient(CoreV1Api);
const apps = (c: LabClusterName) => ctx.clusters[c].kc.makeApiClient(AppsV1Api);
const custom = (c: LabClusterName) => ctx.clusters[c].kc.makeApiClient(CustomObjectsApi);
/** a cluster-scoped cilium.io/v2 object of infra */
const ciliumObject = (plural: string, name: string) =>
  custom('infra').getClusterCustomObject({ group: 'cilium.io', version: 'v2', plural, name });

async function kubectl(
  c: LabClusterName,
  args: string[],
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run(
      ctx.kubectl,
      ['--kubeconfig', ctx.paths.kubeconfig, '--context', ctx.clusters[c].context, ...args],
      { env: ctx.env, timeout: 60_000 },
    );
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number };
    return {
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
      code: typeof err.code === 'number' ? err.code : -1,
    };
  }
}

/** `cilium-dbg <args>` in the agent of the DaemonSet's first pod (the lab's shim) */
const ciliumDbg = (c: LabClusterName, ...args: string[]) =>
  kubectl(c, ['-n', 'kube-system', 'exec', 'ds/cilium', '-c', 'cilium-agent', '--', 'cilium-dbg', ...args]);

/** poll until `probe` returns a value that `ok` accepts (bounded) */
async function until<T>(
  what: string,
  probe: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let err: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (e) {
      err = e;
    }
    await sleep(500);
  }
  throw new Error(
    `${what}: not reached in ${timeoutMs} ms (last: ${JSON.stringify(last)}${err ? `, error: ${(err as Error).message}` : ''})`,
  );
}

/** a local listener whose connections go through the apiserver's port-forward to pod:port */
async function withForward<T>(
  c: LabClusterName,
  namespace: string,
  pod: string,
  port: number,
  fn: (localPort: number) => Promise<T>,
): Promise<T> {
  const pf = new PortForward(ctx.clusters[c].kc);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
    pf.portForward(namespace, pod, [port], s, null, s).catch(() => s.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    return await fn((server.address() as net.AddressInfo).port);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
}

async function secretValue(c: LabClusterName, namespace: string, name: string, key: string): Promise<string> {
  const s = await core(c).readNamespacedSecret({ name, namespace });
  const v = s.data?.[key];
  if (!v) throw new Error(`Secret ${namespace}/${name} has no key ${key}`);
  return Buffer.from(v, 'base64').toString('utf8');
}

async function pods(c: LabClusterName, namespace: string, labelSelector: string): Promise<V1Pod[]> {
  return (await core(c).listNamespacedPod({ namespace, labelSelector })).items.filter(
    (p) => !p.metadata?.deletionTimestamp,
  );
}
const ready = (p: V1Pod) =>
  p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;

async function cephHealth(c: LabClusterName): Promise<{ object: string; exec: string }> {
  const cc = (await custom(c).getNamespacedCustomObject({
    group: 'ceph.rook.io',
    version: 'v1',
    namespace: 'rook-ceph',
    plural: 'cephclusters',
    name: 'rook-ceph',
  })) as { status?: { ceph?: { health?: string } } };
  const r = await kubectl(c, [
    '-n',
    'rook-ceph',
    'exec',
    'deploy/rook-ceph-tools',
    '--',
    'ceph',
    'status',
    '-f',
    'json',
  ]);
  if (r.code !== 0) throw new Error(`ceph status exited ${r.code}: ${r.stderr}`);
  return {
    object: cc.status?.ceph?.health ?? 'none',
    exec: (JSON.parse(r.stdout) as { health: { status: string } }).health.status,
  };
}

async function harborPoolerQuery(): Promise<string> {
  const p = (await pods('apps', 'cnpg-system', 'cnpg.io/poolerName=harbor-pooler-rw'))[0];
  if (!p) throw new Error('no harbor pooler pod');
  const [user, password, database] = await Promise.all(
    ['username', 'password', 'dbname'].map((k) =>
      secretValue('apps', 'cnpg-system', 'harbor-db-credentials', k),
    ),
  );
  return withForward('apps', 'cnpg-system', p.metadata!.name!, 5432, async (port) => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user,
      password,
      database,
      connectionTimeoutMillis: 8_000,
    });
    try {
      await client.connect();
      const r = await client.query<{ one: number }>('SELECT 1 AS one');
      return `ok ${r.rows[0]!.one}`;
    } finally {
      await client.end().catch(() => {});
    }
  });
}

async function redisPing(): Promise<string> {
  const password = await secretValue('apps', 'dragonfly-system', 'dragonfly-auth', 'password');
  return withForward('apps', 'dragonfly-system', 'dragonfly-0', 6379, async (port) => {
    const r = new Redis({
      host: '127.0.0.1',
      port,
      password,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 8_000,
    });
    // ioredis reports the AUTH reply (WRONGPASS) as an 'error' event, then closes the connection
    let lastError: string | undefined;
    r.on('error', (e: Error) => (lastError = e.message));
    try {
      await r.connect();
      return await r.ping();
    } catch (e) {
      return `error: ${lastError ?? (e as Error).message}`;
    } finally {
      r.disconnect();
    }
  });
}

async function registryStatus(): Promise<number> {
  const [user, password] = await Promise.all(
    ['username', 'password'].map((k) => secretValue('apps', 'harbor', 'harbor-admin', k)),
  );
  const p = (await pods('apps', 'harbor', 'app=harbor,component=registry'))[0];
  if (!p) throw new Error('no harbor-registry pod');
  return withForward('apps', 'harbor', p.metadata!.name!, 5000, async (port) => {
    const res = await fetch(`http://127.0.0.1:${port}/v2/`, {
      headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
      signal: AbortSignal.timeout(8_000),
    });
    return res.status;
  });
}

/** DNS over TCP through a port-forward to a coredns pod; resolves to the answer count or an error */
async function dnsLookup(c: LabClusterName): Promise<string> {
  const p = (await pods(c, 'kube-system', 'k8s-app=kube-dns'))[0];
  if (!p) throw new Error('no coredns pod');
  return withForward(
    c,
    'kube-system',
    p.metadata!.name!,
    53,
    (port) =>
      new Promise<string>((resolve) => {
        const q = new Packet();
        q.header.id = 4242;
        q.header.rd = 1;
        q.questions.push({
          name: 'kubernetes.default.svc.cluster.local',
          type: Packet.TYPE.A!,
          class: Packet.CLASS.IN!,
        });
        const body = q.toBuffer();
        const len = Buffer.alloc(2);
        len.writeUInt16BE(body.length);
        const s = net.connect({ host: '127.0.0.1', port });
        let buf = Buffer.alloc(0);
        const done = (v: string) => {
          s.destroy();
          resolve(v);
        };
        s.setTimeout(8_000, () => done('error: timeout'));
        s.on('error', (e) => done(`error: ${e.message}`));
        s.on('close', () => done('error: closed'));
        s.on('connect', () => s.write(Buffer.concat([len, body])));
        s.on('data', (d) => {
          buf = Buffer.concat([buf, d]);
          if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
            const ans = Packet.parse(buf.subarray(2, 2 + buf.readUInt16BE(0)));
            done(`answers ${ans.answers.length}`);
          }
        });
      }),
  );
}

async function kustomizationReady(
  c: LabClusterName,
  name: string,
  namespace = 'flux-system',
): Promise<string> {
  const k = (await custom(c).getNamespacedCustomObject({
    group: 'kustomize.toolkit.fluxcd.io',
    version: 'v1',
    namespace,
    plural: 'kustomizations',
    name,
  })) as { status?: { conditions?: { type: string; status: string; reason: string }[] } };
  const r = k.status?.conditions?.find((x) => x.type === 'Ready');
  return `${r?.status}/${r?.reason}`;
}

async function kafkaState(): Promise<{ condition: string; brokersReady: number }> {
  const k = (await custom('apps').getNamespacedCustomObject({
    group: 'kafka.strimzi.io',
    version: 'v1',
    namespace: 'messaging',
    plural: 'kafkas',
    name: 'kafka-cluster',
  })) as { status?: { conditions?: { type: string; status: string }[] } };
  const c = k.status?.conditions?.find((x) => x.status === 'True');
  const brokers = await pods(
    'apps',
    'messaging',
    'strimzi.io/cluster=kafka-cluster,strimzi.io/broker-role=true',
  );
  return { condition: c?.type ?? 'none', brokersReady: brokers.filter(ready).length };
}

async function clusterSetting(c: LabClusterName): Promise<string | undefined> {
  return (await core(c).readNamespacedConfigMap({ name: 'cluster-settings', namespace: 'flux-system' })).data
    ?.CLUSTER;
}

async function agents(): Promise<{ name: string; uid: string; node: string; restarts: number }[]> {
  return (await pods('infra', 'kube-system', 'k8s-app=cilium')).map((p) => ({
    name: p.metadata!.name!,
    uid: p.metadata!.uid!,
    node: p.spec?.nodeName ?? '',
    restarts: p.status?.containerStatuses?.[0]?.restartCount ?? -1,
  }));
}

/** `pnpm lab reset` as a user runs it; it must say the declared state is back. */
async function labReset(): Promise<void> {
  const reset = await run('npx', ['tsx', 'lab/cli.ts', 'reset'], { cwd: REPO, timeout: 300_000 });
  expect(`${reset.stdout}${reset.stderr}`).toMatch(/lab reset: declared state restored/);
}

beforeAll(async () => {
  ctx = loadLabContext({ log: () => {} });
  await applyScenario(ctx, 'healthy');
}, 300_000);

afterAll(async () => {
  if (ctx) await applyScenario(ctx, 'healthy');
}, 300_000);

describe('lab scenarios', () => {
  it('an unknown scenario is an error listing the known ones', async () => {
    await expect(applyScenario(ctx, 'no-such-fault')).rejects.toThrow(
      /unknown scenario 'no-such-fault'; known scenarios: healthy, ceph-health-warn/,
    );
    // every scenario file of lab/scenarios is registered (the others are the registry's own modules)
    const files = fs
      .readdirSync(path.join(REPO, 'lab/scenarios'))
      .filter((f) => f.endsWith('.ts') && !['index.ts', 'registry.ts', 'scale.ts', 'types.ts'].includes(f));
    expect(scenarioNames).toHaveLength(files.length);
  });

  it('healthy: every probe sees a healthy platform', async () => {
    expect(await cephHealth('infra')).toEqual({ object: 'HEALTH_OK', exec: 'HEALTH_OK' });
    expect(await harborPoolerQuery()).toBe('ok 1');
    expect(await redisPing()).toBe('PONG');
    expect(await registryStatus()).toBe(200);
    expect(await dnsLookup('infra')).toMatch(/^answers [1-9]/);
    expect(await kustomizationReady('apps', 'cluster-apps-workloads')).toBe('True/ReconciliationSucceeded');
    expect(await kafkaState()).toEqual({ condition: 'Ready', brokersReady: 3 });
    expect(await clusterSetting('apps')).toBe('apps');
    const cilium = await ciliumDbg('infra', 'status');
    expect(cilium.stdout).toMatch(/^Encryption:\s+Wireguard/m);
  });

  it('ceph-health-warn: CephCluster and `ceph status` report HEALTH_WARN on infra only; reset: HEALTH_OK', async () => {
    await applyScenario(ctx, 'ceph-health-warn');
    expect(await cephHealth('infra')).toEqual({ object: 'HEALTH_WARN', exec: 'HEALTH_WARN' });
    expect(await cephHealth('apps')).toEqual({ object: 'HEALTH_OK', exec: 'HEALTH_OK' });
    const detail = await kubectl('infra', [
      '-n',
      'rook-ceph',
      'exec',
      'deploy/rook-ceph-tools',
      '--',
      'ceph',
      'health',
      'detail',
    ]);
    expect(detail.stdout).toMatch(/OSD_DOWN/);
    await applyScenario(ctx, 'healthy');
    expect(await cephHealth('infra')).toEqual({ object: 'HEALTH_OK', exec: 'HEALTH_OK' });
  });

  it('pooler-down: psql through the harbor pooler fails and its pod is not Ready; reset: query works', async () => {
    await applyScenario(ctx, 'pooler-down');
    await expect(harborPoolerQuery()).rejects.toThrow();
    const p = await pods('apps', 'cnpg-system', 'cnpg.io/poolerName=harbor-pooler-rw');
    expect(p.map(ready)).toEqual([false]);
    expect(p[0]!.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    await applyScenario(ctx, 'healthy');
    expect(await until('harbor pooler query', harborPoolerQuery, (v) => v === 'ok 1')).toBe('ok 1');
    expect((await pods('apps', 'cnpg-system', 'cnpg.io/poolerName=harbor-pooler-rw')).map(ready)).toEqual([
      true,
    ]);
  });

  it('dragonfly-auth-wrong: AUTH with the Secret password fails; reset: PONG', async () => {
    await applyScenario(ctx, 'dragonfly-auth-wrong');
    expect(await until('AUTH refused', redisPing, (v) => v !== 'PONG')).toMatch(
      /WRONGPASS|NOAUTH|invalid (username-)?password/i,
    );
    await applyScenario(ctx, 'healthy');
    expect(await until('PONG', redisPing, (v) => v === 'PONG')).toBe('PONG');
  });

  it('kafka-broker-down: Kafka NotReady and 2/3 broker pods ready; reset: Ready 3/3', async () => {
    await applyScenario(ctx, 'kafka-broker-down');
    expect(await kafkaState()).toEqual({ condition: 'NotReady', brokersReady: 2 });
    await applyScenario(ctx, 'healthy');
    expect(await kafkaState()).toEqual({ condition: 'Ready', brokersReady: 3 });
  });

  it('kustomization-not-ready: cluster-apps-workloads Ready=False on apps only; reset: Ready', async () => {
    await applyScenario(ctx, 'kustomization-not-ready');
    expect(await kustomizationReady('apps', 'cluster-apps-workloads')).toBe('False/HealthCheckFailed');
    expect(await kustomizationReady('infra', 'cluster-infra-workloads')).toBe('True/ReconciliationSucceeded');
    await applyScenario(ctx, 'healthy');
    expect(await kustomizationReady('apps', 'cluster-apps-workloads')).toBe('True/ReconciliationSucceeded');
  });

  it('flux-broken-manifest: the real kustomize-controller fails the pushed layer; reset: namespace and repository gone', async () => {
    const { BROKEN_LAYER } = await import('../../../lab/scenarios/flux-broken-manifest.js');
    await applyScenario(ctx, 'flux-broken-manifest');
    expect(await kustomizationReady('apps', BROKEN_LAYER.name, BROKEN_LAYER.namespace)).toBe(
      'False/ReconciliationFailed',
    );
    await applyScenario(ctx, 'healthy');
    await expect(core('apps').readNamespace({ name: BROKEN_LAYER.namespace })).rejects.toMatchObject({
      code: 404,
    });
    expect(fs.existsSync(path.join(gitRoot(ctx.paths.root), BROKEN_LAYER.repo))).toBe(false);
  });

  it('prometheusrule-not-loaded: the PrometheusRule exists on infra; reset: it is gone', async () => {
    const rule = { group: 'monitoring.coreos.com', version: 'v1', plural: 'prometheusrules' };
    const at = { ...rule, namespace: 'observability', name: 'lab-unloaded' };
    const custom = ctx.clusters.infra.kc.makeApiClient(CustomObjectsApi);
    await applyScenario(ctx, 'prometheusrule-not-loaded');
    expect(await custom.getNamespacedCustomObject(at)).toMatchObject({ metadata: { name: 'lab-unloaded' } });
    await applyScenario(ctx, 'healthy');
    await expect(custom.getNamespacedCustomObject(at)).rejects.toMatchObject({ code: 404 });
  });

  it('harbor-internal-database: harbor-core names harbor-database; lab reset restores the pooler', async () => {
    const host = async () =>
      (await core('apps').readNamespacedConfigMap({ namespace: 'harbor', name: 'harbor-core' })).data
        ?.POSTGRESQL_HOST;
    await applyScenario(ctx, 'harbor-internal-database');
    expect(await host()).toBe('harbor-database');
    // the declared ConfigMap comes back with the re-seed of `lab reset` (the CLI), not with the scenario alone
    await labReset();
    expect(await host()).toBe('harbor-pooler-rw.cnpg-system');
  });

  it('harbor-internal-redis: harbor-core names harbor-redis; lab reset restores the Dragonfly URL', async () => {
    const host = async () => {
      const s = await core('apps').readNamespacedSecret({ namespace: 'harbor', name: 'harbor-core' });
      return new URL(Buffer.from(s.data?._REDIS_URL_CORE ?? '', 'base64').toString('utf8')).hostname;
    };
    expect(await host()).toBe('dragonfly.dragonfly-system');
    await applyScenario(ctx, 'harbor-internal-redis');
    expect(await host()).toBe('harbor-redis');
    await labReset();
    expect(await host()).toBe('dragonfly.dragonfly-system');
  });

  it('cilium-agent-restarted: one agent has a new UID, another a restart; reset: restart counts back', async () => {
    const before = await agents();
    expect(before).toHaveLength(3);
    await applyScenario(ctx, 'cilium-agent-restarted');
    const after = await until(
      'agent recreated on node 1',
      agents,
      (a) =>
        a.length === 3 &&
        a.every((x) => x.restarts >= 0) &&
        a.some((x) => !before.some((b) => b.uid === x.uid)),
    );
    const node1 = ctx.clusters.infra.nodes[0]!;
    const node2 = ctx.clusters.infra.nodes[1]!;
    expect(after.find((a) => a.node === node1)!.uid).not.toBe(before.find((b) => b.node === node1)!.uid);
    expect(after.find((a) => a.node === node2)!.restarts).toBe(
      before.find((b) => b.node === node2)!.restarts + 1,
    );
    await applyScenario(ctx, 'healthy');
    const reset = await agents();
    expect(reset.find((a) => a.node === node2)!.restarts).toBe(
      before.find((b) => b.node === node2)!.restarts,
    );
    const status = await until(
      'agent on node 1 answers',
      () =>
        kubectl('infra', [
          '-n',
          'kube-system',
          'exec',
          after.find((a) => a.node === node1)!.name,
          '-c',
          'cilium-agent',
          '--',
          'cilium-dbg',
          'status',
        ]),
      (r) => r.code === 0,
    );
    expect(status.stdout).toMatch(/^Cilium:\s+Ok/m);
  });

  it('cert-manager-restarted: the controller on infra has a restart and stays Ready; reset: count back', async () => {
    const controller = async (c: LabClusterName) =>
      (await pods(c, 'cert-manager', 'app.kubernetes.io/component=controller')).map((p) => ({
        restarts: p.status?.containerStatuses?.[0]?.restartCount ?? -1,
        exit: p.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode,
        ready: ready(p),
      }));
    const before = await controller('infra');
    expect(before).toHaveLength(1);
    await applyScenario(ctx, 'cert-manager-restarted');
    expect(await controller('infra')).toEqual([
      { restarts: before[0]!.restarts + 1, exit: 137, ready: true },
    ]);
    expect((await controller('apps')).map((c) => c.restarts)).toEqual([0]);
    await applyScenario(ctx, 'healthy');
    expect((await controller('infra')).map((c) => c.restarts)).toEqual([before[0]!.restarts]);
  });

  it('dragonfly-metrics-unlabelled: the metrics Service loses app=dragonfly on apps; reset: label back', async () => {
    const label = async () =>
      (await core('apps').readNamespacedService({ namespace: 'dragonfly-system', name: 'dragonfly-metrics' }))
        .metadata?.labels?.app;
    expect(await label()).toBe('dragonfly');
    await applyScenario(ctx, 'dragonfly-metrics-unlabelled');
    expect(await label()).toBe('dragonfly-metrics');
    await labReset();
    expect(await label()).toBe('dragonfly');
  });

  it('reloader-down: kube-system/reloader at 0 on apps and its controller stopped; reset: 1 replica, controller answers', async () => {
    const replicas = async () =>
      (await apps('apps').readNamespacedDeployment({ namespace: 'kube-system', name: 'reloader' })).spec
        ?.replicas;
    expect(await replicas()).toBe(1);
    expect(ctx.procs.isRunning(reloaderProcess)).toBe(true);
    await applyScenario(ctx, 'reloader-down');
    expect(await replicas()).toBe(0);
    expect(ctx.procs.isRunning(reloaderProcess)).toBe(false);
    await labReset();
    expect(await replicas()).toBe(1);
    expect(ctx.procs.isRunning(reloaderProcess)).toBe(true);
  });

  it('spegel-hostport-conflict: the real scheduler leaves node-agent Pending on infra; another scenario deletes it', async () => {
    await applyScenario(ctx, 'spegel-hostport-conflict');
    const pending = await until(
      'node-agent pods unschedulable',
      () => pods('infra', 'kube-system', 'app.kubernetes.io/name=node-agent'),
      (ps) =>
        ps.length > 0 &&
        ps.every((p) =>
          p.status?.conditions?.some((c) => c.type === 'PodScheduled' && /free ports/.test(c.message ?? '')),
        ),
    );
    expect(pending.every((p) => !p.spec?.nodeName)).toBe(true);
    expect((await pods('infra', 'spegel-system', 'app.kubernetes.io/name=spegel')).every(ready)).toBe(true);
    await applyScenario(ctx, 'healthy');
    await until(
      'node-agent gone',
      () =>
        apps('infra').listNamespacedDaemonSet({
          namespace: 'kube-system',
          labelSelector: 'app.kubernetes.io/name=node-agent',
        }),
      (l) => l.items.length === 0,
    );
  });

  it('arc-scale-set-unregistered: pilar-apps loses its id, listener and pod on apps; reset: all three back', async () => {
    const ars = 'actions.github.com';
    const state = async () => {
      const set = (await custom('apps').getNamespacedCustomObject({
        group: ars,
        version: 'v1alpha1',
        namespace: 'actions-runner',
        plural: 'autoscalingrunnersets',
        name: 'pilar-apps',
      })) as { metadata?: { annotations?: Record<string, string> } };
      const listeners = (await custom('apps').listNamespacedCustomObject({
        group: ars,
        version: 'v1alpha1',
        namespace: 'actions-runner',
        plural: 'autoscalinglisteners',
      })) as { items: { metadata: { name: string } }[] };
      const listenerPods = await pods(
        'apps',
        'actions-runner',
        'actions.github.com/scale-set-name=pilar-apps',
      );
      return {
        id: set.metadata?.annotations?.['runner-scale-set-id'],
        listener: listeners.items.some((l) => l.metadata.name === 'pilar-apps-696d8f77-listener'),
        podReady: listenerPods.some(ready),
      };
    };
    expect(await state()).toEqual({ id: '2', listener: true, podReady: true });
    await applyScenario(ctx, 'arc-scale-set-unregistered');
    expect(await state()).toMatchObject({ id: undefined, listener: false });
    await labReset();
    expect(await until('pilar-apps registered again', state, (s) => s.podReady)).toEqual({
      id: '2',
      listener: true,
      podReady: true,
    });
  });

  it('bgp-auth-secret-missing: the sim operator reports MissingAuthSecret on infra; reset: Secret back, False', async () => {
    const condition = async () =>
      (
        (await ciliumObject('ciliumbgppeerconfigs', 'upstream-router')) as {
          status?: { conditions?: { type: string; status: string; message?: string }[] };
        }
      ).status?.conditions?.find((c) => c.type === 'cilium.io/MissingAuthSecret');
    expect(await condition()).toMatchObject({ status: 'False' });
    await applyScenario(ctx, 'bgp-auth-secret-missing');
    expect(await until('MissingAuthSecret True', condition, (c) => c?.status === 'True')).toMatchObject({
      message: 'Referenced Auth Secret "bgp-upstream-router" is missing',
    });
    await labReset();
    expect(await until('MissingAuthSecret False', condition, (c) => c?.status === 'False')).toMatchObject({
      status: 'False',
    });
  });

  it('ceph-toolbox-down: rook-ceph-tools at 0 on infra, no toolbox pod; reset: 1 replica, Running', async () => {
    const tools = () => pods('infra', 'rook-ceph', 'app=rook-ceph-tools');
    expect((await tools()).some(ready)).toBe(true);
    await applyScenario(ctx, 'ceph-toolbox-down');
    expect(
      (await apps('infra').readNamespacedDeployment({ namespace: 'rook-ceph', name: 'rook-ceph-tools' })).spec
        ?.replicas,
    ).toBe(0);
    await until('toolbox pods gone', tools, (ps) => ps.length === 0);
    await labReset();
    expect((await until('toolbox back', tools, (ps) => ps.some(ready))).length).toBe(1);
  });

  it('coredns-down: DNS over the pod port fails and pods are not Ready on infra; reset: answers', async () => {
    await applyScenario(ctx, 'coredns-down');
    expect(await dnsLookup('infra')).toMatch(/^error/);
    expect((await pods('infra', 'kube-system', 'k8s-app=kube-dns')).map(ready)).toEqual([false, false]);
    expect(await dnsLookup('apps')).toMatch(/^answers [1-9]/);
    await applyScenario(ctx, 'healthy');
    expect(
      await until(
        'infra DNS',
        () => dnsLookup('infra'),
        (v) => v.startsWith('answers'),
      ),
    ).toMatch(/^answers [1-9]/);
    expect((await pods('infra', 'kube-system', 'k8s-app=kube-dns')).map(ready)).toEqual([true, true]);
  });

  it('cilium-ipam-reallocated: infra-cp-2 re-registered with 10.244.3.0/24; another scenario restores 10.244.1.0/24', async () => {
    const cidrs = async () =>
      ((await ciliumObject('ciliumnodes', 'infra-cp-2')) as { spec: { ipam: { podCIDRs: string[] } } }).spec
        .ipam.podCIDRs;
    expect(await cidrs()).toEqual(['10.244.1.0/24']);
    await applyScenario(ctx, 'cilium-ipam-reallocated');
    expect(await cidrs()).toEqual(['10.244.3.0/24']);
    await applyScenario(ctx, 'healthy');
    expect(await cidrs()).toEqual(['10.244.1.0/24']);
  });

  it('schema-registry-wrong-topic: a registration lands in _schemas-staging, not _schemas; reset: _schemas again, the other topic gone', async () => {
    // one admin per read: kafkajs keeps every topic it was asked about in its metadata requests,
    // and a deleted one then fails them all. A topic just created may lack its leader: retried
    const end = (topic: string) =>
      until(
        `end offset of ${topic}`,
        async () => {
          const admin = labKafka().admin();
          await admin.connect();
          try {
            return (await admin.listTopics()).includes(topic)
              ? (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0)
              : undefined;
          } finally {
            await admin.disconnect();
          }
        },
        () => true,
        20_000,
      );
    // one registration through the registry's REST port; the store topics' end offsets say where it went
    const sr = new SchemaRegistryClient(`http://127.0.0.1:${servicePorts().schemaRegistry}`);
    const register = (subject: string) =>
      sr.register(subject, JSON.stringify({ type: 'record', name: 'T', fields: [] }));
    const deltas = async (subject: string) => {
      const before = [await end('_schemas'), await end(MISCONFIGURED_STORE_TOPIC)];
      await register(subject);
      const after = [await end('_schemas'), await end(MISCONFIGURED_STORE_TOPIC)];
      return after.map((a, i) => (a ?? 0) - (before[i] ?? 0));
    };
    try {
      await applyScenario(ctx, 'schema-registry-wrong-topic');
      expect(await deltas('pv-lab-scenario-store-a-value')).toEqual([0, 1]);
      await applyScenario(ctx, 'healthy');
      expect(await end(MISCONFIGURED_STORE_TOPIC)).toBeUndefined();
      expect(await deltas('pv-lab-scenario-store-b-value')).toEqual([1, 0]);
    } finally {
      for (const subject of ['pv-lab-scenario-store-a-value', 'pv-lab-scenario-store-b-value'])
        await sr.deleteSubject(subject).catch(() => undefined);
    }
  });

  it("clustermesh-apiserver-down: infra's apiserver at 0, apps agents lose infra; reset: both directions ready", async () => {
    const mesh = async (c: LabClusterName) => {
      const r = await ciliumDbg(c, 'status', '-o', 'json');
      const clusters = (JSON.parse(r.stdout) as { 'cluster-mesh': { clusters: Record<string, unknown>[] } })[
        'cluster-mesh'
      ].clusters;
      return clusters.map((x) => `${String(x.name)}:${x.ready === true ? 'ready' : 'not-ready'}`);
    };
    expect(await mesh('apps')).toEqual(['infra:ready']);
    await applyScenario(ctx, 'clustermesh-apiserver-down');
    expect(
      (
        await apps('infra').readNamespacedDeployment({
          namespace: 'kube-system',
          name: 'clustermesh-apiserver',
        })
      ).spec?.replicas,
    ).toBe(0);
    expect(await mesh('apps')).toEqual(['infra:not-ready']);
    expect(await mesh('infra')).toEqual(['apps:ready']);
    await labReset();
    expect(await mesh('apps')).toEqual(['infra:ready']);
    expect(
      (
        await apps('infra').readNamespacedDeployment({
          namespace: 'kube-system',
          name: 'clustermesh-apiserver',
        })
      ).spec?.replicas,
    ).toBeGreaterThan(0);
  });

  it('helm-cli-leftover: infra hubble-ui loses its helm-controller labels, names release cilium-bootstrap; reset: labels back', async () => {
    const marks = async (c: LabClusterName) => {
      const d = await apps(c).readNamespacedDeployment({ namespace: 'kube-system', name: 'hubble-ui' });
      return `${d.metadata?.labels?.['helm.toolkit.fluxcd.io/name'] ?? '-'}/${d.metadata?.annotations?.['meta.helm.sh/release-name']}`;
    };
    expect(await marks('infra')).toBe('cilium/cilium');
    await applyScenario(ctx, 'helm-cli-leftover');
    expect(await marks('infra')).toBe('-/cilium-bootstrap');
    expect(await marks('apps')).toBe('cilium/cilium');
    await labReset();
    expect(await marks('infra')).toBe('cilium/cilium');
  });

  it('crd-second-owner: helm joins kustomize-controller on an apps Cilium CRD; another scenario removes it', async () => {
    const managers = async (c: LabClusterName) => {
      const crd = await ctx.clusters[c].kc
        .makeApiClient(ApiextensionsV1Api)
        .readCustomResourceDefinition({ name: 'ciliumbgppeeringpolicies.cilium.io' });
      return (crd.metadata?.managedFields ?? [])
        .filter((f) => f.subresource !== 'status')
        .map((f) => f.manager)
        .sort();
    };
    expect(await managers('apps')).toEqual(['kustomize-controller']);
    await applyScenario(ctx, 'crd-second-owner');
    expect(await managers('apps')).toEqual(['helm', 'kustomize-controller']);
    expect(await managers('infra')).toEqual(['kustomize-controller']);
    await labReset();
    expect(await managers('apps')).toEqual(['kustomize-controller']);
  });

  it('snapshot-controller-down: apps snapshot-controller at 0, a snapshot gets no status; reset: readyToUse', async () => {
    const ns = 'default';
    const gvr = { group: 'snapshot.storage.k8s.io', version: 'v1', plural: 'volumesnapshots', namespace: ns };
    await core('apps').createNamespacedPersistentVolumeClaim({
      namespace: ns,
      body: {
        metadata: { name: 'lab-snap-src' },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'rook-ceph-block',
          resources: { requests: { storage: '1Gi' } },
        },
      },
    });
    const snap = (name: string) =>
      custom('apps').createNamespacedCustomObject({
        ...gvr,
        body: {
          apiVersion: 'snapshot.storage.k8s.io/v1',
          kind: 'VolumeSnapshot',
          metadata: { name },
          spec: {
            volumeSnapshotClassName: 'csi-ceph-blockpool',
            source: { persistentVolumeClaimName: 'lab-snap-src' },
          },
        },
      });
    const status = async (name: string) =>
      (
        (await custom('apps').getNamespacedCustomObject({ ...gvr, name })) as {
          status?: { readyToUse?: boolean };
        }
      ).status;
    try {
      await until(
        'claim Bound',
        async () =>
          (await core('apps').readNamespacedPersistentVolumeClaim({ namespace: ns, name: 'lab-snap-src' }))
            .status?.phase,
        (p) => p === 'Bound',
      );
      await applyScenario(ctx, 'snapshot-controller-down');
      await until(
        'snapshot-controller unavailable',
        async () =>
          (
            await apps('apps').readNamespacedDeployment({
              namespace: 'volsync-system',
              name: 'snapshot-controller',
            })
          ).status?.availableReplicas ?? 0,
        (n) => n === 0,
      );
      await snap('lab-snap-down');
      await sleep(5_000);
      expect(await status('lab-snap-down')).toBeUndefined();
      await labReset();
      expect(
        await until(
          'snapshot ready',
          () => status('lab-snap-down'),
          (s) => s?.readyToUse === true,
        ),
      ).toMatchObject({ readyToUse: true });
    } finally {
      await custom('apps')
        .deleteNamespacedCustomObject({ ...gvr, name: 'lab-snap-down' })
        .catch(() => undefined);
      await core('apps')
        .deleteNamespacedPersistentVolumeClaim({ namespace: ns, name: 'lab-snap-src' })
        .catch(() => undefined);
    }
  });

  it('policy-enforcement-off: a deny-all drops nc in a lab pod; with enable-policy never it connects; reset: dropped', async () => {
    const ns = 'lab-np-test';
    const pod = (name: string) => ({
      metadata: { name, labels: { 'app.kubernetes.io/name': 'pv-netexec', role: name } },
      spec: {
        tolerations: [{ operator: 'Exists' }],
        containers: [
          {
            name: 'netexec',
            image: 'registry.k8s.io/e2e-test-images/agnhost:2.53',
            args: ['netexec', '--http-port=8080'],
            ports: [{ name: 'http', containerPort: 8080 }],
          },
        ],
      },
    });
    await core('apps').createNamespace({ body: { metadata: { name: ns } } });
    try {
      for (const n of ['server', 'client'])
        await core('apps').createNamespacedPod({ namespace: ns, body: pod(n) });
      const ip = await until(
        'both pods Running with an IP',
        async () => {
          const pods = (await core('apps').listNamespacedPod({ namespace: ns })).items;
          const ready = pods.filter((p) => p.status?.phase === 'Running' && p.status.podIP);
          return ready.length === 2 ? ready.find((p) => p.metadata?.name === 'server')!.status!.podIP! : '';
        },
        (v) => v !== '',
      );
      await ctx.clusters.apps.kc.makeApiClient(NetworkingV1Api).createNamespacedNetworkPolicy({
        namespace: ns,
        body: { metadata: { name: 'deny-all' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
      });
      const nc = () =>
        kubectl('apps', ['-n', ns, 'exec', 'client', '--', 'nc', '-v', '-z', '-w', '2', ip, '8080']);
      // the exec route may lag the pod a moment
      const dropped = await until('nc dropped by the deny-all', nc, (r) => /timed out/.test(r.stderr));
      expect(dropped.code).not.toBe(0);
      await applyScenario(ctx, 'policy-enforcement-off');
      const open = await nc();
      expect(open.code, open.stderr).toBe(0);
      await labReset();
      expect((await nc()).stderr).toMatch(/timed out: Operation now in progress/);
    } finally {
      await core('apps')
        .deleteNamespace({ name: ns })
        .catch(() => undefined);
    }
  });

  it('inventory-object-deleted: infra coredns ServiceAccount gone while its Kustomization records it; reset: back', async () => {
    const inventory = async () =>
      (
        (await custom('infra').getNamespacedCustomObject({
          group: 'kustomize.toolkit.fluxcd.io',
          version: 'v1',
          namespace: 'flux-system',
          plural: 'kustomizations',
          name: 'cluster-infra-infrastructure',
        })) as { status?: { inventory?: { entries?: { id: string }[] } } }
      ).status?.inventory?.entries?.map((e) => e.id) ?? [];
    const sa = () =>
      core('infra')
        .readNamespacedServiceAccount({ namespace: 'kube-system', name: 'coredns' })
        .then(
          () => 'present',
          (e: { code?: number }) => (e.code === 404 ? 'gone' : `error ${e.code}`),
        );
    expect(await inventory()).toContain('kube-system_coredns__ServiceAccount');
    expect(await sa()).toBe('present');
    await applyScenario(ctx, 'inventory-object-deleted');
    expect(await sa()).toBe('gone');
    expect(await inventory()).toContain('kube-system_coredns__ServiceAccount');
    await labReset();
    expect(await sa()).toBe('present');
  });

  it('flux-controller-down: apps helm-controller has no pod; reset: a pod whose log kubectl shows', async () => {
    const pods = async () =>
      (
        await core('apps').listNamespacedPod({
          namespace: 'flux-system',
          labelSelector: 'app=helm-controller',
        })
      ).items.filter((p) => !p.metadata?.deletionTimestamp);
    await applyScenario(ctx, 'flux-controller-down');
    await until('no helm-controller pod', pods, (l) => l.length === 0);
    await labReset();
    const [pod] = await until('a helm-controller pod', pods, (l) => l.length === 1);
    const log = await until(
      'its log routed',
      () =>
        kubectl('apps', ['-n', 'flux-system', 'logs', pod!.metadata!.name!, '-c', 'manager', '--tail', '5']),
      (r) => r.code === 0 && /release in-sync with desired state/.test(r.stdout),
    );
    expect(log.stdout).toMatch(/"controllerKind":"HelmRelease"/);
  });

  it('registry-auth-broken: /v2/ with harbor-admin credentials is 401; reset: 200', async () => {
    await applyScenario(ctx, 'registry-auth-broken');
    expect(await registryStatus()).toBe(401);
    await applyScenario(ctx, 'healthy');
    expect(await registryStatus()).toBe(200);
  });

  it('wrong-cluster-identity: apps cluster-settings says infra; reset: apps', async () => {
    await applyScenario(ctx, 'wrong-cluster-identity');
    expect(await clusterSetting('apps')).toBe('infra');
    expect(await clusterSetting('infra')).toBe('infra');
    await applyScenario(ctx, 'healthy');
    expect(await clusterSetting('apps')).toBe('apps');
  });
});
