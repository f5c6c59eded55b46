// A DaemonSet's host ports held by it alone (Cilium risk profile PERF-003: Spegel's hostPort 29999
// against Cilium's ports). A DaemonSet runs on every node, so any other pod that declares one of its
// host ports collides with it on that node: the scheduler's NodePorts filter leaves whichever came
// second Pending ("didn't have free ports"), and a hostNetwork pod's containerPorts are host ports
// too (the API server defaults hostPort to them).
import type { V1Container, V1DaemonSet, V1Pod, V1PodSpec } from '@kubernetes/client-node';
import type { Facts } from '../config/index.js';
import type { Probe } from './kubernetes.js';
import { pollWithin } from './poll.js';

export interface HostPort {
  port: number;
  protocol: string;
}

// hostIP is left out: pods on distinct host IPs could share a port, but Spegel binds every address,
// and counting them as a conflict can only err towards red
const key = (p: HostPort) => `${p.port}/${p.protocol}`;

/** The host ports a pod spec binds: declared hostPorts, and every containerPort when hostNetwork. */
export function hostPorts(spec: V1PodSpec | undefined): HostPort[] {
  const containers: V1Container[] = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  return containers.flatMap((c) =>
    (c.ports ?? [])
      .map((p) => ({
        port: p.hostPort ?? (spec?.hostNetwork ? p.containerPort : 0),
        protocol: p.protocol ?? 'TCP',
      }))
      .filter((p) => p.port > 0),
  );
}

const ownedBy = (p: V1Pod, ds: V1DaemonSet) =>
  (p.metadata?.ownerReferences ?? []).some((o) => o.kind === 'DaemonSet' && o.uid === ds.metadata?.uid);

/**
 * Every problem with the DaemonSet's host ports, [] when it has its pods everywhere and no other pod
 * declares any of its host ports: `<port>/<proto> of <ds> also bound by <pod> (node <n> | Pending: <why>)`.
 */
export function hostPortProblems(ds: V1DaemonSet, pods: readonly V1Pod[]): string[] {
  const name = `${ds.metadata?.namespace}/${ds.metadata?.name}`;
  const mine = new Set(hostPorts(ds.spec?.template.spec).map(key));
  const problems: string[] = [];
  for (const p of pods) {
    if (
      ownedBy(p, ds) ||
      p.metadata?.deletionTimestamp ||
      ['Succeeded', 'Failed'].includes(p.status?.phase ?? '')
    )
      continue;
    const shared = hostPorts(p.spec).filter((hp) => mine.has(key(hp)));
    if (!shared.length) continue;
    const unscheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    const where = p.spec?.nodeName
      ? `on node ${p.spec.nodeName}`
      : `Pending: ${unscheduled?.message ?? 'not scheduled'}`;
    problems.push(
      `hostPort ${[...new Set(shared.map(key))].join(', ')} of DaemonSet ${name} also bound by pod ${p.metadata?.namespace}/${p.metadata?.name} (${where})`,
    );
  }
  const s = ds.status;
  if (s && (s.numberAvailable ?? 0) < s.desiredNumberScheduled)
    problems.push(
      `DaemonSet ${name}: ${s.numberAvailable ?? 0} of ${s.desiredNumberScheduled} pods available`,
    );
  return problems;
}

/** The DaemonSet named holds its host ports alone, on every node (polled: a rollout settles). */
export function hostPortsExclusive(
  pick: (f: Facts) => { namespace: string; daemonSet: string },
  timeoutMs = 30_000,
): Probe {
  return async ({ cluster, facts, evidence }) => {
    const { namespace, daemonSet } = pick(facts);
    await pollWithin(
      async () => {
        const ds = await cluster.apps.readNamespacedDaemonSet({ namespace, name: daemonSet });
        const pods = (await cluster.core.listPodForAllNamespaces()).items;
        const ports = hostPorts(ds.spec?.template.spec).map(key);
        const problems = hostPortProblems(ds, pods);
        evidence.json('host-ports', {
          daemonSet: `${namespace}/${daemonSet}`,
          ports,
          status: ds.status,
          problems,
        });
        return ports.length ? problems : [`DaemonSet ${namespace}/${daemonSet} declares no host port`];
      },
      `host ports of DaemonSet ${namespace}/${daemonSet} not held by it alone`,
      timeoutMs,
    ).toEqual([]);
  };
}
