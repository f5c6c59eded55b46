import { AppsV1Api } from '@kubernetes/client-node';
import type { LabContext, LabClusterName } from '../core/context.js';

/**
 * A Deployment scaled to 0 replicas, the way a bad values change or a manual `kubectl scale` does it
 * (`lab reset` applies its declared replicas again).
 */
export async function scaleToZero(
  ctx: LabContext,
  cluster: LabClusterName,
  d: { namespace: string; name: string },
): Promise<void> {
  await ctx.clusters[cluster].kc.makeApiClient(AppsV1Api).patchNamespacedDeploymentScale({
    namespace: d.namespace,
    name: d.name,
    // client-node sends a JSON patch (application/json-patch+json) by default
    body: [{ op: 'replace', path: '/spec/replicas', value: 0 }],
  });
}
