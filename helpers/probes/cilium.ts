// The mechanisms of the Cilium checks (suites/networking/cilium.test.ts): each agent's own status
// report, the connectivity matrix's findings, an LB-IPAM address for a fresh Service, the
// zero-disruption pod baseline and the Helm values compared with the peer clusters. Each returns what
// the check asserts on, worded so that a failure names the object, the expected and the seen value.
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { Facts } from '../config/index.js';
import type { CheckEvidence } from '../check/index.js';
import { CONVERGE_POLL_MS, exec, type ClusterHandle } from '../cluster/index.js';
import { CILIUM_STATUS_COMMAND, CILIUM_STATUS_JSON_COMMAND } from '../reads/access.js';
import {
  baselinePath,
  compareBaseline,
  readBaseline,
  writeBaseline,
  type BaselineDiff,
  type PodSnapshot,
} from '../reads/baseline.js';
import { clusterMeshProblems, parseAgentStatus, type AgentStatus } from '../reads/cilium.js';
import { deployMatrix, matrixTable, runMatrix, type Matrix } from '../reads/connectivity.js';
import { fixtureYaml } from '../reads/fixtures.js';
import { GVR, getCustom, listPods, restartCounts, servedGvr, type KObject } from '../reads/k8s.js';
import { peerClustersOrEvidence } from './peers.js';
import { diffValues } from '../reads/values.js';
import { setting } from '../config/settings.js';

export interface AgentReport extends AgentStatus {
  pod: string;
  node: string;
  /** what `cilium-dbg status` printed (stdout + stderr) */
  output: string;
}

interface AgentOutput {
  pod: string;
  node: string;
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** `command` run in the agent pod of every node; `withoutAgent` lists the nodes that have none. */
async function inEveryAgent(
  k: ClusterHandle,
  facts: Facts,
  command: readonly string[],
): Promise<{ outputs: AgentOutput[]; withoutAgent: string[] }> {
  const { namespace, agentSelector, agentContainer } = facts.cilium;
  const pods = await listPods(k, namespace, agentSelector);
  const nodes = (await k.core.listNode()).items.map((n) => n.metadata!.name!);
  const outputs: AgentOutput[] = [];
  for (const p of pods) {
    const r = await exec(k, {
      namespace,
      pod: p.metadata!.name!,
      container: agentContainer,
      command: [...command],
      timeoutMs: 20_000,
    });
    outputs.push({ pod: p.metadata!.name!, node: p.spec?.nodeName ?? '', ...r });
  }
  const withoutAgent = nodes.filter((n) => !outputs.some((o) => o.node === n));
  return { outputs, withoutAgent };
}

/** One agent pod per node, each asked for its status; `withoutAgent` lists the nodes that have none. */
export async function agentStatuses(
  k: ClusterHandle,
  facts: Facts,
): Promise<{ results: AgentReport[]; withoutAgent: string[] }> {
  const { outputs, withoutAgent } = await inEveryAgent(k, facts, CILIUM_STATUS_COMMAND);
  const results = outputs.map((o) => ({
    pod: o.pod,
    node: o.node,
    ...parseAgentStatus(o.stdout, o.exitCode),
    output: o.stdout + o.stderr,
  }));
  return { results, withoutAgent };
}

/**
 * Every agent's ClusterMesh view (`cilium-dbg status -o json`, what `cilium clustermesh status`
 * reads) against facts.cilium.clusterMesh.remoteClusters: `<pod>@<node>: <problem>` for each agent
 * that does not report every remote connected, synced and ready.
 */
export async function clusterMeshFindings(
  k: ClusterHandle,
  facts: Facts,
  evidence: CheckEvidence,
): Promise<{ problems: string[]; agents: number; withoutAgent: string[] }> {
  const { outputs, withoutAgent } = await inEveryAgent(k, facts, CILIUM_STATUS_JSON_COMMAND);
  const problems: string[] = [];
  for (const o of outputs) {
    evidence.text(`cilium-status-${o.pod}.json`, o.stdout + o.stderr);
    const found =
      o.exitCode === 0
        ? clusterMeshProblems(o.stdout, facts.cilium.clusterMesh.remoteClusters)
        : [`cilium-dbg status -o json exited ${o.exitCode}: ${o.stderr.trim().slice(0, 200)}`];
    problems.push(...found.map((p) => `${o.pod}@${o.node}: ${p}`));
  }
  return { problems, agents: outputs.length, withoutAgent };
}

/** `<pod>@<node>: <problems>` for each agent whose status is not healthy. */
export function unhealthyAgents(results: readonly AgentReport[]): string[] {
  return results.filter((r) => !r.ok).map((r) => `${r.pod}@${r.node}: ${r.problems.join('; ')}`);
}

/**
 * `<pod>: <Encryption value>` for each agent not reporting working WireGuard: the Encryption line
 * must be Wireguard with its `[NodeEncryption: …, <iface> (Pubkey: …, Port: …, Peers: …)]` list. An
 * agent whose WireGuard status call errored prints `Wireguard <error>` instead, and is named here.
 */
export function agentsNotOnWireGuard(results: readonly AgentReport[]): string[] {
  return results.filter((r) => !r.wireguard).map((r) => `${r.pod}: ${r.encryption ?? 'no Encryption line'}`);
}

/** What the matrix shows: each failed cell, the number of nodes and of cross-node pod-to-pod pairs. */
export function matrixFindings(m: Matrix): { failed: string[]; nodes: number; crossNode: number } {
  return {
    failed: m.cells
      .filter((c) => !c.ok)
      .map((c) => `${c.kind} ${c.client}@${c.clientNode} -> ${c.target}: ${c.answer || 'no answer'}`),
    nodes: new Set(m.servers.map((s) => s.node)).size,
    crossNode: m.cells.filter((c) => c.kind === 'pod-to-pod' && c.clientNode !== c.targetNode).length,
  };
}

/** Deploys the netexec matrix in `namespace` (the run's), runs it and attaches layout and cells. */
export async function connectivityMatrix(
  k: ClusterHandle,
  facts: Facts,
  namespace: string,
  evidence: CheckEvidence,
): Promise<ReturnType<typeof matrixFindings>> {
  const layout = await deployMatrix(k, facts, namespace, 'pv-conn');
  evidence.json('layout', layout);
  const matrix = await runMatrix(k, namespace, layout, facts.connectivity.port);
  evidence.text('matrix.txt', matrixTable(matrix));
  evidence.json('matrix', matrix.cells);
  return matrixFindings(matrix);
}

/**
 * CiliumLoadBalancerIPPool versions, preferred first: v2 is the storage version upstream
 * (pkg/k8s/apis/cilium.io/v2/lbipam_types.go); v2alpha1 is deprecated, still served by older Cilium.
 */
export const LB_POOL_VERSIONS = ['v2', 'v2alpha1'] as const;

/**
 * The CIDRs of a CiliumLoadBalancerIPPool's spec.blocks (the pool is attached), read at the first
 * of LB_POOL_VERSIONS the API server serves (API discovery).
 */
export async function poolBlocks(k: ClusterHandle, name: string, evidence: CheckEvidence) {
  const gvr = await servedGvr(
    k,
    { group: 'cilium.io', version: LB_POOL_VERSIONS[0]!, plural: 'ciliumloadbalancerippools' },
    LB_POOL_VERSIONS,
  );
  const pool = await getCustom(k, gvr, undefined, name);
  evidence.status(pool);
  return ((pool.spec?.blocks as { cidr?: string }[] | undefined) ?? []).map((b) => b.cidr);
}

/**
 * Creates the LoadBalancer Service pv-lb (fixtures/networking/lb-service.yaml) in `namespace` (the
 * run's), waits for its first ingress IP and removes the Service again. Fails naming the Service
 * when no address is assigned within `timeoutMs`.
 */
export async function loadBalancerAddress(
  k: ClusterHandle,
  namespace: string,
  evidence: CheckEvidence,
  timeoutMs = 45_000,
): Promise<string> {
  const svc = fixtureYaml<V1Service>('networking/lb-service.yaml');
  const name = 'pv-lb';
  svc.metadata = { ...svc.metadata, name, namespace };
  await k.core.createNamespacedService({ namespace, body: svc });
  try {
    let ip = '';
    await expect
      .poll(
        async () => {
          const s = await k.core.readNamespacedService({ namespace, name });
          evidence.status(s);
          ip = s.status?.loadBalancer?.ingress?.[0]?.ip ?? '';
          return ip;
        },
        {
          timeout: timeoutMs,
          interval: CONVERGE_POLL_MS,
          message: `Service ${namespace}/${name} got no LoadBalancer address`,
        },
      )
      .not.toBe('');
    return ip;
  } finally {
    await k.core.deleteNamespacedService({ namespace, name }).catch(() => undefined);
  }
}

export type BaselineOutcome =
  { compared: false; reason: string } | { compared: true; recordedAt: string; diff: BaselineDiff };

/** What storedBaseline answers: nothing to compare (with the reason, for a skip), or the stored state. */
export type Stored<T> = { compared: false; reason: string } | { compared: true; stored: T & Recorded };

interface Recorded {
  cluster: string;
  clusterUid: string;
  recordedAt: string;
}

/**
 * A baseline `<cluster>-<name>.json` (helpers/reads/baseline.ts) belongs to one incarnation of the
 * cluster (kube-system's UID): when there is none, it belongs to an earlier one, or PV_BASELINE=write
 * is set, `current` is recorded and nothing is compared (`reason` says why, for a skip: a check that
 * only records never passes). Otherwise the stored state is answered. Attaches both.
 */
export async function storedBaseline<T extends object>(
  k: ClusterHandle,
  name: string,
  current: T,
  evidence: CheckEvidence,
): Promise<Stored<T>> {
  const clusterUid = (await k.core.readNamespace({ name: 'kube-system' })).metadata!.uid!;
  const file = baselinePath(k.name, name);
  const stored = (await readBaseline(file)) as (T & Partial<Recorded>) | undefined;
  const fresh = { cluster: k.name, clusterUid, recordedAt: new Date().toISOString(), ...current };
  evidence.json('current', fresh);
  const rewrite = setting('PV_BASELINE') === 'write';
  if (!stored || rewrite || stored.clusterUid !== clusterUid) {
    await writeBaseline(file, fresh);
    const why = !stored
      ? 'none existed'
      : rewrite
        ? 'PV_BASELINE=write'
        : 'cluster rebuilt: kube-system UID changed';
    evidence.text(
      'baseline.txt',
      `baseline ${stored ? 're' : ''}written to ${file} (${why}); later runs compare against it\n`,
    );
    // keep the file between runs (a CI cache or artifact) or every fresh checkout only records
    return {
      compared: false,
      reason: `no baseline to compare with (${why}): recorded ${file}; the next run compares against it`,
    };
  }
  evidence.json('baseline', stored);
  return { compared: true, stored: stored as T & Recorded };
}

/** The zero-disruption baseline of `pods` (storedBaseline `<cluster>-<name>.json`), compared: UIDs, restarts. */
export async function comparePodBaseline(
  k: ClusterHandle,
  what: { name: string; namespace: string; selector: string; pods: readonly V1Pod[] },
  evidence: CheckEvidence,
): Promise<BaselineOutcome> {
  const current: PodSnapshot[] = what.pods
    .map((p) => ({
      name: p.metadata!.name!,
      uid: p.metadata!.uid!,
      node: p.spec?.nodeName ?? '',
      startTime: String(p.status?.startTime ?? ''),
      restarts: restartCounts(p),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  const b = await storedBaseline(
    k,
    what.name,
    { selector: what.selector, namespace: what.namespace, pods: current },
    evidence,
  );
  if (!b.compared) return b;
  const diff = compareBaseline(b.stored.pods, current);
  evidence.json('diff', diff);
  return { compared: true, recordedAt: b.stored.recordedAt, diff };
}

/** Each node's IPAM pod CIDRs (CiliumNode spec.ipam.podCIDRs), sorted: what Post-IPAM compares. */
export function ipamAllocations(nodes: readonly KObject[]): Record<string, string[]> {
  return Object.fromEntries(
    nodes
      .map(
        (n) =>
          [
            n.metadata?.name ?? '',
            [...((n.spec?.ipam as { podCIDRs?: string[] } | undefined)?.podCIDRs ?? [])].sort(),
          ] as const,
      )
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** How the allocations differ from the baseline's: `<node>: <was> -> <now>`, gone and new nodes. Pure. */
export function ipamChanges(baseline: Record<string, string[]>, current: Record<string, string[]>): string[] {
  const show = (c: string[] | undefined) => (c?.length ? c.join(',') : 'none');
  const out: string[] = [];
  for (const [node, was] of Object.entries(baseline)) {
    const now = current[node];
    if (!now) out.push(`${node}: ${show(was)} -> node gone`);
    else if (show(now) !== show(was)) out.push(`${node}: ${show(was)} -> ${show(now)}`);
  }
  for (const [node, now] of Object.entries(current))
    if (!(node in baseline)) out.push(`${node}: new node with ${show(now)}`);
  return out;
}

/**
 * The cilium HelmRelease's inline values (spec.values) here and on every peer cluster, compared
 * except the keys either side declares cluster-specific. `differences` reads `<key>: <here>=<value>
 * <peer>=<value>`; `notCompared` names the valuesFrom sources (ConfigMaps/Secrets), whose values
 * are not in spec.values. With no peers nothing is compared nor attached (`peers` is 0); when the
 * peers cannot be proven, their refusal is the evidence and the error is thrown.
 */
export async function compareValuesWithPeers(
  k: ClusterHandle,
  facts: Facts,
  evidence: CheckEvidence,
): Promise<{ peers: number; differences: string[]; notCompared: string[] }> {
  const { namespace, name } = facts.cilium.helmRelease;
  const mineHr = await getCustom(k, GVR.helmRelease, namespace, name);
  const mine = mineHr.spec?.values ?? {};
  const fromRefs = (hr: KObject, cluster: string) =>
    ((hr.spec?.valuesFrom as { kind?: string; name?: string }[] | undefined) ?? []).map(
      (v) => `${cluster}: ${v.kind}/${v.name}`,
    );
  const notCompared = fromRefs(mineHr, k.name);
  const peers = await peerClustersOrEvidence(k.name, evidence);
  if (peers.length === 0) return { peers: 0, differences: [], notCompared };
  const report: Record<string, unknown> = {};
  const differences: string[] = [];
  for (const p of peers) {
    const ref = p.facts.cilium.helmRelease;
    const theirHr = await getCustom(p.cluster, GVR.helmRelease, ref.namespace, ref.name);
    const theirs = theirHr.spec?.values ?? {};
    notCompared.push(...fromRefs(theirHr, p.cluster.name));
    const diff = diffValues(mine, theirs, [
      ...new Set([...facts.cilium.clusterSpecificValues, ...p.facts.cilium.clusterSpecificValues]),
    ]);
    report[`${k.name}-vs-${p.cluster.name}`] = diff;
    for (const d of diff)
      differences.push(
        `${d.key}: ${k.name}=${JSON.stringify(d.left)} ${p.cluster.name}=${JSON.stringify(d.right)}`,
      );
  }
  evidence.json('values-diff', { ...report, notCompared });
  return { peers: peers.length, differences, notCompared };
}
