/**
 * The simulated operator loop (lab/sim/operators-main.ts runs it as the `sim-operators` process):
 * one reconciler per simulated controller in lab/sim/operators/. Only what must react to objects
 * created after seeding lives there:
 * - Cilium LB-IPAM: LoadBalancer Services get `status.loadBalancer.ingress` from the cluster's
 *   CiliumLoadBalancerIPPool (honouring `lbipam.cilium.io/ips`), pool conditions count IPs.
 * - Cilium Gateway API: the `cilium-gateway-<gw>` LoadBalancer Service per Gateway, Gateway status
 *   (Accepted/Programmed, addresses, listeners' attachedRoutes), HTTPRoute parent status.
 * - Cilium's BGP peer-config status: MissingAuthSecret from whether the referenced Secret exists.
 * - CSI provisioning for the Ceph and OpenEBS classes: a PV for each Pending PVC (after the
 *   scheduler picked a node for WaitForFirstConsumer), deleted again when Released.
 * - CSI snapshots (snapshot-controller + csi-snapshotter): a VolumeSnapshot of a Bound Ceph claim
 *   gets its VolumeSnapshotContent and readyToUse, or the controller's status.error.
 * - Operator-set pod labels on backed pods, exec routes of Cilium agents (per node), re-routing
 *   of backed Deployment pods (poolers) to their processes via lab/services.
 * Nothing here dials a pod or Service address: everything is apiserver reads and writes.
 */
import type { LabContext } from '../core/context.js';
import type { LabClusterName } from '../core/topology.js';
import type { Kube } from './kube.js';
import { formatSimError, simErrorOf, type SimError } from './sim-errors.js';
import { labelBackedPods } from './world.js';
import { reconcileBgpPeerAuth } from './operators/bgp-peer-auth.js';
import { reconcileVolumes } from './operators/csi-provisioner.js';
import { reconcileExecRoutes } from './operators/exec-routes.js';
import { reconcileGateways } from './operators/gateways.js';
import { reconcileLbIpam } from './operators/lb-ipam.js';
import { reconcileSnapshots } from './operators/snapshotter.js';

/**
 * One reconcile pass of a cluster; each part isolated so one failure does not stop the others.
 * Returns the errors (lab/sim/sim-errors.ts), each also logged; a race (404, namespace terminating)
 * is neither.
 */
export async function reconcileCluster(
  ctx: LabContext,
  cluster: LabClusterName,
  k: Kube,
  state: { execRouted: Map<string, string>; poolerPods: string; stateFile: string },
  log: (m: string) => void,
): Promise<SimError[]> {
  const parts: [string, () => Promise<unknown>][] = [
    ['gateways', () => reconcileGateways(k)],
    ['lb-ipam', () => reconcileLbIpam(k)],
    ['bgp-peer-auth', () => reconcileBgpPeerAuth(k)],
    ['volumes', () => reconcileVolumes(k)],
    ['snapshots', () => reconcileSnapshots(k)],
    ['pod-labels', () => labelBackedPods(k, cluster)],
    ['exec-routes', () => reconcileExecRoutes(ctx, cluster, k, state.execRouted, state.stateFile)],
  ];
  if (cluster === 'apps') {
    parts.push([
      'service-routes',
      async () => {
        // backed Deployment pods (poolers, schema registry, harbor) get per-pod routes from lab/services
        const pods = (
          await k.core.listPodForAllNamespaces({
            labelSelector: 'lab.platform-validation.io/backed-by=local-process',
          })
        ).items;
        const sig = pods
          .map((p) => p.metadata!.name!)
          .sort()
          .join(',');
        if (sig === state.poolerPods) return;
        const { routeServices } = await import('../services/index.js');
        await routeServices(ctx);
        state.poolerPods = sig;
      },
    ]);
  }
  const errors: SimError[] = [];
  for (const [name, run] of parts) {
    try {
      await run();
    } catch (e) {
      // an object deleted between a LIST and the write is a race, not an error
      const err = simErrorOf(cluster, name, e);
      if (!err) continue;
      errors.push(err);
      log(formatSimError(err));
    }
  }
  return errors;
}
