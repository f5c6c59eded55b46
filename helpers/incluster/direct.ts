// In-cluster mode: targets are dialed directly (Service DNS name / pod IP, or the address map's
// entry) instead of through an API-server port-forward. The result keeps the Tunnel shape (a
// 127.0.0.1 listener relaying each connection to the address) so every protocol client and check
// works unchanged; the relay is an in-process hop, the network path is pod -> Service.
import net from 'node:net';
import { errorText } from '../cluster/errors.js';
import { where, type ClusterHandle } from '../cluster/handle.js';
import { describeTarget, resolveTarget, type TunnelTarget } from '../tunnel/resolve.js';
import { newTunnelStats, type Tunnel, type TunnelOptions, type TunnelStats } from '../tunnel/types.js';
import { loadAddressMap, lookupAddress, type Address, type AddressMap } from './address-map.js';
import { guardAddress } from './guard.js';
import { setting } from '../config/settings.js';

export { PV_MODE_IN_CLUSTER, inClusterMode } from './mode.js';

let cachedMap: { file: string; map: AddressMap } | undefined;
function addressMap(env: NodeJS.ProcessEnv): AddressMap {
  const file = setting('PV_INCLUSTER_ADDRESS_MAP', env);
  if (!file) return {};
  if (cachedMap?.file !== file) cachedMap = { file, map: loadAddressMap(file) };
  return cachedMap.map;
}

export interface DirectAddress extends Address {
  /** how it was chosen, for errors and evidence */
  via: 'address-map' | 'service-dns' | 'pod-ip';
  pod: string;
  podPort: number;
}

/**
 * Where to dial `spec` from inside the cluster. The target is always resolved through the API
 * first (a Service must have a ready endpoint, as with tunnels), then: the address map's entry for
 * that pod port, else the Service's DNS name and service port, else the pod IP and container port.
 */
export async function directAddress(
  cluster: ClusterHandle,
  spec: TunnelTarget,
  env: NodeJS.ProcessEnv = process.env,
  exclude: ReadonlySet<string> = new Set(),
): Promise<DirectAddress> {
  const r = await resolveTarget(cluster, spec, exclude);
  const mapped = lookupAddress(addressMap(env), cluster.name, r.namespace, r.pod, r.port);
  let a: DirectAddress;
  if (mapped) a = { ...mapped, via: 'address-map', pod: r.pod, podPort: r.port };
  else if (spec.kind === 'Service') {
    const svc = await cluster.core.readNamespacedService({ namespace: spec.namespace, name: spec.name });
    const sp = (svc.spec?.ports ?? []).find((p) =>
      typeof spec.port === 'number' || /^\d+$/.test(String(spec.port))
        ? p.port === Number(spec.port)
        : p.name === spec.port,
    );
    const domain = setting('PV_CLUSTER_DOMAIN', env) ?? 'cluster.local';
    a = {
      host: `${spec.name}.${spec.namespace}.svc.${domain}`,
      port: sp?.port ?? Number(spec.port),
      via: 'service-dns',
      pod: r.pod,
      podPort: r.port,
    };
  } else {
    const pod = await cluster.core.readNamespacedPod({ namespace: r.namespace, name: r.pod });
    const ip = pod.status?.podIP;
    if (!ip) throw new Error(`pod ${r.namespace}/${r.pod} has no IP yet`);
    a = { host: ip, port: r.port, via: 'pod-ip', pod: r.pod, podPort: r.port };
  }
  guardAddress(a.host, `direct connection to ${describeTarget(spec)} on ${where(cluster)} (${a.via})`, env);
  return a;
}

function connect(a: Address, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: a.host, port: a.port });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect to ${a.host}:${a.port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.setNoDelay(true);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

const open = new Set<Tunnel>();
export async function closeAllDirectTunnels(): Promise<void> {
  await Promise.allSettled([...open].map((t) => t.close()));
}

/** The in-cluster counterpart of openTunnel (same contract; proof = a TCP connect to the address). */
export async function openDirectTunnel(
  cluster: ClusterHandle,
  spec: TunnelTarget,
  opts: TunnelOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): Promise<Tunnel> {
  const timeoutMs = opts.openTimeoutMs ?? 20_000;
  const label = `direct connection to ${describeTarget(spec)} on ${where(cluster)}`;
  const t0 = Date.now();
  let addr: DirectAddress;
  try {
    addr = await directAddress(cluster, spec, env);
    if (!opts.skipProof) (await connect(addr, timeoutMs)).destroy();
  } catch (e) {
    throw new Error(`${label}: ${errorText(e)}`, { cause: e });
  }
  const stats: TunnelStats = newTunnelStats();
  const errors: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((local) => {
    stats.connections++;
    stats.active++;
    sockets.add(local);
    local.pause();
    const done = (why?: string) => {
      if (!sockets.delete(local)) return;
      stats.active--;
      if (why) {
        stats.failed++;
        errors.push(why);
        if (errors.length > 20) errors.shift();
        local.destroy();
      }
    };
    const dial = async (): Promise<net.Socket> => {
      try {
        return await connect(addr, timeoutMs);
      } catch (first) {
        // the pod behind may be gone: resolve again once, avoiding it
        stats.reresolved++;
        addr = await directAddress(cluster, spec, env, new Set([addr.pod]));
        stats.retried++;
        return connect(addr, timeoutMs).catch((e) => {
          throw new Error(`${errorText(first)}; then ${errorText(e)}`);
        });
      }
    };
    dial().then(
      (remote) => {
        sockets.add(remote);
        local.on('data', (d: Buffer) => (stats.bytesToRemote += d.length));
        remote.on('data', (d: Buffer) => (stats.bytesFromRemote += d.length));
        local.pipe(remote);
        remote.pipe(local);
        local.resume();
        const end = (why?: string) => {
          sockets.delete(remote);
          done(why);
          remote.destroy();
          local.destroy();
        };
        remote.on('error', (e) => end(`remote ${addr.host}:${addr.port}: ${e.message}`));
        local.on('error', () => end());
        remote.on('close', () => end());
        local.on('close', () => end());
      },
      (e) => done(`${label}: ${errorText(e)}`),
    );
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res());
  });
  server.unref();
  const tunnel: Tunnel = {
    host: '127.0.0.1',
    port: (server.address() as net.AddressInfo).port,
    target: { namespace: spec.namespace, pod: addr.pod, port: addr.podPort },
    spec,
    stats,
    errors,
    proofMs: Date.now() - t0,
    close: async () => {
      open.delete(tunnel);
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
  open.add(tunnel);
  return tunnel;
}
