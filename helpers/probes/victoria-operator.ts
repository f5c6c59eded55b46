// OBS-VM-003/004, OBS-VL-002: the VictoriaMetrics operator's custom resources are operational. The
// operator writes status.updateStatus (expanding, operational, failed, paused) and, on failure,
// status.reason; `operational` means every component it deploys (vminsert/vmselect/vmstorage of a
// VMCluster, the vmagent or vmauth Deployment, the VictoriaLogs cluster's parts) is rolled out.
import type { KObject } from '../reads/k8s.js';

/** updateStatus other than `operational`, with the operator's reason; undefined: operational. */
export function operationalProblem(o: KObject): string | undefined {
  const s = o.status?.updateStatus as string | undefined;
  if (s === 'operational') return undefined;
  const reason = o.status?.reason ? ` (${String(o.status.reason)})` : '';
  return `updateStatus ${s ?? 'unset'}, expected operational${reason}`;
}

export const operationalSummary = (o: KObject) => ({
  updateStatus: o.status?.updateStatus,
  reason: o.status?.reason,
});
