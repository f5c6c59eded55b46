/**
 * The simulated kube-proxy of the pod runtime: a ClusterIP Service whose selector matches pods
 * the runtime serves (netexec) gets a TCP listener on its ClusterIP's loopback alias
 * (10.a.b.c -> 127.a.b.c, lab/core/datapath.ts) per port, spreading connections round-robin
 * over the matching pods' aliases and target ports (a ClusterMesh global Service's also over its
 * twin's pods in the clusters this one's agents reach). Services without such pods are left alone
 * (their backends are lab/services processes reached through port-forward routes).
 */
import net from 'node:net';
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { loopbackFor } from '../core/datapath.js';

interface Listener {
  server: net.Server;
  targets: { address: string; port: number }[];
  next: number;
}

function selects(selector: Record<string, string> | undefined, pod: V1Pod): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  const labels = pod.metadata?.labels ?? {};
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

function targetPort(pod: V1Pod, target: number | string | undefined, fallback: number): number | undefined {
  if (target === undefined) return fallback;
  if (typeof target === 'number' || /^\d+$/.test(String(target))) return Number(target);
  for (const c of pod.spec?.containers ?? []) {
    const p = (c.ports ?? []).find((x) => x.name === target);
    if (p) return p.containerPort;
  }
  return undefined;
}

/** Another cluster of the mesh: its Services and the pods the runtime serves there. */
export interface MeshedCluster {
  services: readonly V1Service[];
  pods: readonly V1Pod[];
}

const GLOBAL = 'service.cilium.io/global';
const SHARED = 'service.cilium.io/shared';
const isGlobal = (svc: V1Service) => svc.metadata?.annotations?.[GLOBAL] === 'true';

function backends(svc: V1Service, pods: readonly V1Pod[]): V1Pod[] {
  return pods.filter(
    (p) =>
      p.metadata?.namespace === svc.metadata?.namespace && selects(svc.spec?.selector, p) && p.status?.podIP,
  );
}

/**
 * Cilium's global Service: a Service annotated `service.cilium.io/global: "true"` load-balances over
 * its own backends and those of the Service with the same namespace and name in every connected
 * cluster that is global too and shares them (`service.cilium.io/shared` is not "false").
 */
function remoteBackends(svc: V1Service, m: MeshedCluster): V1Pod[] {
  const twin = m.services.find(
    (s) => s.metadata?.namespace === svc.metadata?.namespace && s.metadata?.name === svc.metadata?.name,
  );
  if (!twin || !isGlobal(twin) || twin.metadata?.annotations?.[SHARED] === 'false') return [];
  return backends(twin, m.pods);
}

/** The pods a Service's ClusterIP spreads over: its own, and a global Service's twins' in the mesh. */
export function serviceBackends(
  svc: V1Service,
  pods: readonly V1Pod[],
  meshed: readonly MeshedCluster[] = [],
): V1Pod[] {
  return [...backends(svc, pods), ...(isGlobal(svc) ? meshed.flatMap((m) => remoteBackends(svc, m)) : [])];
}

export function createServiceProxy(log: (m: string) => void) {
  const listeners = new Map<string, Listener>(); // key: <alias>:<port>

  function open(key: string, address: string, port: number): Listener {
    const l: Listener = { server: net.createServer(), targets: [], next: 0 };
    l.server.on('connection', (client) => {
      if (l.targets.length === 0) return client.destroy();
      const t = l.targets[l.next++ % l.targets.length]!;
      const upstream = net.connect(t.port, t.address);
      client.pipe(upstream).pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', close);
      upstream.on('error', close);
    });
    l.server.on('error', (e) => {
      log(`service proxy ${key}: ${e.message}`);
      listeners.delete(key);
    });
    l.server.listen(port, address, () => log(`service proxy listening on ${key}`));
    listeners.set(key, l);
    return l;
  }

  return {
    /**
     * recompute listeners from the current Services and the pods the runtime serves; `meshed` are
     * the clusters this one's agents reach through ClusterMesh, with their Services and served pods
     */
    sync(
      services: readonly V1Service[],
      servedPods: readonly V1Pod[],
      meshed: readonly MeshedCluster[] = [],
    ): void {
      const want = new Map<
        string,
        { address: string; port: number; targets: { address: string; port: number }[] }
      >();
      for (const svc of services) {
        const ip = svc.spec?.clusterIP;
        if (!ip || ip === 'None' || !/^10\./.test(ip)) continue;
        const pods = serviceBackends(svc, servedPods, meshed);
        if (pods.length === 0) continue;
        for (const sp of svc.spec?.ports ?? []) {
          if ((sp.protocol ?? 'TCP') !== 'TCP') continue;
          const address = loopbackFor(ip);
          const targets = pods.flatMap((p) => {
            const port = targetPort(p, sp.targetPort as number | string | undefined, sp.port);
            return port ? [{ address: loopbackFor(p.status!.podIP!), port }] : [];
          });
          want.set(`${address}:${sp.port}`, { address, port: sp.port, targets });
        }
      }
      for (const [key, l] of listeners) {
        if (!want.has(key)) {
          l.server.close();
          listeners.delete(key);
          log(`service proxy closed ${key}`);
        }
      }
      for (const [key, w] of want) {
        const l = listeners.get(key) ?? open(key, w.address, w.port);
        l.targets = w.targets;
      }
    },
    close(): void {
      for (const l of listeners.values()) l.server.close();
      listeners.clear();
    },
  };
}
