/**
 * No object-level drift between Git and the cluster (GitOps sync risks, T004 drift): every object a
 * Kustomization recorded in its last apply (`status.inventory`) is still on the cluster and still
 * labelled by it. A deleted object, or one another Kustomization or installer took over, is drift
 * that the Kustomization's Ready condition does not show until its next reconciliation.
 *
 * Reads: every Kustomization's status.inventory and, per kind, the objects labelled by a
 * Kustomization (one list each), then each missing object by name. Kinds named in
 * facts.flux.inventoryUnread (Secret) are counted, not read. Read-only.
 * Lab: lab/sim/status.ts writes the inventory kustomize-controller records of the seeded objects.
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { inventoryDrift } from '../../helpers/probes/flux-drift.js';

const drift = suite({
  component: 'flux',
  clusters: ['infra', 'apps'],
  story: 'RISKS-GITOPS-SYNC',
  timeoutMs: 90_000,
});

drift.check(
  {
    id: 'GITOPS-DRIFT-001',
    title: 'every object of each Kustomization inventory exists on the cluster and is still labelled by it',
    priority: 'P1',
    ac: ['GITSYNC:T004.drift'],
    risks: ['GITSYNC:RISK-T004'],
    suggestedAction:
      'flux reconcile kustomization <name> --with-source (re-applies what was deleted); flux diff kustomization <name> --path <dir>; for a relabelled object: which Kustomization now applies it (two Kustomizations must not apply one object)',
  },
  async ({ cluster, facts, evidence }) => {
    const r = await inventoryDrift(cluster, facts, evidence);
    expect(r.kustomizations, 'Kustomizations').toBeGreaterThan(0);
    expect(r.objects, 'inventory objects compared').toBeGreaterThan(0);
    expect(r.problems, `drift from the last apply: ${r.problems.join(' | ')}`).toEqual([]);
  },
);
