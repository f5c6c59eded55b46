/**
 * Cilium CNI (STORY-VALIDATE-NETWORKING AC2; Cilium risk profile TECH-001/TECH-002/TECH-007/SEC-001).
 *
 * Reads: the agent pods and their `cilium-dbg status` (exec), the Hubble relay (gRPC through a
 * tunnel), CiliumLoadBalancerIPPool, GatewayClass/Gateway, the cilium HelmRelease values (on this
 * and the peer cluster). Writes only in the run namespace: netexec client/server pods + a ClusterIP
 * Service for the connectivity matrix, a LoadBalancer Service for LB-IPAM. Zero-disruption baseline:
 * `docs/qa/baselines/<cluster>-cilium-pods.json` (see helpers/checks/baseline.ts).
 *
 * Lab: the datapath is simulated. `cilium-dbg` is a shim answering from lab/sim state; netexec
 * pods are served by lab pod-runtime on loopback pod IPs, which also stands in for the Service
 * load-balancing of the pod-to-service leg; LB-IPAM, Gateway status and the HelmRelease are
 * objects/status written by lab/sim; the Hubble relay is a lab gRPC stub.
 */
import { expect } from 'vitest';
import { check } from '../../helpers/check/index.js';
import { CONVERGE_POLL_MS, exec } from '../../helpers/cluster/index.js';
import {
  baselinePath,
  compareBaseline,
  describeDiff,
  isClean,
  readBaseline,
  writeBaseline,
  type PodSnapshot,
} from '../../helpers/checks/baseline.js';
import { CILIUM_STATUS_COMMAND } from '../../helpers/checks/access.js';
import { parseAgentStatus } from '../../helpers/checks/cilium.js';
import { deployMatrix, matrixTable, runMatrix } from '../../helpers/checks/connectivity.js';
import { fixtureYaml } from '../../helpers/checks/fixtures.js';
import { grpcUnaryEmpty } from '../../helpers/checks/grpc.js';
import {
  GVR,
  describeCondition,
  getCustom,
  listPods,
  podReady,
  restartCounts,
  type ClusterHandle,
} from '../../helpers/checks/k8s.js';
import { inCidr } from '../../helpers/checks/net.js';
import { peerClusters } from '../../helpers/checks/peers.js';
import { withTunnel } from '../../helpers/checks/tunnel.js';
import { diffValues, valueAt } from '../../helpers/checks/values.js';
import type { Facts } from '../../helpers/config/facts.js';
import type { V1Service } from '@kubernetes/client-node';

const BOTH = ['infra', 'apps'];
const STORY = 'STORY-VALIDATE-NETWORKING';

/** One agent pod per node, each asked for its status. */
async function agentStatuses(k: ClusterHandle, facts: Facts) {
  const { namespace, agentSelector, agentContainer } = facts.cilium;
  const pods = await listPods(k, namespace, agentSelector);
  const nodes = (await k.core.listNode()).items.map((n) => n.metadata!.name!);
  const results: (ReturnType<typeof parseAgentStatus> & { pod: string; node: string; output: string })[] = [];
  for (const p of pods) {
    const r = await exec(k, {
      namespace,
      pod: p.metadata!.name!,
      container: agentContainer,
      command: [...CILIUM_STATUS_COMMAND],
      timeoutMs: 20_000,
    });
    results.push({
      pod: p.metadata!.name!,
      node: p.spec?.nodeName ?? '',
      ...parseAgentStatus(r.stdout, r.exitCode),
      output: r.stdout + r.stderr,
    });
  }
  const withoutAgent = nodes.filter((n) => !results.some((r) => r.node === n));
  return { results, withoutAgent };
}

check(
  {
    id: 'NET-CILIUM-001',
    title: 'cilium-dbg status is healthy on the agent of every node',
    priority: 'P0',
    component: 'cilium',
    clusters: BOTH,
    story: STORY,
    ac: ['AC2'],
    risks: ['TECH-001', 'TECH-004'],
    suggestedAction:
      'kubectl -n kube-system exec <cilium pod> -c cilium-agent -- cilium-dbg status --verbose',
    timeoutMs: 90_000,
  },
  async ({ cluster, facts, evidence }) => {
    const { results, withoutAgent } = await agentStatuses(cluster, facts);
    for (const r of results) evidence.text(`cilium-status-${r.pod}.txt`, r.output);
    evidence.json(
      'agents',
      results.map(({ output: _o, ...r }) => r),
    );
    expect(
      withoutAgent,
      `nodes without a cilium agent pod (${facts.cilium.agentSelector}): ${withoutAgent.join(', ')}`,
    ).toEqual([]);
    const unhealthy = results.filter((r) => !r.ok).map((r) => `${r.pod}@${r.node}: ${r.problems.join('; ')}`);
    expect(unhealthy, `unhealthy cilium agents: ${unhealthy.join(' | ')}`).toEqual([]);
  },
);

check(
  {
    id: 'NET-CILIUM-002',
    title: 'pod-to-pod and pod-to-service connectivity works within and across nodes',
    priority: 'P0',
    component: 'cilium',
    clusters: BOTH,
    story: STORY,
    ac: ['AC2'],
    risks: ['TECH-001', 'OPS-002'],
    suggestedAction:
      'cilium connectivity test --test pod-to-pod,pod-to-service; hubble observe --verdict DROPPED',
    timeoutMs: 180_000,
  },
  async ({ cluster: k, facts, evidence, run }) => {
    const namespace = await run.namespace();
    const layout = await deployMatrix(k, facts, namespace, 'pv-conn');
    evidence.json('layout', layout);
    const nodes = new Set(layout.servers.map((s) => s.node));
    const matrix = await runMatrix(k, namespace, layout, facts.connectivity.port);
    evidence.text('matrix.txt', matrixTable(matrix));
    evidence.json('matrix', matrix.cells);
    const failed = matrix.cells
      .filter((c) => !c.ok)
      .map((c) => `${c.kind} ${c.client}@${c.clientNode} -> ${c.target}: ${c.answer || 'no answer'}`);
    expect(failed, `connectivity failures: ${failed.join(' | ')}`).toEqual([]);
    const crossNode = matrix.cells.filter(
      (c) => c.kind === 'pod-to-pod' && c.clientNode !== c.targetNode,
    ).length;
    if (nodes.size > 1) expect(crossNode, 'cross-node pod-to-pod pairs tested').toBeGreaterThan(0);
  },
);

check(
  {
    id: 'NET-HUBBLE-001',
    title: 'the Hubble relay answers gRPC ServerStatus',
    priority: 'P1',
    component: 'hubble',
    clusters: BOTH,
    story: STORY,
    ac: ['AC2'],
    risks: ['OPS-002'],
    suggestedAction:
      'kubectl -n kube-system get pods -l k8s-app=hubble-relay; cilium hubble port-forward & hubble status',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence }) => {
    const { namespace, hubbleRelay } = {
      namespace: facts.cilium.namespace,
      hubbleRelay: facts.cilium.hubbleRelay,
    };
    const reply = await withTunnel(
      cluster,
      { kind: 'Service', namespace, name: hubbleRelay.service, port: hubbleRelay.port },
      (t) => grpcUnaryEmpty(t.host, t.port, '/observer.Observer/ServerStatus', 10_000),
    );
    evidence.json('hubble-server-status', { ...reply, message: reply.message.toString('base64') });
    expect(reply.httpStatus, 'HTTP/2 status of the gRPC call').toBe(200);
    expect(
      reply.grpcStatus,
      `grpc-status of observer.Observer/ServerStatus (${reply.grpcMessage ?? ''})`,
    ).toBe('0');
  },
);

check(
  {
    id: 'NET-CILIUM-003',
    title: 'a LoadBalancer Service gets an address from the cluster pool',
    priority: 'P1',
    component: 'cilium',
    clusters: BOTH,
    story: STORY,
    ac: ['AC2'],
    risks: ['TECH-002', 'TECH-011'],
    suggestedAction:
      'kubectl get ciliumloadbalancerippool -o yaml; kubectl describe svc <name> (LB-IPAM events)',
    timeoutMs: 90_000,
  },
  async ({ cluster: k, facts, evidence, run }) => {
    const pool = await getCustom(k, GVR.lbIpPool, undefined, facts.cilium.lbPool.name);
    evidence.status(pool);
    const blocks = ((pool.spec?.blocks as { cidr?: string }[] | undefined) ?? []).map((b) => b.cidr);
    expect(blocks, `CiliumLoadBalancerIPPool ${facts.cilium.lbPool.name} blocks`).toContain(
      facts.cilium.lbPool.cidr,
    );
    const namespace = await run.namespace();
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
            timeout: 45_000,
            interval: CONVERGE_POLL_MS,
            message: `Service ${namespace}/${name} got no LoadBalancer address`,
          },
        )
        .not.toBe('');
      expect(
        inCidr(ip, facts.cilium.lbPool.cidr),
        `LoadBalancer address ${ip} inside pool ${facts.cilium.lbPool.cidr}`,
      ).toBe(true);
    } finally {
      await k.core.deleteNamespacedService({ namespace, name }).catch(() => undefined);
    }
  },
);

check(
  {
    id: 'NET-GATEWAY-001',
    title: 'the GatewayClass is Accepted and the Gateway is Programmed with an address from the pool',
    priority: 'P1',
    component: 'gateway',
    clusters: BOTH,
    story: STORY,
    ac: ['AC2'],
    risks: ['TECH-004'],
    suggestedAction: 'kubectl get gatewayclass,gateway -A; kubectl describe gateway <name>',
    timeoutMs: 60_000,
  },
  async ({ cluster: k, facts, evidence }) => {
    const gc = await getCustom(k, GVR.gatewayClass, undefined, facts.gateway.className);
    evidence.status(gc);
    expect(describeCondition(gc, 'Accepted'), `GatewayClass ${facts.gateway.className}`).toMatch(
      /^Accepted=True/,
    );
    const { namespace, name } = facts.gateway.gateway;
    let addresses: string[] = [];
    await expect
      .poll(
        async () => {
          const gw = await getCustom(k, GVR.gateway, namespace, name);
          evidence.status(gw);
          addresses = ((gw.status?.addresses as { value?: string }[] | undefined) ?? []).map(
            (a) => a.value ?? '',
          );
          return `${describeCondition(gw, 'Programmed')}; addresses [${addresses.join(', ')}]`;
        },
        { timeout: 30_000, interval: 2_000, message: `Gateway ${namespace}/${name}` },
      )
      .toMatch(/^Programmed=True.*; addresses \[\S+/);
    const outside = addresses.filter((a) => !inCidr(a, facts.cilium.lbPool.cidr));
    expect(outside, `Gateway addresses outside the pool ${facts.cilium.lbPool.cidr}`).toEqual([]);
  },
);

check(
  {
    id: 'NET-CILIUM-004',
    title: 'WireGuard encryption is reported by every agent',
    priority: 'P1',
    component: 'cilium',
    clusters: BOTH,
    story: STORY,
    ac: ['AC2'],
    risks: ['SEC-001'],
    suggestedAction:
      'kubectl -n kube-system exec ds/cilium -- cilium-dbg status | grep Encryption; check encryption.enabled/type in the HelmRelease',
    timeoutMs: 90_000,
  },
  async ({ cluster, facts, evidence, skip }) => {
    if (!facts.cilium.wireguard)
      skip('facts.cilium.wireguard is false: this platform does not use WireGuard');
    const { results } = await agentStatuses(cluster, facts);
    evidence.json(
      'encryption',
      results.map((r) => ({ pod: r.pod, node: r.node, encryption: r.encryption ?? null })),
    );
    expect(results.length, 'agent pods found').toBeGreaterThan(0);
    const notWg = results
      .filter((r) => !/^Wireguard\b/i.test(r.encryption ?? ''))
      .map((r) => `${r.pod}: ${r.encryption ?? 'no Encryption line'}`);
    expect(notWg, `agents not reporting WireGuard: ${notWg.join(' | ')}`).toEqual([]);
  },
);

check(
  {
    id: 'NET-CILIUM-005',
    title: 'zero disruption: cilium pod UIDs and restart counts match the stored baseline',
    priority: 'P0',
    component: 'cilium',
    clusters: BOTH,
    story: STORY,
    ac: ['AC2'],
    risks: ['TECH-001', 'SEC-002', 'DATA-001'],
    suggestedAction:
      'diff the baseline with kubectl -n kube-system get pods -l k8s-app=cilium -o wide; if the change was intended, re-baseline with PV_BASELINE=write',
    timeoutMs: 30_000,
  },
  async ({ cluster: k, facts, evidence, skip }) => {
    const { namespace, agentSelector } = facts.cilium;
    const pods = await listPods(k, namespace, agentSelector);
    const current: PodSnapshot[] = pods
      .map((p) => ({
        name: p.metadata!.name!,
        uid: p.metadata!.uid!,
        node: p.spec?.nodeName ?? '',
        startTime: String(p.status?.startTime ?? ''),
        restarts: restartCounts(p),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(current.length, `cilium agent pods (${agentSelector})`).toBeGreaterThan(0);
    expect(
      pods.filter((p) => !podReady(p)).map((p) => p.metadata?.name),
      'cilium pods not Ready',
    ).toEqual([]);
    // the baseline belongs to one incarnation of the cluster: kube-system's UID identifies it
    const clusterUid = (await k.core.readNamespace({ name: 'kube-system' })).metadata!.uid!;
    const file = baselinePath(k.name, 'cilium-pods');
    const stored = await readBaseline(file);
    const fresh = {
      cluster: k.name,
      clusterUid,
      selector: agentSelector,
      namespace,
      recordedAt: new Date().toISOString(),
      pods: current,
    };
    evidence.json('current', fresh);
    if (
      !stored ||
      process.env.PV_BASELINE === 'write' ||
      (stored as { clusterUid?: string }).clusterUid !== clusterUid
    ) {
      await writeBaseline(file, fresh);
      const why = !stored
        ? 'none existed'
        : process.env.PV_BASELINE === 'write'
          ? 'PV_BASELINE=write'
          : 'cluster rebuilt: kube-system UID changed';
      evidence.text(
        'baseline.txt',
        `baseline ${stored ? 're' : ''}written to ${file} (${why}); later runs compare against it\n`,
      );
      // nothing was compared: skipped (with its reason), never passed. Keep ${file} between runs
      // (a CI cache or artifact) or every fresh checkout only records
      return skip(`no baseline to compare with (${why}): recorded ${file}; the next run compares against it`);
    }
    evidence.json('baseline', stored);
    const diff = compareBaseline(stored.pods, current);
    evidence.json('diff', diff);
    expect(
      isClean(diff),
      `cilium pods changed since the baseline of ${stored.recordedAt}: ${describeDiff(diff)}`,
    ).toBe(true);
  },
);

check(
  {
    id: 'NET-CILIUM-006',
    title: 'the cilium Helm values carry this cluster’s name, id and native routing CIDR',
    priority: 'P0',
    component: 'cilium',
    clusters: BOTH,
    story: STORY,
    ac: ['AC2'],
    risks: ['TECH-002', 'TECH-003'],
    suggestedAction:
      'kubectl -n kube-system get hr cilium -o yaml; check postBuild.substituteFrom cluster-settings',
    timeoutMs: 30_000,
  },
  async ({ cluster, facts, evidence }) => {
    const { namespace, name } = facts.cilium.helmRelease;
    const hr = await getCustom(cluster, GVR.helmRelease, namespace, name);
    const values = hr.spec?.values ?? {};
    evidence.json('helm-values', values);
    const seen = {
      'cluster.name': valueAt(values, 'cluster.name'),
      'cluster.id': Number(valueAt(values, 'cluster.id')),
      ipv4NativeRoutingCIDR: valueAt(values, 'ipv4NativeRoutingCIDR'),
    };
    expect(seen, `HelmRelease ${namespace}/${name} cluster-specific values`).toEqual({
      'cluster.name': facts.cluster.name,
      'cluster.id': facts.cluster.id,
      ipv4NativeRoutingCIDR: facts.cluster.nativeRoutingCidr,
    });
  },
);

check(
  {
    id: 'NET-CILIUM-007',
    title: 'cilium Helm values are identical across clusters except cluster-specific keys',
    priority: 'P1',
    component: 'cilium',
    clusters: ['infra'],
    story: STORY,
    ac: ['AC2'],
    risks: ['TECH-007', 'DATA-002'],
    suggestedAction:
      'helm get values cilium on both contexts and diff; move the difference into cluster-settings or fix the typo',
    timeoutMs: 60_000,
  },
  async ({ cluster: k, facts, evidence, skip }) => {
    const { namespace, name } = facts.cilium.helmRelease;
    const mineHr = await getCustom(k, GVR.helmRelease, namespace, name);
    const mine = mineHr.spec?.values ?? {};
    // values a HelmRelease takes from ConfigMaps/Secrets (spec.valuesFrom) are not in spec.values
    const fromRefs = (hr: typeof mineHr, cluster: string) =>
      ((hr.spec?.valuesFrom as { kind?: string; name?: string }[] | undefined) ?? []).map(
        (v) => `${cluster}: ${v.kind}/${v.name}`,
      );
    const notCompared = fromRefs(mineHr, k.name);
    const peers = await peerClusters(k.name).catch((e: unknown) => {
      // nothing of the peer was read: the refused proof is the evidence
      evidence.text('peer-identity.txt', `${(e as Error).message}\n`);
      throw e;
    });
    expect(peers.length, 'peer clusters in this environment to compare with').toBeGreaterThan(0);
    const report: Record<string, unknown> = {};
    const failures: string[] = [];
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
        failures.push(
          `${d.key}: ${k.name}=${JSON.stringify(d.left)} ${p.cluster.name}=${JSON.stringify(d.right)}`,
        );
    }
    evidence.json('values-diff', { ...report, notCompared });
    expect(failures, `non-cluster-specific values differ: ${failures.join(' | ')}`).toEqual([]);
    if (notCompared.length)
      skip(`inline values agree, but values from valuesFrom were not compared: ${notCompared.join(', ')}`);
  },
);
