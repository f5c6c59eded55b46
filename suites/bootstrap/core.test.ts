/**
 * Bootstrap and core (STORY-BOOT-CORE AC2/AC3, STORY-VALIDATE-NETWORKING AC1/AC10/AC11).
 *
 * Reads: Nodes, CustomResourceDefinitions, the cilium DaemonSet and operator Deployment, CoreDNS
 * and the `cluster-settings` ConfigMap, cert-manager / External Secrets Deployments, the
 * ClusterSecretStore, Flux controllers, GitRepository, every Kustomization and HelmRelease.
 * Read-only: nothing is created.
 *
 * Lab: nodes are KWOK-simulated (Ready, control-plane label); Deployments/DaemonSets are real
 * objects whose pods KWOK marks Running; the CRDs are real; ClusterSecretStore, GitRepository,
 * Kustomization and HelmRelease status is written by lab/sim (what the operators would write).
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { GVR } from '../../helpers/reads/k8s.js';
import { daemonSetRolloutStatus, notRolledOut } from '../../helpers/cluster/rollout.js';
import { waitForDeployments } from '../../helpers/reads/rollout.js';
import {
  conditionTrue,
  configMapCount,
  deploymentReplicas,
  everyReady,
  rolledOut,
} from '../../helpers/probes/kubernetes.js';

const core = suite({ clusters: ['infra', 'apps'], story: 'STORY-BOOT-CORE' });
const NETWORKING = 'STORY-VALIDATE-NETWORKING';

core.check(
  {
    id: 'BOOT-CORE-001',
    title: 'every node is Ready and the control plane has the expected node count',
    priority: 'P0',
    component: 'kubernetes',
    ac: ['AC2a', 'NET:AC1.1', 'NET:AC1.2', 'NET:AC1.9', 'NET:P0-2'],
    risks: ['NET:R1'],
    suggestedAction: 'kubectl --context=<ctx> get nodes -o wide; kubectl describe node <not-ready node>',
    timeoutMs: 30_000,
  },
  async ({ cluster, facts, evidence }) => {
    const nodes = (await cluster.core.listNode()).items;
    const rows = nodes.map((n) => ({
      name: n.metadata?.name,
      controlPlane: n.metadata?.labels?.['node-role.kubernetes.io/control-plane'] !== undefined,
      ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status,
      reason: n.status?.conditions?.find((c) => c.type === 'Ready')?.reason,
    }));
    evidence.json('nodes', rows);
    const notReady = rows
      .filter((r) => r.ready !== 'True')
      .map((r) => `${r.name} (Ready=${r.ready ?? 'missing'}, ${r.reason ?? ''})`);
    expect(notReady, `nodes not Ready: ${notReady.join(', ')}`).toEqual([]);
    const cp = rows.filter((r) => r.controlPlane).length;
    expect(
      cp,
      `control-plane nodes (label node-role.kubernetes.io/control-plane): expected ${facts.cluster.controlPlaneNodes}, saw ${cp}`,
    ).toBe(facts.cluster.controlPlaneNodes);
  },
);

core.check(
  {
    id: 'BOOT-CORE-002',
    title: 'the expected number of CRDs is Established',
    priority: 'P0',
    component: 'kubernetes',
    ac: ['AC1.5', 'AC1.6'],
    risks: ['R3', 'BOOT:TECH-001'],
    story: NETWORKING,
    suggestedAction:
      'kubectl --context=<ctx> wait --for=condition=Established crd --all; re-run bootstrap phase 0',
    timeoutMs: 30_000,
  },
  async ({ cluster, facts, evidence }) => {
    const crds = (await cluster.apiext.listCustomResourceDefinition()).items;
    const established = crds.filter((c) =>
      c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'),
    );
    const notEstablished = crds.filter((c) => !established.includes(c)).map((c) => c.metadata?.name);
    evidence.json('crds', {
      total: crds.length,
      established: established.length,
      notEstablished,
      names: crds.map((c) => c.metadata?.name).sort(),
    });
    expect(notEstablished, `CRDs not Established: ${notEstablished.join(', ')}`).toEqual([]);
    expect(
      established.length,
      `Established CRDs: expected at least ${facts.crds.established} (facts.crds.established), saw ${established.length}`,
    ).toBeGreaterThanOrEqual(facts.crds.established);
  },
);

core.check(
  {
    id: 'BOOT-CORE-003',
    title: 'the cilium DaemonSet and operator are rolled out on every node',
    priority: 'P0',
    component: 'cilium',
    ac: ['AC2b', 'NET:AC1.8', 'NET:P0-2'],
    risks: ['NET:R1'],
    suggestedAction:
      'kubectl -n kube-system rollout status ds/cilium; kubectl -n kube-system rollout status deploy/cilium-operator',
    timeoutMs: 90_000,
  },
  async ({ cluster: k, facts, evidence }) => {
    const { namespace, daemonSet, operator } = facts.cilium;
    const nodes = (await k.core.listNode()).items.length;
    let last = '';
    await expect
      .poll(
        async () => {
          const ds = await k.apps.readNamespacedDaemonSet({ namespace, name: daemonSet });
          evidence.status(ds);
          const why = notRolledOut(() => daemonSetRolloutStatus(ds));
          const scheduled = ds.status?.desiredNumberScheduled ?? 0;
          last = why ?? (scheduled < nodes ? `scheduled on ${scheduled}/${nodes} nodes` : '');
          return last;
        },
        { timeout: 60_000, interval: 2_000, message: `DaemonSet ${namespace}/${daemonSet} not rolled out` },
      )
      .toBe('');
    await waitForDeployments(k, namespace, [operator], evidence, 30_000);
  },
);

core.check(
  {
    id: 'BOOT-CORE-004',
    title: 'CoreDNS ready replicas equal the count in cluster-settings',
    priority: 'P0',
    component: 'coredns',
    ac: ['AC2c', 'NET:AC1.11'],
    risks: ['NET:R1', 'CILIUM:TECH-010'],
    suggestedAction:
      'compare COREDNS_REPLICAS in flux-system/cluster-settings with kubectl -n kube-system get deploy coredns',
    timeoutMs: 90_000,
  },
  async (ctx) => {
    const s = ctx.facts.cluster.settings;
    const want = await configMapCount(ctx, s, s.corednsReplicasKey, 'cluster-settings');
    const { namespace, deployment } = ctx.facts.coredns;
    await deploymentReplicas(ctx, namespace, deployment, ` vs ${s.corednsReplicasKey}=${want}`).toEqual({
      spec: want,
      ready: want,
      available: want,
    });
  },
);

core.check(
  {
    id: 'BOOT-CORE-005',
    title: 'cert-manager controller, webhook and cainjector are Available',
    priority: 'P0',
    component: 'cert-manager',
    ac: ['AC2e', 'RF-P3b', 'NET:AC1.12'],
    risks: ['NET:R1'],
    suggestedAction: 'kubectl -n cert-manager rollout status deploy/cert-manager-webhook; check webhook logs',
    timeoutMs: 90_000,
  },
  rolledOut((f) => f.certManager),
);

core.check(
  {
    id: 'BOOT-CORE-006',
    title: 'the External Secrets controller is Available',
    priority: 'P0',
    component: 'external-secrets',
    ac: ['AC2d', 'NET:AC1.13'],
    risks: ['NET:R1'],
    suggestedAction: 'kubectl -n external-secrets rollout status deploy/external-secrets',
    timeoutMs: 90_000,
  },
  rolledOut((f) => ({ namespace: f.externalSecrets.namespace, deployments: [f.externalSecrets.deployment] })),
);

core.check(
  {
    id: 'BOOT-CORE-007',
    title: 'the ClusterSecretStore is Ready',
    priority: 'P0',
    component: 'external-secrets',
    ac: ['AC1.14'],
    risks: ['R9', 'BOOT:SEC-001'],
    story: NETWORKING,
    suggestedAction:
      'kubectl describe clustersecretstore <name>; verify the external-secrets/onepassword-connect Secret and token',
    timeoutMs: 60_000,
  },
  conditionTrue((f) => ({
    kind: 'ClusterSecretStore',
    gvr: GVR.clusterSecretStore,
    name: f.externalSecrets.clusterSecretStore,
  })),
);

core.check(
  {
    id: 'BOOT-CORE-008',
    title: 'the Flux controllers are running',
    priority: 'P0',
    component: 'flux',
    ac: ['AC1.10', 'P0-3'],
    risks: ['R4'],
    story: NETWORKING,
    suggestedAction: 'kubectl -n flux-system get pods; flux check',
    timeoutMs: 90_000,
  },
  rolledOut((f) => ({ namespace: f.flux.namespace, deployments: f.flux.controllers })),
);

core.check(
  {
    id: 'BOOT-CORE-009',
    title: 'the Flux GitRepository is Ready with an artifact revision',
    priority: 'P0',
    component: 'flux',
    ac: ['AC3c', 'AC4a', 'RF-P1b', 'NET:AC10.5', 'NET:P0-3'],
    risks: ['NET:R4', 'CILIUM:TECH-009'],
    suggestedAction: 'flux get sources git -A; flux reconcile source git flux-system',
    timeoutMs: 60_000,
  },
  conditionTrue(
    (f) => ({
      kind: 'GitRepository',
      gvr: GVR.gitRepository,
      namespace: f.flux.namespace,
      name: f.flux.gitRepository,
    }),
    {
      field: {
        label: 'artifact revision',
        get: (o) => (o.status?.artifact as { revision?: string })?.revision,
      },
    },
  ),
);

core.check(
  {
    id: 'BOOT-CORE-010',
    title: 'every Flux Kustomization is Ready',
    priority: 'P0',
    component: 'flux',
    ac: ['AC10.6', 'AC11.12', 'P0-3', 'BOOT:AC3d', 'BOOT:AC4b', 'BOOT:RF-P1b', 'CILIUM:Post.KS'],
    risks: ['R4', 'BOOT:OPS-002'],
    story: NETWORKING,
    suggestedAction:
      'flux get kustomizations -A --status-selector ready=false; flux logs --kind=Kustomization --name=<name>',
    timeoutMs: 90_000,
  },
  everyReady({ plural: 'kustomizations', gvr: GVR.kustomization }),
);

core.check(
  {
    id: 'BOOT-CORE-011',
    title: 'every Flux HelmRelease is Ready',
    priority: 'P0',
    component: 'flux',
    ac: ['AC11.13', 'P0-3'],
    risks: ['R4'],
    story: NETWORKING,
    suggestedAction: 'flux get helmreleases -A --status-selector ready=false; kubectl describe hr <name>',
    timeoutMs: 90_000,
  },
  everyReady({ plural: 'helmReleases', gvr: GVR.helmRelease }),
);

core.check(
  {
    id: 'BOOT-CORE-012',
    title: 'the kube-dns Service has the cluster’s DNS address',
    priority: 'P2',
    component: 'coredns',
    ac: ['RF-P3a'],
    suggestedAction:
      'kubectl -n kube-system get svc kube-dns -o jsonpath={.spec.clusterIP}; compare with the kubelets’ clusterDNS and COREDNS_CLUSTER_IP',
    timeoutMs: 30_000,
  },
  async ({ cluster, facts, evidence }) => {
    const { namespace, service } = facts.coredns;
    const svc = await cluster.core.readNamespacedService({ namespace, name: service });
    evidence.status(svc);
    expect(svc.spec?.clusterIP, `Service ${namespace}/${service} spec.clusterIP`).toBe(
      facts.coredns.clusterIp,
    );
  },
);
