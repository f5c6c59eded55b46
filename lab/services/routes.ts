/**
 * Route the simulated pods of the catalogue to the real local processes (KWOK PortForward /
 * Logs / Exec through ctx.routing), so `kubectl port-forward|logs|exec` and the framework's
 * tunnels reach them through the real apiserver.
 * - Fixed pod names (StatefulSet-like: postgres, dragonfly, kafka): per-pod routes, created
 *   before the pods exist.
 * - Deployment pods (random names): a namespace rule per container port when that port is
 *   unique among the namespace's Deployment-backed services (schema-registry, harbor, kube-dns),
 *   plus per-pod routes for the pods found by label selector (needed for the four poolers,
 *   which share port 5432 in cnpg-system). Call routeServices again after creating such pods.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { LabClusterName } from '../core/topology.js';
import { serviceCatalogue, type ServiceEntry } from './catalogue.js';
import { pgpassFile } from './postgres.js';
import { procName, type ServicesContext } from './runtime.js';

function selectorString(sel: Record<string, string>): string {
  return Object.entries(sel)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

async function podsBySelector(ctx: ServicesContext, e: ServiceEntry): Promise<string[]> {
  const kc = ctx.clusters?.[e.cluster]?.kc;
  if (!kc) return [];
  const core = kc.makeApiClient(CoreV1Api);
  try {
    const list = await core.listNamespacedPod({
      namespace: e.namespace,
      labelSelector: selectorString(e.selector),
    });
    return list.items.map((p) => p.metadata?.name).filter((n): n is string => !!n);
  } catch (err) {
    if ((err as { code?: number }).code === 404) return [];
    throw err;
  }
}

/**
 * Returns how many pods got per-pod routes. `only`: route just these services (e.g. after
 * restarting one). No-op without ctx.routing (dev mode).
 */
export async function routeServices(ctx: ServicesContext, only?: string[]): Promise<number> {
  const routing = ctx.routing;
  if (!routing) return 0;
  const clusters = new Set<LabClusterName>(ctx.clusterNames ?? []);
  const entries = serviceCatalogue().filter(
    (e) => clusters.has(e.cluster) && (!only || only.includes(e.name)),
  );
  let routed = 0;

  const deploymentBacked = entries.filter((e) => !e.pods);
  for (const e of deploymentBacked) {
    const samePort = deploymentBacked.filter(
      (o) => o.cluster === e.cluster && o.namespace === e.namespace && o.containerPort === e.containerPort,
    );
    if (samePort.length === 1) {
      await routing.routePodPort(e.cluster, {
        namespace: e.namespace,
        ports: [e.containerPort],
        target: { address: '127.0.0.1', port: e.localPort },
      });
    }
  }

  for (const e of entries) {
    const pods = e.pods ?? (await podsBySelector(ctx, e));
    if (pods.length === 0) continue;
    await routing.routePodPort(e.cluster, {
      namespace: e.namespace,
      pods,
      ports: [e.containerPort],
      target: { address: '127.0.0.1', port: e.localPort },
    });
    await routing.routeLogs(e.cluster, {
      namespace: e.namespace,
      pods,
      containers: [e.container],
      // a plain text log: the lab's routing mirrors it into the CRI format KWOK reads
      logsFile: ctx.procs.logFile(procName(e.name)),
    });
    if (e.kind === 'postgres') {
      // `kubectl exec shared-postgres-N -- psql -U postgres -c ...` runs the host's psql against that instance
      await routing.routeExec(e.cluster, {
        namespace: e.namespace,
        pods,
        containers: [e.container],
        env: {
          PGHOST: '127.0.0.1',
          PGPORT: String(e.localPort),
          PGPASSFILE: pgpassFile(ctx),
          PGDATABASE: 'postgres',
        },
      });
    }
    routed += pods.length;
  }
  return routed;
}
