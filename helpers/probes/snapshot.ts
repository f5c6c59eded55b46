// AC7.5 (STO-SNAP-001): a run-owned claim on facts.storage.snapshot.storageClass, a VolumeSnapshot of
// it with the snapshot class, readyToUse within the window; both removed again. A snapshot that is
// not ready is reported with what the snapshot-controller wrote (status.error) or that it wrote nothing.
import type { V1PersistentVolumeClaim } from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { CheckEvidence, RunContext } from '../check/index.js';
import { CONVERGE_POLL_MS, type ClusterHandle } from '../cluster/index.js';
import type { Facts } from '../config/index.js';
import { settleMs } from '../config/settle.js';
import { fixtureYaml } from '../reads/fixtures.js';
import { GVR, getCustom, isNotFound } from '../reads/k8s.js';

interface SnapshotStatus {
  readyToUse?: boolean;
  boundVolumeSnapshotContentName?: string;
  restoreSize?: string;
  creationTime?: string;
  error?: { message?: string; time?: string };
}

export interface SnapshotOutcome {
  snapshot: string;
  claimBound: boolean;
  status?: SnapshotStatus;
  /** empty when the snapshot was readyToUse with a bound content */
  problem: string;
}

export function snapshotProblem(name: string, s: SnapshotStatus | undefined, timeoutMs: number): string {
  if (s?.readyToUse && s.boundVolumeSnapshotContentName) return '';
  if (s?.error?.message)
    return `VolumeSnapshot ${name} not readyToUse within ${timeoutMs} ms: ${s.error.message}`;
  return `VolumeSnapshot ${name} not readyToUse within ${timeoutMs} ms: ${s ? `status ${JSON.stringify(s)}` : 'no status (no snapshot-controller answered)'}`;
}

export async function snapshotOfClaim(
  k: ClusterHandle,
  facts: Facts,
  run: RunContext,
  evidence: CheckEvidence,
): Promise<SnapshotOutcome> {
  const { storageClass, snapshotClass } = facts.storage.snapshot;
  // a settle window: the snapshot-controller answers within it or not at all
  const readyTimeoutMs = settleMs(facts.storage.snapshot.readyTimeoutMs);
  const namespace = await run.namespace();
  const claim = 'pv-snap-source';
  const snapshot = 'pv-snap';
  const pvc = fixtureYaml<V1PersistentVolumeClaim>('storage/pvc.yaml');
  pvc.metadata = { ...pvc.metadata, name: claim, namespace };
  pvc.spec!.storageClassName = storageClass;
  pvc.spec!.resources = { requests: { storage: facts.storage.pvcSize } };
  const gvr = GVR.volumeSnapshot;
  try {
    await k.core.createNamespacedPersistentVolumeClaim({ namespace, body: pvc });
    let claimBound = false;
    await expect
      .poll(
        async () =>
          (claimBound =
            (await k.core.readNamespacedPersistentVolumeClaim({ namespace, name: claim })).status?.phase ===
            'Bound'),
        { timeout: facts.storage.bindTimeoutMs, interval: CONVERGE_POLL_MS },
      )
      .toBe(true)
      .catch(() => undefined);
    if (!claimBound)
      return {
        snapshot,
        claimBound,
        problem: `PVC ${namespace}/${claim} (${storageClass}) not Bound within ${facts.storage.bindTimeoutMs} ms: no snapshot taken`,
      };
    await k.custom.createNamespacedCustomObject({
      ...gvr,
      namespace,
      body: {
        apiVersion: `${gvr.group}/${gvr.version}`,
        kind: 'VolumeSnapshot',
        metadata: {
          name: snapshot,
          namespace,
          labels: { 'app.kubernetes.io/part-of': 'platform-validation' },
        },
        spec: { volumeSnapshotClassName: snapshotClass, source: { persistentVolumeClaimName: claim } },
      },
    });
    let status: SnapshotStatus | undefined;
    await expect
      .poll(
        async () => {
          status = (await getCustom(k, gvr, namespace, snapshot)).status as SnapshotStatus | undefined;
          return snapshotProblem(snapshot, status, readyTimeoutMs);
        },
        { timeout: readyTimeoutMs, interval: CONVERGE_POLL_MS },
      )
      .toBe('')
      .catch(() => undefined);
    evidence.json('volumesnapshot', { snapshot: `${namespace}/${snapshot}`, class: snapshotClass, status });
    return {
      snapshot: `${namespace}/${snapshot}`,
      claimBound,
      status,
      problem: snapshotProblem(`${namespace}/${snapshot}`, status, readyTimeoutMs),
    };
  } finally {
    await k.custom
      .deleteNamespacedCustomObject({ ...gvr, namespace, name: snapshot })
      .catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
    await k.core
      .deleteNamespacedPersistentVolumeClaim({ namespace, name: claim })
      .catch((e: unknown) => (isNotFound(e) ? undefined : Promise.reject(e)));
  }
}
