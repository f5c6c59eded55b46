/**
 * Cilium CNI (STORY-VALIDATE-NETWORKING AC2; Cilium risk profile TECH-001/TECH-002/TECH-007/SEC-001).
 *
 * Reads: the agent pods and their `cilium-dbg status` (exec), the Hubble relay (gRPC through a
 * tunnel), CiliumLoadBalancerIPPool, GatewayClass/Gateway, the cilium HelmRelease values (on this
 * and the peer cluster). Writes only in the run namespace: netexec client/server pods + a ClusterIP
 * Service for the connectivity matrix, a LoadBalancer Service for LB-IPAM. Zero-disruption baseline:
 * `docs/qa/baselines/<cluster>-cilium-pods.json` (see helpers/reads/baseline.ts). The mechanisms
 * (the exec, the matrix, LB-IPAM, the baseline, the peer comparison) are in helpers/probes/cilium.ts,
 * the Hubble relay call in helpers/probes/hubble.ts.
 *
 * Lab: the datapath is simulated. `cilium-dbg` is a shim answering from lab/sim state; netexec
 * pods are served by lab pod-runtime on loopback pod IPs, which also stands in for the Service
 * load-balancing of the pod-to-service leg; LB-IPAM, Gateway status and the HelmRelease are
 * objects/status written by lab/sim; the Hubble relay is a lab gRPC stub.
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { describeDiff, isClean } from '../../helpers/reads/baseline.js';
import {
  GVR,
  describeCondition,
  getCustom,
  listCustom,
  listPods,
  podReady,
} from '../../helpers/reads/k8s.js';
import { inCidr } from '../../helpers/reads/net.js';
import { valueAt } from '../../helpers/reads/values.js';
import {
  agentStatuses,
  agentsNotOnWireGuard,
  compareValuesWithPeers,
  comparePodBaseline,
  connectivityMatrix,
  ipamAllocations,
  ipamChanges,
  loadBalancerAddress,
  poolBlocks,
  storedBaseline,
  unhealthyAgents,
} from '../../helpers/probes/cilium.js';
import { relayServerStatus } from '../../helpers/probes/hubble.js';

const CILIUM_GITOPS = 'STORY-NET-CILIUM-CORE-GITOPS';
const cilium = suite({
  component: 'cilium',
  clusters: ['infra', 'apps'],
  story: 'STORY-VALIDATE-NETWORKING',
});

cilium.check(
  {
    id: 'NET-CILIUM-001',
    title: 'cilium-dbg status is healthy on the agent of every node',
    priority: 'P0',
    ac: ['AC1.8', 'AC2.1', 'P0-2', 'BOOT:RF-P3c'],
    risks: ['R1'],
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
    const unhealthy = unhealthyAgents(results);
    expect(unhealthy, `unhealthy cilium agents: ${unhealthy.join(' | ')}`).toEqual([]);
  },
);

cilium.check(
  {
    id: 'NET-CILIUM-002',
    title: 'pod-to-pod and pod-to-service connectivity works within and across nodes',
    priority: 'P0',
    ac: ['AC2.2', 'P0-2'],
    suggestedAction:
      'cilium connectivity test --test pod-to-pod,pod-to-service; hubble observe --verdict DROPPED',
    timeoutMs: 180_000,
  },
  async ({ cluster, facts, evidence, run }) => {
    const m = await connectivityMatrix(cluster, facts, await run.namespace(), evidence);
    expect(m.failed, `connectivity failures: ${m.failed.join(' | ')}`).toEqual([]);
    if (m.nodes > 1) expect(m.crossNode, 'cross-node pod-to-pod pairs tested').toBeGreaterThan(0);
  },
);

cilium.check(
  {
    id: 'NET-HUBBLE-001',
    title: 'the Hubble relay answers gRPC ServerStatus with every node connected and flows observed',
    priority: 'P1',
    component: 'hubble',
    ac: ['AC2.4'],
    suggestedAction:
      'kubectl -n kube-system get pods -l k8s-app=hubble-relay; cilium hubble port-forward & hubble status',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence }) => {
    const { reply, problems } = await relayServerStatus(cluster, facts, evidence);
    expect(reply.httpStatus, 'HTTP/2 status of the gRPC call').toBe(200);
    expect(
      reply.grpcStatus,
      `grpc-status of observer.Observer/ServerStatus (${reply.grpcMessage ?? ''})`,
    ).toBe('0');
    expect(problems, `Hubble relay ServerStatus: ${problems.join('; ')}`).toEqual([]);
  },
);

cilium.check(
  {
    id: 'NET-CILIUM-003',
    title: 'a LoadBalancer Service gets an address from the cluster pool',
    priority: 'P1',
    ac: ['AC2.3'],
    suggestedAction:
      'kubectl get ciliumloadbalancerippool -o yaml; kubectl describe svc <name> (LB-IPAM events)',
    timeoutMs: 90_000,
  },
  async ({ cluster, facts, evidence, run }) => {
    const { name, cidr } = facts.cilium.lbPool;
    expect(await poolBlocks(cluster, name, evidence), `CiliumLoadBalancerIPPool ${name} blocks`).toContain(
      cidr,
    );
    const ip = await loadBalancerAddress(cluster, await run.namespace(), evidence);
    expect(inCidr(ip, cidr), `LoadBalancer address ${ip} inside pool ${cidr}`).toBe(true);
  },
);

cilium.check(
  {
    id: 'NET-GATEWAY-001',
    title: 'the GatewayClass is Accepted and the Gateway is Programmed with an address from the pool',
    priority: 'P1',
    component: 'gateway',
    ac: ['AC2.5', 'AC2.6'],
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

cilium.check(
  {
    id: 'NET-CILIUM-004',
    title: 'WireGuard encryption is reported by every agent',
    priority: 'P2',
    story: CILIUM_GITOPS,
    ac: ['Test.8'],
    risks: ['SEC-001'],
    requires: { 'cilium.wireguard': 'this platform does not use WireGuard' },
    suggestedAction:
      'kubectl -n kube-system exec ds/cilium -- cilium-dbg status | grep Encryption; check encryption.enabled/type in the HelmRelease',
    timeoutMs: 90_000,
  },
  async ({ cluster, facts, evidence }) => {
    const { results } = await agentStatuses(cluster, facts);
    evidence.json(
      'encryption',
      results.map((r) => ({ pod: r.pod, node: r.node, encryption: r.encryption ?? null })),
    );
    expect(results.length, 'agent pods found').toBeGreaterThan(0);
    const notWg = agentsNotOnWireGuard(results);
    expect(notWg, `agents not reporting WireGuard: ${notWg.join(' | ')}`).toEqual([]);
  },
);

cilium.check(
  {
    id: 'NET-CILIUM-005',
    title: 'zero disruption: cilium pod UIDs and restart counts match the stored baseline',
    priority: 'P0',
    story: CILIUM_GITOPS,
    ac: ['Test.1'],
    risks: ['TECH-001'],
    suggestedAction:
      'diff the baseline with kubectl -n kube-system get pods -l k8s-app=cilium -o wide; if the change was intended, re-baseline with PV_BASELINE=write',
    timeoutMs: 30_000,
  },
  async ({ cluster, facts, evidence, skip }) => {
    const { namespace, agentSelector: selector } = facts.cilium;
    const pods = await listPods(cluster, namespace, selector);
    expect(pods.length, `cilium agent pods (${selector})`).toBeGreaterThan(0);
    const notReady = pods.filter((p) => !podReady(p)).map((p) => p.metadata?.name);
    expect(notReady, 'cilium pods not Ready').toEqual([]);
    const b = await comparePodBaseline(cluster, { name: 'cilium-pods', namespace, selector, pods }, evidence);
    // nothing was compared: skipped (with its reason), never passed
    if (!b.compared) return skip(b.reason);
    expect(
      isClean(b.diff),
      `cilium pods changed since the baseline of ${b.recordedAt}: ${describeDiff(b.diff)}`,
    ).toBe(true);
  },
);

cilium.check(
  {
    id: 'NET-CILIUM-011',
    title: 'IPAM allocations kept: every node’s CiliumNode pod CIDRs match the stored baseline',
    priority: 'P1',
    story: CILIUM_GITOPS,
    ac: ['Post.IPAM'],
    risks: ['DATA-001'],
    suggestedAction:
      'kubectl get ciliumnodes -o custom-columns=NODE:.metadata.name,CIDRS:.spec.ipam.podCIDRs against the baseline; a changed CIDR re-addresses every pod of that node: find who deleted or re-created the CiliumNode (operator logs); if intended, re-baseline with PV_BASELINE=write',
    timeoutMs: 30_000,
  },
  async ({ cluster, evidence, skip }) => {
    const now = ipamAllocations(await listCustom(cluster, GVR.ciliumNode));
    expect(Object.keys(now).length, 'CiliumNodes').toBeGreaterThan(0);
    const b = await storedBaseline(cluster, 'cilium-ipam', { podCIDRs: now }, evidence);
    // nothing was compared: skipped (with its reason), never passed
    if (!b.compared) return skip(b.reason);
    const changes = ipamChanges(b.stored.podCIDRs, now);
    expect(
      changes,
      `IPAM pod CIDRs changed since the baseline of ${b.stored.recordedAt}: ${changes.join('; ')}`,
    ).toEqual([]);
  },
);

cilium.check(
  {
    id: 'NET-CILIUM-006',
    title: 'the cilium Helm values carry this cluster’s name, id and native routing CIDR',
    priority: 'P0',
    story: CILIUM_GITOPS,
    ac: ['Test.10'],
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

cilium.check(
  {
    id: 'NET-CILIUM-007',
    title: 'cilium Helm values are identical across clusters except cluster-specific keys',
    priority: 'P1',
    story: CILIUM_GITOPS,
    ac: ['Test.4'],
    risks: ['TECH-007'],
    clusters: ['infra'],
    suggestedAction:
      'helm get values cilium on both contexts and diff; move the difference into cluster-settings or fix the typo',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence, skip }) => {
    const { peers, differences, notCompared } = await compareValuesWithPeers(cluster, facts, evidence);
    expect(peers, 'peer clusters in this environment to compare with').toBeGreaterThan(0);
    expect(differences, `non-cluster-specific values differ: ${differences.join(' | ')}`).toEqual([]);
    if (notCompared.length)
      skip(`inline values agree, but values from valuesFrom were not compared: ${notCompared.join(', ')}`);
  },
);
