import { CoreV1Api } from '@kubernetes/client-node';
import type { Scenario } from './types.js';
import { unlessGone } from '../sim/kube.js';

/** infra: the BGP peer's MD5 Secret is gone (deleted by hand, or its ExternalSecret stopped syncing). */
export const bgpAuthSecretMissing: Scenario = {
  name: 'bgp-auth-secret-missing',
  summary:
    'infra: Secret kube-system/bgp-upstream-router (the authSecretRef of CiliumBGPPeerConfig upstream-router) deleted; the simulated Cilium operator sets cilium.io/MissingAuthSecret True',
  expect:
    'infra: the BGP peer-authentication check fails naming upstream-router and "Referenced Auth Secret \\"bgp-upstream-router\\" is missing"; the session check and apps pass. lab reset re-creates the Secret',
  faults: {},
  apply: async (ctx) => {
    await ctx.clusters.infra.kc
      .makeApiClient(CoreV1Api)
      .deleteNamespacedSecret({ namespace: 'kube-system', name: 'bgp-upstream-router' })
      .catch(unlessGone);
  },
};
