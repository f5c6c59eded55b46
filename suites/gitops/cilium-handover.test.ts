/**
 * Cilium under GitOps (STORY-NET-CILIUM-CORE-GITOPS blockers TECH-010 and TECH-001 mitigation,
 * post-handover Post.KS; STORY-BOOT-CORE AC7a): the cluster-settings Flux substitutes are this
 * cluster's own, the cilium HelmRelease has drift detection on, and the cilium-core Kustomization
 * and HelmRelease are Ready with the chart from its OCI source.
 *
 * Reads: flux-system/cluster-settings, the cilium HelmRelease, the cilium-core Kustomization.
 * Read-only. Lab: the ConfigMap is the lab's per-cluster fixture; Kustomization and HelmRelease
 * status is written by lab/sim (what kustomize- and helm-controller would write).
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { GVR } from '../../helpers/reads/k8s.js';
import { conditionTrue, fieldEquals } from '../../helpers/probes/kubernetes.js';
import {
  driftDetectionMode,
  expectedSettings,
  readyFromChart,
  settingsMismatches,
} from '../../helpers/probes/cilium-gitops.js';

const handover = suite({
  component: 'cilium',
  clusters: ['infra', 'apps'],
  story: 'STORY-NET-CILIUM-CORE-GITOPS',
  timeoutMs: 60_000,
});

handover.check(
  {
    id: 'NET-CILIUM-008',
    title: 'cluster-settings holds this cluster’s name, id, pod and service CIDRs, LB pool and DNS address',
    priority: 'P0',
    ac: ['TECH-010'],
    risks: ['TECH-010', 'TECH-003', 'TECH-002'],
    suggestedAction:
      'kubectl -n flux-system get cm cluster-settings -o yaml; fix the cluster’s settings file in Git, never by hand',
  },
  async ({ cluster, facts, evidence }) => {
    const { namespace, name } = facts.cluster.settings;
    const cm = await cluster.core.readNamespacedConfigMap({ namespace, name });
    const want = expectedSettings(facts);
    evidence.json('cluster-settings', { expected: want, seen: cm.data ?? {} });
    expect(settingsMismatches(cm.data, want), `ConfigMap ${namespace}/${name}`).toEqual([]);
  },
);

handover.check(
  {
    id: 'NET-CILIUM-009',
    title: 'the cilium HelmRelease has drift detection enabled',
    priority: 'P0',
    ac: ['TECH-001.mit'],
    risks: ['TECH-001', 'DATA-002'],
    suggestedAction: 'set spec.driftDetection.mode: enabled on HelmRelease kube-system/cilium',
  },
  fieldEquals((f) => ({ kind: 'HelmRelease', gvr: GVR.helmRelease, ...f.cilium.helmRelease }), {
    label: 'spec.driftDetection.mode',
    get: driftDetectionMode,
    want: 'enabled',
  }),
);

handover.check(
  {
    id: 'NET-CILIUM-010',
    title: 'the cilium-core Kustomization is Ready and the cilium HelmRelease is Ready from its chart source',
    priority: 'P0',
    ac: ['Post.KS', 'BOOT:AC7a'],
    risks: ['TECH-004', 'TECH-006'],
    suggestedAction:
      'flux get kustomization cilium-core; flux get helmrelease -n kube-system cilium; flux get sources oci cilium',
  },
  async (ctx) => {
    const f = ctx.facts;
    await conditionTrue(() => ({
      kind: 'Kustomization',
      gvr: GVR.kustomization,
      namespace: f.flux.namespace,
      name: f.cilium.kustomization,
    }))(ctx);
    const src = f.cilium.chartSource;
    await fieldEquals(() => ({ kind: 'HelmRelease', gvr: GVR.helmRelease, ...f.cilium.helmRelease }), {
      label: 'Ready and chart source',
      get: readyFromChart,
      want: `Ready; chartRef ${src.kind} ${src.namespace}/${src.name}`,
    })(ctx);
  },
);
