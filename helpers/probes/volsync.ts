// STO-VOLSYNC-001: VolSync's ReplicationSources and ReplicationDestinations replicate: each has
// synchronised at least once, its last mover run succeeded and it is not in error.
import { conditionOf, describeCondition, type KObject } from '../reads/k8s.js';

/** Never synced, last mover run failed, or Synchronizing in Error; undefined: replicating. */
export function replicationProblem(o: KObject): string | undefined {
  const mover = o.status?.latestMoverStatus as { result?: string; logs?: string } | undefined;
  if (mover?.result && mover.result !== 'Successful') {
    const lastLog = (mover.logs ?? '').trim().split('\n').pop();
    return `last sync ${mover.result}${lastLog ? `: ${lastLog}` : ''}`;
  }
  if (conditionOf(o, 'Synchronizing')?.reason === 'Error') return describeCondition(o, 'Synchronizing');
  if (!o.status?.lastSyncTime) return 'never synchronised (no lastSyncTime)';
  return undefined;
}
