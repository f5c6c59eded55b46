/**
 * Nothing outside GitOps after the handover (STORY-BOOT-CORE AC1b; Cilium risk TECH-005, Test 6):
 * every Deployment, DaemonSet and StatefulSet is managed by a Flux object that exists (its labels, or
 * its owner's: an operator's child is managed through the custom resource that made it), and the
 * Cilium and Gateway API CRDs have one owner, the Flux Kustomization that applies them.
 *
 * Reads: workloads of every namespace except the run's own and facts.flux.unmanagedAllowed, their
 * owners, the Flux objects their labels name, the CRDs of facts.flux.crdOwnership.groups with their
 * managedFields. Read-only.
 * Lab: no Flux controller applies the fixtures; lab/sim/ownership.ts writes the labels, owner
 * references and field managers kustomize-controller, helm-controller, flux-operator and the
 * operators write.
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { crdOwnershipProblems, workloadOwnership } from '../../helpers/probes/flux-ownership.js';

const ownership = suite({
  component: 'flux',
  clusters: ['infra', 'apps'],
  story: 'STORY-BOOT-CORE',
  timeoutMs: 60_000,
});

ownership.check(
  {
    id: 'GITOPS-OWN-001',
    title: 'every workload is managed by an existing Flux object: none left unmanaged after the handover',
    priority: 'P0',
    ac: ['AC1b'],
    risks: ['OPS-002'],
    suggestedAction:
      'flux-operator trace <kind>/<name> -n <namespace>; a workload the Helm CLI installed: adopt it with a HelmRelease of the same release name, or uninstall the release (helm -n <ns> uninstall <release>) once the HelmRelease renders it',
  },
  async ({ cluster, facts, evidence }) => {
    const rows = await workloadOwnership(cluster, facts, evidence);
    expect(rows.length, 'workloads examined').toBeGreaterThan(0);
    const bad = rows.filter((r) => r.problem).map((r) => `${r.workload}: ${r.problem}`);
    expect(bad, `workloads not managed by Flux: ${bad.join(' | ')}`).toEqual([]);
  },
);

ownership.check(
  {
    id: 'GITOPS-OWN-002',
    title: 'the Cilium and Gateway API CRDs have one owner: the Flux Kustomization that applies them',
    priority: 'P1',
    ac: ['CILIUM:Test.6'],
    risks: ['CILIUM:TECH-005'],
    suggestedAction:
      'kubectl get crd <name> --show-managed-fields -o yaml (metadata.labels, managedFields); keep the CRDs in one Kustomization, stop every other installer (the Helm CLI, a chart’s CRD templates; Cilium’s operator with operator.skipCRDCreation), then remove the other manager’s fields',
  },
  async ({ cluster, facts, evidence }) => {
    const { problems, crds } = await crdOwnershipProblems(cluster, facts, evidence);
    expect(crds, `CRDs of ${facts.flux.crdOwnership.groups.join(', ')}`).toBeGreaterThan(0);
    expect(problems, `CRD ownership: ${problems.join(' | ')}`).toEqual([]);
  },
);
