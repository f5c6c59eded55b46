import { CoreV1Api } from '@kubernetes/client-node';
import type { Scenario } from './types.js';

/** The object deleted by hand: one the Kustomization applied, whose loss nothing shows at once. */
export const DELETED = { namespace: 'kube-system', name: 'coredns', kind: 'ServiceAccount' } as const;

/**
 * infra: `kubectl delete serviceaccount coredns -n kube-system` between two reconciliations. The
 * running CoreDNS keeps its token for a while, so nothing fails yet; the Kustomization stays Ready
 * and its inventory still records the object. `lab reset` applies it again (as the next
 * reconciliation of kustomize-controller would).
 */
export const inventoryObjectDeleted: Scenario = {
  name: 'inventory-object-deleted',
  summary: `infra: ${DELETED.kind} ${DELETED.namespace}/${DELETED.name}, applied by Kustomization cluster-infra-infrastructure, deleted by hand`,
  expect: `infra: GITOPS-DRIFT-001 fails naming ${DELETED.kind} ${DELETED.namespace}/${DELETED.name} "in the inventory, not on the cluster"; every other check passes`,
  faults: {},
  apply: async (ctx) => {
    await ctx.clusters.infra.kc
      .makeApiClient(CoreV1Api)
      .deleteNamespacedServiceAccount({ namespace: DELETED.namespace, name: DELETED.name });
  },
};
