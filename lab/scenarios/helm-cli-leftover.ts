import { AppsV1Api } from '@kubernetes/client-node';
import type { Scenario } from './types.js';

/** The Deployment the Phase 1 bootstrap release left behind (`lab reset` re-applies its Flux labels). */
export const LEFTOVER = { namespace: 'kube-system', name: 'hubble-ui', release: 'cilium-bootstrap' } as const;

/**
 * infra: hubble-ui as the Helm CLI leaves it when the Phase 1 bootstrap ran under another release
 * name than the HelmRelease's: Helm's own marks (`app.kubernetes.io/managed-by: Helm`,
 * `meta.helm.sh/release-name: cilium-bootstrap`) and no helm-controller label, so no Flux object
 * manages it; it keeps running.
 */
export const helmCliLeftover: Scenario = {
  name: 'helm-cli-leftover',
  summary: `infra: Deployment ${LEFTOVER.namespace}/${LEFTOVER.name} carries the Helm CLI's release ${LEFTOVER.release} and no helm.toolkit.fluxcd.io labels (a bootstrap release no HelmRelease adopted); it stays Available`,
  expect: `infra: GITOPS-OWN-001 fails naming Deployment ${LEFTOVER.namespace}/${LEFTOVER.name} "installed by the Helm CLI (release ${LEFTOVER.release} …), adopted by no HelmRelease"; apps and every other workload pass`,
  faults: {},
  apply: async (ctx) => {
    await ctx.clusters.infra.kc.makeApiClient(AppsV1Api).patchNamespacedDeployment({
      namespace: LEFTOVER.namespace,
      name: LEFTOVER.name,
      // a JSON patch (client-node's default): `/` in a key is `~1`
      body: [
        { op: 'remove', path: '/metadata/labels/helm.toolkit.fluxcd.io~1name' },
        { op: 'remove', path: '/metadata/labels/helm.toolkit.fluxcd.io~1namespace' },
        { op: 'replace', path: '/metadata/annotations/meta.helm.sh~1release-name', value: LEFTOVER.release },
      ],
    });
  },
};
