// CSI provisioning for the Ceph and OpenEBS classes (simulated external-provisioner): a PV for each
// Pending PVC (after the scheduler picked a node for WaitForFirstConsumer), deleted when Released.
import { StorageV1Api, type V1PersistentVolume } from '@kubernetes/client-node';
import { FIELD_MANAGER, httpCode, type Kube } from '../kube.js';
import { onObject } from '../sim-errors.js';

const PROVISIONERS = new Set([
  'openebs.io/local',
  'rook-ceph.rbd.csi.ceph.com',
  'rook-ceph.cephfs.csi.ceph.com',
]);

/** Simulated CSI external-provisioner for the Ceph and OpenEBS classes. */
export async function reconcileVolumes(k: Kube): Promise<number> {
  const storage = k.kc.makeApiClient(StorageV1Api);
  const classes = new Map(
    (await storage.listStorageClass()).items
      .filter((c) => PROVISIONERS.has(c.provisioner))
      .map((c) => [c.metadata!.name!, c]),
  );
  if (!classes.size) return 0;
  const pvs = (await k.core.listPersistentVolume()).items;
  const existing = new Set(pvs.map((p) => p.metadata!.name!));
  let created = 0;
  for (const pvc of (await k.core.listPersistentVolumeClaimForAllNamespaces({})).items) {
    const sc = classes.get(pvc.spec?.storageClassName ?? '');
    if (!sc || pvc.status?.phase !== 'Pending' || pvc.spec?.volumeName || pvc.metadata?.deletionTimestamp)
      continue;
    const node = pvc.metadata?.annotations?.['volume.kubernetes.io/selected-node'];
    if (sc.volumeBindingMode === 'WaitForFirstConsumer' && !node) continue;
    const name = `pvc-${pvc.metadata!.uid}`;
    if (existing.has(name)) continue;
    const local = sc.provisioner === 'openebs.io/local';
    const pv: V1PersistentVolume = {
      metadata: {
        name,
        annotations: {
          'pv.kubernetes.io/provisioned-by': sc.provisioner,
          'lab.platform-validation.io/simulated': 'true',
        },
        finalizers: [],
      },
      spec: {
        capacity: { storage: pvc.spec?.resources?.requests?.storage ?? '1Gi' },
        accessModes: pvc.spec?.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
        storageClassName: sc.metadata!.name!,
        volumeMode: pvc.spec?.volumeMode ?? 'Filesystem',
        claimRef: {
          apiVersion: 'v1',
          kind: 'PersistentVolumeClaim',
          namespace: pvc.metadata!.namespace!,
          name: pvc.metadata!.name!,
          uid: pvc.metadata!.uid!,
        },
        ...(local
          ? {
              local: { path: `/var/mnt/local-hostpath/${name}`, fsType: '' },
              nodeAffinity: {
                required: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [
                        { key: 'kubernetes.io/hostname', operator: 'In', values: [node ?? ''] },
                      ],
                    },
                  ],
                },
              },
            }
          : {
              csi: {
                driver: sc.provisioner,
                volumeHandle: `0001-0009-rook-ceph-0000000000000001-${pvc.metadata!.uid}`,
                fsType: 'ext4',
                volumeAttributes: {
                  clusterID: 'rook-ceph',
                  pool: sc.parameters?.pool ?? 'ceph-blockpool',
                  imageName: `csi-vol-${pvc.metadata!.uid}`,
                  'storage.kubernetes.io/csiProvisionerIdentity': `${Date.now()}-pv-lab-${sc.provisioner}`,
                },
              },
            }),
      },
    };
    try {
      await onObject({ kind: 'PersistentVolume', name }, () =>
        k.core.createPersistentVolume({ body: pv, fieldManager: FIELD_MANAGER }),
      );
      created++;
    } catch (e) {
      if (httpCode(e) !== 409) throw e;
    }
  }
  // reclaimPolicy Delete: the provisioner deletes Released volumes it provisioned
  for (const pv of pvs) {
    const by = pv.metadata?.annotations?.['pv.kubernetes.io/provisioned-by'];
    if (
      by &&
      PROVISIONERS.has(by) &&
      pv.status?.phase === 'Released' &&
      pv.spec?.persistentVolumeReclaimPolicy === 'Delete'
    ) {
      try {
        await onObject({ kind: 'PersistentVolume', name: pv.metadata!.name! }, () =>
          k.core.deletePersistentVolume({ name: pv.metadata!.name! }),
        );
      } catch (e) {
        if (httpCode(e) !== 404) throw e;
      }
    }
  }
  return created;
}
