/**
 * CoreDNS (built from the Go module proxy) for each lab cluster, behind its kube-dns Service:
 * the `kubernetes` plugin reads that cluster's real apiserver through .lab/kubeconfig, so
 * `kubernetes.default.svc.cluster.local` answers with the cluster's real `kubernetes` Service
 * ClusterIP (data: never dialed). Only loopback, and no `forward` (the lab never resolves
 * upstream): plugins errors, health, ready, kubernetes, cache. DNS on UDP and TCP.
 */
import fs from 'node:fs';
import path from 'node:path';
import { requireBuilt, serviceArtifacts } from '../build/services/artifacts.js';
import type { LabClusterName } from '../core/topology.js';
import { servicePorts } from './ports.js';
import { probeDns } from './probes.js';
import { procName, serviceDir, type ServicesContext } from './runtime.js';

export function corefile(
  port: number,
  health: number,
  ready: number,
  kubeconfig: string,
  context: string,
): string {
  return `# written by lab/services/coredns.ts
cluster.local:${port} in-addr.arpa:${port} ip6.arpa:${port} {
    bind 127.0.0.1
    errors
    health 127.0.0.1:${health}
    ready 127.0.0.1:${ready}
    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig} ${context}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    cache 30
}
`;
}

export async function startCoreDNS(ctx: ServicesContext, cluster: LabClusterName): Promise<void> {
  const a = serviceArtifacts(ctx.paths.cache);
  requireBuilt(a.corednsDir, 'CoreDNS');
  if (!fs.existsSync(ctx.paths.kubeconfig)) {
    throw new Error(
      `CoreDNS for ${cluster} needs ${ctx.paths.kubeconfig} (written by lab up once the control planes run)`,
    );
  }
  const ports = servicePorts().coredns[cluster];
  const dir = serviceDir(ctx, `coredns-${cluster}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'Corefile');
  const context = ctx.clusters?.[cluster]?.context ?? `lab-${cluster}`;
  fs.writeFileSync(file, corefile(ports.dns, ports.health, ports.ready, ctx.paths.kubeconfig, context));
  await ctx.procs.start({
    name: procName(`coredns-${cluster}`),
    command: a.coredns,
    args: ['-conf', file],
    cwd: dir,
    ports: [ports.dns, ports.health, ports.ready],
    group: 'services',
    ready: async () => (await probeDns(ports.dns)).ok,
    readyTimeoutMs: 60_000,
  });
}

export async function stopCoreDNS(ctx: ServicesContext, cluster: LabClusterName): Promise<void> {
  await ctx.procs.stop(procName(`coredns-${cluster}`), 5_000);
}
