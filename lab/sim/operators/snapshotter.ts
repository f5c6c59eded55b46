// CSI snapshots for the Ceph RBD class (simulated snapshot-controller + csi-snapshotter sidecar):
// a VolumeSnapshot of a Bound claim gets its VolumeSnapshotContent and both become readyToUse, as
// external-snapshotter's controllers write them; a missing class, an unbound claim or a driver
// mismatch is written as the controller's status.error instead. Nothing happens while the
// snapshot-controller Deployment has no available replica (nothing reconciles then). A content
// whose snapshot is gone is deleted (deletionPolicy Delete).
import { AppsV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { FIELD_MANAGER, httpCode, type Kube } from '../kube.js';
import { onObject } from '../sim-errors.js';

const GROUP = 'snapshot.storage.k8s.io';
const VERSION = 'v1';
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** where the lab's snapshot-controller runs (fixtures: apps/60-apps.yaml) */
export const SNAPSHOT_CONTROLLER = { namespace: 'volsync-system', name: 'snapshot-controller' } as const;
/** the drivers whose csi-snapshotter the lab simulates */
const DRIVERS = new Set(['rook-ceph.rbd.csi.ceph.com', 'rook-ceph.cephfs.csi.ceph.com']);

interface Snapshot {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string };
  spec?: { volumeSnapshotClassName?: string; source?: { persistentVolumeClaimName?: string } };
  status?: { readyToUse?: boolean; boundVolumeSnapshotContentName?: string; error?: { message?: string } };
}

interface SnapshotClass {
  metadata: { name: string };
  driver: string;
  deletionPolicy?: string;
}

const list = async <T>(k: Kube, plural: string): Promise<T[]> =>
  ((await k.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural })) as { items: T[] })
    .items;

async function controllerAvailable(k: Kube): Promise<boolean> {
  try {
    const d = await k.kc.makeApiClient(AppsV1Api).readNamespacedDeployment(SNAPSHOT_CONTROLLER);
    return (d.status?.availableReplicas ?? 0) > 0;
  } catch (e) {
    if (httpCode(e) === 404) return false;
    throw e;
  }
}

/** The error external-snapshotter writes, or the PV's volume handle and size when it can snapshot. */
async function source(
  k: Kube,
  s: Snapshot,
  classes: Map<string, SnapshotClass>,
): Promise<{ error: string } | { cls: SnapshotClass; handle: string; size: string }> {
  const className = s.spec?.volumeSnapshotClassName ?? '';
  const cls = classes.get(className);
  if (!cls)
    return {
      error: `Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io "${className}" not found`,
    };
  const claim = s.spec?.source?.persistentVolumeClaimName ?? '';
  let pvc;
  try {
    pvc = await k.core.readNamespacedPersistentVolumeClaim({ namespace: s.metadata.namespace, name: claim });
  } catch (e) {
    if (httpCode(e) !== 404) throw e;
    return {
      error: `error getting PVC ${s.metadata.namespace}/${claim}: persistentvolumeclaims "${claim}" not found`,
    };
  }
  if (pvc.status?.phase !== 'Bound' || !pvc.spec?.volumeName)
    return { error: `the PVC ${claim} is not yet bound to a PV, will not attempt to take a snapshot` };
  const pv = await k.core.readPersistentVolume({ name: pvc.spec.volumeName });
  const driver = pv.spec?.csi?.driver ?? '';
  if (driver !== cls.driver || !DRIVERS.has(driver))
    return {
      error: `snapshot controller failed to update ${s.metadata.namespace}/${s.metadata.name}: the volume's driver "${driver}" differs from the class's "${cls.driver}"`,
    };
  return { cls, handle: pv.spec!.csi!.volumeHandle, size: pv.spec?.capacity?.storage ?? '1Gi' };
}

export async function reconcileSnapshots(k: Kube): Promise<number> {
  if (!(await controllerAvailable(k))) return 0;
  const classes = new Map(
    (await list<SnapshotClass>(k, 'volumesnapshotclasses')).map((c) => [c.metadata.name, c]),
  );
  const snapshots = (
    (await k.custom.listCustomObjectForAllNamespaces({
      group: GROUP,
      version: VERSION,
      plural: 'volumesnapshots',
    })) as {
      items: Snapshot[];
    }
  ).items;
  let done = 0;
  for (const s of snapshots) {
    if (s.status?.readyToUse || s.metadata.deletionTimestamp) continue;
    const found = await source(k, s, classes);
    const ref = {
      group: GROUP,
      version: VERSION,
      plural: 'volumesnapshots',
      namespace: s.metadata.namespace,
      name: s.metadata.name,
    };
    const now = new Date().toISOString();
    if ('error' in found) {
      if (s.status?.error?.message === found.error) continue;
      await onObject({ kind: 'VolumeSnapshot', namespace: s.metadata.namespace, name: s.metadata.name }, () =>
        k.custom.patchNamespacedCustomObjectStatus(
          {
            ...ref,
            body: { status: { readyToUse: false, error: { message: found.error, time: now } } },
            fieldManager: FIELD_MANAGER,
          },
          MERGE,
        ),
      );
      continue;
    }
    const content = `snapcontent-${s.metadata.uid}`;
    await onObject({ kind: 'VolumeSnapshotContent', name: content }, async () => {
      try {
        await k.custom.createClusterCustomObject({
          group: GROUP,
          version: VERSION,
          plural: 'volumesnapshotcontents',
          body: {
            apiVersion: `${GROUP}/${VERSION}`,
            kind: 'VolumeSnapshotContent',
            metadata: { name: content, annotations: { 'lab.platform-validation.io/simulated': 'true' } },
            spec: {
              deletionPolicy: found.cls.deletionPolicy ?? 'Delete',
              driver: found.cls.driver,
              source: { volumeHandle: found.handle },
              volumeSnapshotClassName: found.cls.metadata.name,
              volumeSnapshotRef: {
                apiVersion: `${GROUP}/${VERSION}`,
                kind: 'VolumeSnapshot',
                name: s.metadata.name,
                namespace: s.metadata.namespace,
                uid: s.metadata.uid,
              },
            },
          },
          fieldManager: FIELD_MANAGER,
        });
      } catch (e) {
        if (httpCode(e) !== 409) throw e;
      }
      await k.custom.patchClusterCustomObjectStatus(
        {
          group: GROUP,
          version: VERSION,
          plural: 'volumesnapshotcontents',
          name: content,
          body: {
            status: {
              readyToUse: true,
              snapshotHandle: `0001-0009-rook-ceph-0000000000000001-snap-${s.metadata.uid}`,
              creationTime: Date.now() * 1_000_000,
              restoreSize: 1024 ** 3,
            },
          },
          fieldManager: FIELD_MANAGER,
        },
        MERGE,
      );
    });
    await onObject({ kind: 'VolumeSnapshot', namespace: s.metadata.namespace, name: s.metadata.name }, () =>
      k.custom.patchNamespacedCustomObjectStatus(
        {
          ...ref,
          body: {
            status: {
              boundVolumeSnapshotContentName: content,
              creationTime: now,
              readyToUse: true,
              restoreSize: found.size,
              error: null,
            },
          },
          fieldManager: FIELD_MANAGER,
        },
        MERGE,
      ),
    );
    done++;
  }
  // deletionPolicy Delete: a content whose snapshot is gone goes too
  const live = new Set(snapshots.map((s) => s.metadata.uid));
  for (const c of await list<{
    metadata: { name: string; annotations?: Record<string, string> };
    spec?: { deletionPolicy?: string; volumeSnapshotRef?: { uid?: string } };
  }>(k, 'volumesnapshotcontents')) {
    if (c.metadata.annotations?.['lab.platform-validation.io/simulated'] !== 'true') continue;
    if (c.spec?.deletionPolicy !== 'Delete' || live.has(c.spec?.volumeSnapshotRef?.uid ?? '')) continue;
    await k.custom
      .deleteClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'volumesnapshotcontents',
        name: c.metadata.name,
      })
      .catch((e: unknown) => {
        if (httpCode(e) !== 404) throw e;
      });
  }
  return done;
}
