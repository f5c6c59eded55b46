// Cilium operator's BGP peer-config status (simulated; upstream operator/pkg/bgpv2/peer.go
// reconcilePeerConfig): condition cilium.io/MissingAuthSecret on every CiliumBGPPeerConfig, True
// with `Referenced Auth Secret "<name>" is missing` when spec.authSecretRef names a Secret absent
// from the BGP secrets namespace (the chart's bgpControlPlane.secretsNamespace, kube-system), else
// False. The Secret is only looked up, never read.
import { httpCode, nowTimes, writeStatus, type Kube } from '../kube.js';
import { listCustom } from './objects.js';

export const BGP_SECRETS_NAMESPACE = 'kube-system';

async function secretExists(k: Kube, name: string): Promise<boolean> {
  try {
    // existence is all the operator checks (its store lists the namespace's Secrets)
    await k.core.readNamespacedSecret({ namespace: BGP_SECRETS_NAMESPACE, name });
    return true;
  } catch (e) {
    if (httpCode(e) === 404) return false;
    throw e;
  }
}

export async function reconcileBgpPeerAuth(k: Kube): Promise<void> {
  const times = nowTimes();
  for (const pc of await listCustom(k, 'cilium.io', 'v2', 'ciliumbgppeerconfigs')) {
    const ref = pc.spec?.authSecretRef as string | undefined;
    const missing = !!ref && !(await secretExists(k, ref));
    const others = ((pc.status?.conditions ?? []) as { type: string }[]).filter(
      (c) => c.type !== 'cilium.io/MissingAuthSecret',
    );
    await writeStatus(
      k,
      { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', name: pc.metadata.name },
      {
        ...pc.status,
        conditions: [
          ...others,
          {
            type: 'cilium.io/MissingAuthSecret',
            status: missing ? 'True' : 'False',
            reason: 'MissingAuthSecret',
            message: missing ? `Referenced Auth Secret "${ref}" is missing` : '',
            // stamped with the object's generation (prepareStatus), as upstream sets it
            observedGeneration: 0,
          },
        ],
      },
      times,
    );
  }
}
