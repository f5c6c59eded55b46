import { ApiextensionsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { LabContext } from '../core/context.js';
import type { Scenario } from './types.js';
import { unlessGone } from '../sim/kube.js';

/** The CRD a second installer takes over on apps, and the manager name Helm writes with. */
export const SECOND_OWNER = { crd: 'ciliumbgppeeringpolicies.cilium.io', manager: 'helm' } as const;

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const crds = (ctx: LabContext) => ctx.clusters.apps.kc.makeApiClient(ApiextensionsV1Api);
const HELM_MARKS = {
  labels: { 'app.kubernetes.io/managed-by': 'Helm' },
  annotations: { 'meta.helm.sh/release-name': 'cilium', 'meta.helm.sh/release-namespace': 'kube-system' },
};

/**
 * apps: a Cilium CRD that the Phase 1 `helm install cilium` also wrote (its chart's CRD templates),
 * with Helm's marks and field manager next to kustomize-controller's: two owners of one CRD.
 * Reset does not re-apply an unchanged CRD, so `revert` gives Helm's fields back (its managedFields
 * entry goes when it owns nothing).
 */
export const crdSecondOwner: Scenario = {
  name: 'crd-second-owner',
  summary: `apps: CRD ${SECOND_OWNER.crd} updated by field manager "${SECOND_OWNER.manager}" (label app.kubernetes.io/managed-by: Helm, meta.helm.sh/release-* annotations) next to kustomize-controller`,
  expect: `apps: GITOPS-OWN-002 fails naming CRD ${SECOND_OWNER.crd} and its 2 field managers (kustomize-controller, helm); infra passes`,
  faults: {},
  apply: async (ctx) => {
    await crds(ctx).patchCustomResourceDefinition(
      { name: SECOND_OWNER.crd, body: { metadata: HELM_MARKS }, fieldManager: SECOND_OWNER.manager },
      MERGE,
    );
  },
  revert: async (ctx) => {
    const nulls = (o: Record<string, string>) => Object.fromEntries(Object.keys(o).map((k) => [k, null]));
    await crds(ctx)
      .patchCustomResourceDefinition(
        {
          name: SECOND_OWNER.crd,
          body: {
            metadata: { labels: nulls(HELM_MARKS.labels), annotations: nulls(HELM_MARKS.annotations) },
          },
          fieldManager: SECOND_OWNER.manager,
        },
        MERGE,
      )
      .catch(unlessGone);
  },
};
