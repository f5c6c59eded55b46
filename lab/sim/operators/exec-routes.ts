// Per-node exec routes of the Cilium agents: the lab's cilium-dbg shim learns its node from them.
import type { LabContext } from '../../core/context.js';
import type { LabClusterName } from '../../core/topology.js';
import { type Kube } from '../kube.js';
import { onObject } from '../sim-errors.js';

/** Per-node exec routes of the Cilium agents (the shim learns its node) and of the Ceph toolbox. */
export async function reconcileExecRoutes(
  ctx: LabContext,
  cluster: LabClusterName,
  k: Kube,
  routed: Map<string, string>,
  stateFile: string,
): Promise<void> {
  const pods = (
    await k.core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=cilium' })
  ).items.filter((p) => p.spec?.nodeName && !p.metadata?.deletionTimestamp);
  const names = new Set(pods.map((p) => p.metadata!.name!));
  for (const p of pods) {
    const name = p.metadata!.name!;
    if (routed.get(name) === p.metadata!.uid) continue;
    await onObject({ kind: 'Pod', namespace: 'kube-system', name }, () =>
      ctx.routing.routeExec(cluster, {
        namespace: 'kube-system',
        pods: [name],
        env: { PV_LAB_SIM_STATE: stateFile, PV_LAB_NODE: p.spec!.nodeName! },
      }),
    );
    routed.set(name, p.metadata!.uid!);
  }
  for (const name of [...routed.keys()]) {
    if (!names.has(name)) {
      await ctx.routing.unroutePod(cluster, 'kube-system', name);
      routed.delete(name);
    }
  }
}
