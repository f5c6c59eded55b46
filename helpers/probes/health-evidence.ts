// The component health evidence the QA gate asks for (STORY-VALIDATE-NETWORKING AC12.3, T15): per
// cluster, `cilium status` of every agent, `ceph status` from the Rook toolbox and the `kubectl get
// all -A` inventory, attached under the story's file names (VALIDATE-NET-<what>-<cluster>.txt). It
// captures, it does not judge: health is the other checks' verdict. It fails when a capture could
// not be made (no agent, no toolbox pod, a command that did not run, a kind that could not be
// listed), naming what is missing.
import type { CheckContext } from '../check/index.js';
import { agentStatuses } from './cilium.js';
import { toolboxCephStatus } from './storage.js';
import type { Probe } from './kubernetes.js';

interface Row {
  namespace?: string;
  name?: string;
  detail: string;
}

/** `kubectl get all -A`'s kinds: what each lists and the column that says how it is. */
const INVENTORY: { kind: string; list: (k: CheckContext['cluster']) => Promise<Row[]> }[] = [
  {
    kind: 'pod',
    list: async (k) =>
      (await k.core.listPodForAllNamespaces()).items.map((p) => ({
        ...p.metadata,
        detail: `${p.status?.phase ?? 'Unknown'} node=${p.spec?.nodeName ?? '-'} restarts=${(p.status?.containerStatuses ?? []).reduce((n, c) => n + c.restartCount, 0)}`,
      })),
  },
  {
    kind: 'service',
    list: async (k) =>
      (await k.core.listServiceForAllNamespaces()).items.map((s) => ({
        ...s.metadata,
        detail: `${s.spec?.type ?? 'ClusterIP'} ${s.spec?.clusterIP ?? '-'} ${(s.spec?.ports ?? []).map((p) => `${p.port}/${p.protocol ?? 'TCP'}`).join(',')}`,
      })),
  },
  {
    kind: 'daemonset',
    list: async (k) =>
      (await k.apps.listDaemonSetForAllNamespaces()).items.map((d) => ({
        ...d.metadata,
        detail: `desired=${d.status?.desiredNumberScheduled} ready=${d.status?.numberReady} available=${d.status?.numberAvailable ?? 0}`,
      })),
  },
  {
    kind: 'deployment',
    list: async (k) =>
      (await k.apps.listDeploymentForAllNamespaces()).items.map((d) => ({
        ...d.metadata,
        detail: `ready=${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1} available=${d.status?.availableReplicas ?? 0}`,
      })),
  },
  {
    kind: 'replicaset',
    list: async (k) =>
      (await k.apps.listReplicaSetForAllNamespaces()).items.map((r) => ({
        ...r.metadata,
        detail: `desired=${r.spec?.replicas ?? 1} ready=${r.status?.readyReplicas ?? 0}`,
      })),
  },
  {
    kind: 'statefulset',
    list: async (k) =>
      (await k.apps.listStatefulSetForAllNamespaces()).items.map((s) => ({
        ...s.metadata,
        detail: `ready=${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 1}`,
      })),
  },
  {
    kind: 'job',
    list: async (k) =>
      (await k.batch.listJobForAllNamespaces()).items.map((j) => ({
        ...j.metadata,
        detail: `succeeded=${j.status?.succeeded ?? 0} failed=${j.status?.failed ?? 0}`,
      })),
  },
  {
    kind: 'cronjob',
    list: async (k) =>
      (await k.batch.listCronJobForAllNamespaces()).items.map((c) => ({
        ...c.metadata,
        detail: `schedule=${c.spec?.schedule} last=${c.status?.lastScheduleTime ? new Date(c.status.lastScheduleTime).toISOString() : '-'}`,
      })),
  },
];

/** The inventory as text (one line per object, by kind), and the kinds that could not be listed. */
export async function inventory(k: CheckContext['cluster']): Promise<{ text: string; failed: string[] }> {
  const lines: string[] = [];
  const failed: string[] = [];
  for (const { kind, list } of INVENTORY) {
    try {
      const rows = await list(k);
      lines.push(`# ${kind} (${rows.length})`);
      for (const r of rows.sort((a, b) =>
        `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`),
      ))
        lines.push(`${r.namespace}\t${kind}/${r.name}\t${r.detail}`);
    } catch (e) {
      failed.push(`${kind}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { text: `${lines.join('\n')}\n`, failed };
}

/** Error text of a capture that threw (an assertion's message, an exec that could not start). */
const why = (e: unknown) => (e as Error).message.split('\n')[0];

/**
 * Captures the three and attaches each as `VALIDATE-NET-<cilium-status|ceph-status|inventory>-
 * <cluster>.txt`; fails listing every capture that could not be made.
 */
export function healthEvidenceCaptured(): Probe {
  return async ({ cluster, facts, evidence }) => {
    const name = (what: string) => `VALIDATE-NET-${what}-${cluster.name}.txt`;
    const missing: string[] = [];
    try {
      const { results, withoutAgent } = await agentStatuses(cluster, facts);
      if (!results.length) missing.push(`cilium status: no agent pod matches ${facts.cilium.agentSelector}`);
      const ran = results.filter((r) => r.output.trim());
      evidence.text(
        name('cilium-status'),
        ran.map((r) => `## ${r.pod} (node ${r.node})\n${r.output}`).join('\n'),
      );
      for (const r of results.filter((x) => !x.output.trim()))
        missing.push(`cilium status: ${r.pod} printed nothing`);
      for (const n of withoutAgent) missing.push(`cilium status: node ${n} has no agent pod`);
    } catch (e) {
      missing.push(`cilium status: ${why(e)}`);
    }
    if (facts.storage.ceph.enabled) {
      try {
        const s = await toolboxCephStatus(cluster, facts.storage.ceph, evidence);
        evidence.text(name('ceph-status'), `${JSON.stringify(s, null, 2)}\n`);
      } catch (e) {
        missing.push(`ceph status: ${why(e)}`);
      }
    }
    const inv = await inventory(cluster);
    evidence.text(name('inventory'), inv.text);
    missing.push(...inv.failed.map((f) => `kubectl get all -A: ${f}`));
    if (missing.length)
      throw new Error(`health evidence not captured on ${cluster.name}: ${missing.join('; ')}`);
  };
}
