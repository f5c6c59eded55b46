/**
 * The lab's pod runtime (a long-running process started by `lab up`): the simulated datapath
 * for pods the checks deploy. For each Running pod on a KWOK node whose container runs agnhost
 * `netexec`, it serves netexec's HTTP API on the pod IP's loopback alias, routes
 * `kubectl port-forward` of that port there, routes `kubectl exec` to the local shims and
 * `kubectl logs` to the server's request log; all of it goes away with the pod. It also answers
 * the shims' NetworkPolicy verdicts (lab/cluster/policy-verdict.ts) on a loopback endpoint: a
 * denied connection is dropped by the shim, as Cilium drops it.
 *
 * Run: node --import tsx lab/cluster/pod-runtime.ts
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  CoreV1Api,
  makeInformer,
  NetworkingV1Api,
  type V1Pod,
  type V1Service,
} from '@kubernetes/client-node';
import { createLogMirrorer, criLine } from '../core/cri-log.js';
import { loopbackFor } from '../core/datapath.js';
import { loadLabContext } from '../core/index.js';
import type { LabClusterName } from '../core/topology.js';
import { netexecPort, startNetexec } from './netexec.js';
import { createServiceProxy } from './service-proxy.js';
import { policyMode, policyVerdict, type Verdict } from './policy-verdict.js';

const ctx = loadLabContext({ log: (m) => console.log(`${new Date().toISOString()} ${m}`) });
const podLogs = path.join(ctx.paths.data, 'pod-runtime');
fs.mkdirSync(podLogs, { recursive: true });

interface Served {
  uid: string;
  pod: V1Pod;
  /** netexec server, when the pod runs one */
  server?: http.Server;
  port?: number;
}
const served = new Map<string, Served>(); // key: cluster/namespace/name

/** test-client images whose pods get exec/logs routes even without a server (curl/wget/nc via shims) */
const CLIENT_IMAGE = /agnhost|curl|busybox|netshoot|alpine|debian|ubuntu/;

function netexecOf(pod: V1Pod): { container: string; port: number } | undefined {
  for (const c of pod.spec?.containers ?? []) {
    if (!/agnhost/.test(c.image ?? '')) continue;
    const port = netexecPort([...(c.command ?? []), ...(c.args ?? [])]);
    if (port) return { container: c.name, port };
  }
  return undefined;
}

async function stop(cluster: LabClusterName, key: string, ns: string, name: string): Promise<void> {
  const s = served.get(key);
  if (!s) return;
  served.delete(key);
  if (s.server) {
    const srv = s.server;
    // Drop open connections first: close() waits for them, and a half-sent request on a
    // port-forward stream would otherwise stall this pod's teardown (and the runtime) forever.
    const closed = new Promise<void>((r) => srv.close(() => r()));
    srv.closeAllConnections();
    await closed;
  }
  await ctx.routing
    .unroutePod(cluster, ns, name)
    .catch((e: Error) => ctx.log(`unroute ${key}: ${e.message}`));
  ctx.log(`stopped routes${s.server ? ' and netexec' : ''} for ${key}`);
}

async function reconcile(cluster: LabClusterName, pod: V1Pod, deleted: boolean): Promise<void> {
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const key = `${cluster}/${ns}/${name}`;
  const ne = netexecOf(pod);
  const client = (pod.spec?.containers ?? []).some((c) => CLIENT_IMAGE.test(c.image ?? ''));
  const ip = pod.status?.podIP;
  const live =
    !deleted && !pod.metadata?.deletionTimestamp && pod.status?.phase === 'Running' && (ne || client) && ip;
  const current = served.get(key);
  if (!live) {
    if (current) await stop(cluster, key, ns, name);
    return;
  }
  if (current && current.uid === pod.metadata?.uid && current.port === ne?.port) {
    current.pod = pod;
    return;
  }
  if (current) await stop(cluster, key, ns, name);
  const address = loopbackFor(ip);
  const logFile = path.join(podLogs, `${cluster}_${ns}_${name}.log`);
  const out = fs.createWriteStream(logFile, { flags: 'a' });
  try {
    const entry: Served = { uid: pod.metadata?.uid ?? '', pod };
    if (ne) {
      entry.server = await startNetexec({ name, address, port: ne.port, log: (l) => out.write(criLine(l)) });
      entry.port = ne.port;
      entry.server.on('close', () => out.end());
    }
    served.set(key, entry);
    if (ne) {
      await ctx.routing.routePodPort(cluster, {
        namespace: ns,
        pods: [name],
        ports: [ne.port],
        target: { address, port: ne.port },
      });
    }
    await ctx.routing.routeExec(cluster, {
      namespace: ns,
      pods: [name],
      env: {
        PV_LAB_POD_IP: ip,
        PV_LAB_POD: `${ns}/${name}`,
        PV_LAB_CLUSTER: cluster,
        PV_LAB_VERDICT: verdictUrl,
      },
    });
    await ctx.routing.routeLogs(cluster, { namespace: ns, pods: [name], logsFile: logFile, format: 'cri' });
    const what = ne ? `netexec on ${ip}:${ne.port} (lab: ${address}:${ne.port})` : 'exec/logs routes';
    out.write(criLine(`pod runtime: ${what}`));
    if (!ne) out.end();
    ctx.log(`${key}: ${what}`);
  } catch (e) {
    out.end();
    ctx.log(`cannot serve ${key} (${address}): ${(e as Error).message}`);
  }
}

const proxies = new Map(ctx.clusterNames.map((c) => [c, createServiceProxy((m) => ctx.log(`${c}: ${m}`))]));
const serviceLists = new Map<LabClusterName, () => readonly V1Service[]>();
const podLists = new Map<LabClusterName, () => readonly V1Pod[]>();

/**
 * The NetworkPolicy verdict for one connection of a pod of `cluster`: policies, namespaces and
 * cilium-config's enable-policy read live (a policy applies at once), pods and Services from the
 * watches.
 */
async function verdictFor(cluster: LabClusterName, src: string, dst: string, port: number): Promise<Verdict> {
  const kc = ctx.clusters[cluster].kc;
  const core = kc.makeApiClient(CoreV1Api);
  const [policies, namespaces, config] = await Promise.all([
    kc.makeApiClient(NetworkingV1Api).listNetworkPolicyForAllNamespaces(),
    core.listNamespace(),
    core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'cilium-config' }).catch(() => undefined),
  ]);
  return policyVerdict(
    {
      mode: policyMode(config?.data?.['enable-policy']),
      pods: podLists.get(cluster)?.() ?? [],
      served: (p) => !!served.get(`${cluster}/${p.metadata?.namespace}/${p.metadata?.name}`)?.server,
      services: serviceLists.get(cluster)?.() ?? [],
      namespaces: namespaces.items,
      policies: policies.items,
    },
    src,
    dst,
    port,
  );
}

// GET /verdict?cluster=&src=<namespace/name>&dst=&port= -> 200 "allow <reason>" | "deny <reason>"; 400/500 with the
// error (the shim then fails the command: it neither connects nor drops)
const verdictServer = http.createServer((req, res) => {
  const u = new URL(req.url ?? '/', 'http://verdict');
  const cluster = u.searchParams.get('cluster') as LabClusterName;
  const [src, dst, port] = ['src', 'dst', 'port'].map((k) => u.searchParams.get(k) ?? '');
  if (
    u.pathname !== '/verdict' ||
    !ctx.clusterNames.includes(cluster) ||
    !src ||
    !dst ||
    !/^\d+$/.test(port!)
  ) {
    res.writeHead(400).end('usage: /verdict?cluster=infra|apps&src=<namespace>/<pod>&dst=<IP>&port=<n>\n');
    return;
  }
  verdictFor(cluster, src!, dst!, Number(port)).then(
    (v) => {
      if (v.ambiguous) {
        ctx.log(`${cluster}: no policy verdict: ${v.reason}`);
        res.writeHead(409).end(`ambiguous: ${v.reason}\n`);
        return;
      }
      if (!v.allowed) ctx.log(`${cluster}: policy drop: ${v.reason}`);
      res.writeHead(200).end(`${v.allowed ? 'allow' : 'deny'} ${v.reason}\n`);
    },
    (e: Error) => res.writeHead(500).end(`policy verdict: ${e.message}\n`),
  );
});
await new Promise<void>((r) => verdictServer.listen(0, '127.0.0.1', r));
const verdictUrl = `http://127.0.0.1:${(verdictServer.address() as AddressInfo).port}/verdict`;

const servedIn = (cluster: LabClusterName) =>
  [...served.entries()].filter(([k, s]) => k.startsWith(`${cluster}/`) && s.server).map(([, s]) => s.pod);

/**
 * The remotes this cluster's simulated agents have lost (.lab/sim/state.json, written by lab/sim for
 * the exec shims: a scenario's clustermesh-apiserver fault); unreadable state loses none.
 */
function remotesDown(cluster: LabClusterName): string[] {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(ctx.paths.root, 'sim', 'state.json'), 'utf8')) as {
      clusters?: Record<string, { cilium?: { remoteClustersDown?: string[] } }>;
    };
    return state.clusters?.[cluster]?.cilium?.remoteClustersDown ?? [];
  } catch {
    return [];
  }
}

function syncProxy(cluster: LabClusterName): void {
  const down = remotesDown(cluster);
  const meshed = ctx.clusterNames
    .filter((c) => c !== cluster && !down.includes(c) && serviceLists.has(c))
    .map((c) => ({ services: serviceLists.get(c)!(), pods: servedIn(c) }));
  proxies.get(cluster)!.sync(serviceLists.get(cluster)?.() ?? [], servedIn(cluster), meshed);
}

// a global Service's backends change with the other cluster's pods and the mesh's state, which no
// event of this cluster announces: every cluster's proxy is recomputed every 2 s as well
setInterval(() => {
  for (const c of serviceLists.keys()) {
    try {
      syncProxy(c);
    } catch (e) {
      ctx.log(`${c}: service proxy: ${(e as Error).message}`);
    }
  }
}, 2000);

async function watch(cluster: LabClusterName): Promise<void> {
  const kc = ctx.clusters[cluster].kc;
  const core = kc.makeApiClient(CoreV1Api);
  const pods = makeInformer<V1Pod>(kc, '/api/v1/pods', () => core.listPodForAllNamespaces());
  const services = makeInformer<V1Service>(kc, '/api/v1/services', () => core.listServiceForAllNamespaces());
  const syncOwn = () => syncProxy(cluster);
  // reconcile one pod at a time per cluster, in event order
  let chain = Promise.resolve();
  const queue = (pod: V1Pod, deleted: boolean) => {
    chain = chain
      .then(() => reconcile(cluster, pod, deleted))
      .then(syncOwn)
      .catch((e: Error) => ctx.log(`reconcile: ${e.message}`));
  };
  pods.on('add', (p) => queue(p, false));
  pods.on('update', (p) => queue(p, false));
  pods.on('delete', (p) => queue(p, true));
  const resync = () => {
    chain = chain.then(syncOwn).catch((e: Error) => ctx.log(`service proxy: ${e.message}`));
  };
  services.on('add', resync);
  services.on('update', resync);
  services.on('delete', resync);
  for (const [what, inf] of [
    ['pods', pods],
    ['services', services],
  ] as const) {
    inf.on('error', (err: unknown) => {
      ctx.log(`${cluster}: ${what} watch error ${String(err)}; restarting in 3 s`);
      setTimeout(() => void inf.start().catch(() => undefined), 3000);
    });
  }
  await services.start();
  serviceLists.set(cluster, () => services.list());
  podLists.set(cluster, () => pods.list());
  await pods.start();
  ctx.log(`${cluster}: watching pods`);
}

const shutdown = async () => {
  verdictServer.close();
  for (const p of proxies.values()) p.close();
  for (const [key, s] of served) {
    s.server?.close();
    s.server?.closeAllConnections();
    served.delete(key);
  }
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());

// plain log files routed with routeLogs -> CRI-format copies KWOK can serve
const mirrorer = createLogMirrorer(ctx.paths.data);
setInterval(() => {
  try {
    mirrorer.tick();
  } catch (e) {
    ctx.log(`log mirror: ${(e as Error).message}`);
  }
}, 500);

await Promise.all(ctx.clusterNames.map((c) => watch(c)));
