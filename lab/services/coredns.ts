/**
 * CoreDNS (built from the Go module proxy) for each lab cluster, behind its kube-dns Service:
 * the `kubernetes` plugin reads that cluster's real apiserver through .lab/kubeconfig, so
 * `kubernetes.default.svc.cluster.local` answers with the cluster's real `kubernetes` Service
 * ClusterIP (data: never dialed). Only loopback, and no `forward` (the lab never resolves
 * upstream): plugins errors, health, ready, kubernetes, cache. DNS on UDP and TCP. Run as root, it
 * also answers on the kube-dns ClusterIP's loopback alias, port 53 (lab/core/datapath.ts), as the
 * Service does for pods: what an exec'd `nc`/`dig` in a lab pod reaches.
 */
import fs from 'node:fs';
import path from 'node:path';
import { requireBuilt, serviceArtifacts } from '../build/services/artifacts.js';
import { loopbackFor } from '../core/datapath.js';
import { TOPOLOGY, type LabClusterName } from '../core/topology.js';
import { servicePorts } from './ports.js';
import { probeDns } from './probes.js';
import { procName, serviceDir, type ServicesContext } from './runtime.js';

export function corefile(
  port: number,
  health: number,
  ready: number,
  kubeconfig: string,
  context: string,
  /** the kube-dns ClusterIP's loopback alias to answer on at port 53 as well (needs root) */
  clusterIPAlias?: string,
): string {
  const plugins = `    kubernetes cluster.local in-addr.arpa ip6.arpa {
        kubeconfig ${kubeconfig} ${context}
        pods insecure
        fallthrough in-addr.arpa ip6.arpa
        ttl 30
    }
    cache 30
`;
  const service = clusterIPAlias
    ? `
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
    bind ${clusterIPAlias}
    errors
${plugins}}
`
    : '';
  return `# written by lab/services/coredns.ts
cluster.local:${port} in-addr.arpa:${port} ip6.arpa:${port} {
    bind 127.0.0.1
    errors
    health 127.0.0.1:${health}
    ready 127.0.0.1:${ready}
${plugins}}
${service}`;
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
  // port 53 is privileged: as another user the ClusterIP alias is not served (pods' nc to kube-dns fails)
  const alias = process.getuid?.() === 0 ? loopbackFor(TOPOLOGY[cluster].dnsClusterIP) : undefined;
  fs.writeFileSync(
    file,
    corefile(ports.dns, ports.health, ports.ready, ctx.paths.kubeconfig, context, alias),
  );
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
