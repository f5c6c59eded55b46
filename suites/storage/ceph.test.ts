/**
 * Storage (STORY-VALIDATE-NETWORKING AC3): Rook-Ceph health and dynamic provisioning.
 *
 * Reads: the CephCluster status, `ceph status -f json` run in the toolbox pod (exec), the
 * StorageClasses. Writes in the run namespace only: one PVC per storage class (plus a consumer
 * pod for WaitForFirstConsumer classes), each deleted by the check.
 *
 * Lab: Ceph cannot run here. CephCluster status is written by lab/sim; the toolbox's `ceph` is a
 * shim answering from the same simulated state; PVC binding is done by the lab's simulated
 * provisioner (the PV objects are real API objects).
 */
import { expect } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { GVR } from '../../helpers/reads/k8s.js';
import { fieldEquals } from '../../helpers/probes/kubernetes.js';
import {
  cephClusterHealth,
  cephStatusProblems,
  claimOnEachClass,
  toolboxCephStatus,
} from '../../helpers/probes/storage.js';

const storage = suite({
  component: 'rook-ceph',
  clusters: ['infra', 'apps'],
  story: 'STORY-VALIDATE-NETWORKING',
});
const CEPH = { 'storage.ceph.enabled': 'no Rook-Ceph on this cluster' } as const;

storage.check(
  {
    id: 'STO-CEPH-001',
    title: 'the CephCluster reports HEALTH_OK in its status',
    priority: 'P0',
    ac: ['AC3.4', 'AC3.8', 'P0-4'],
    risks: ['R5'],
    requires: CEPH,
    suggestedAction:
      'kubectl -n rook-ceph get cephcluster -o yaml; kubectl -n rook-ceph exec deploy/rook-ceph-tools -- ceph health detail',
    timeoutMs: 60_000,
  },
  fieldEquals(
    (f) => ({
      kind: 'CephCluster',
      gvr: GVR.cephCluster,
      namespace: f.storage.ceph.namespace,
      name: f.storage.ceph.cluster,
    }),
    {
      label: 'health',
      want: 'HEALTH_OK',
      get: (cc) => cephClusterHealth(cc),
    },
  ),
);

storage.check(
  {
    id: 'STO-CEPH-002',
    title: '`ceph status -f json` in the toolbox reports HEALTH_OK with all OSDs up and in',
    priority: 'P0',
    ac: ['AC3.4', 'AC3.8', 'P0-4'],
    risks: ['R5'],
    requires: CEPH,
    suggestedAction: 'kubectl -n rook-ceph exec deploy/rook-ceph-tools -- ceph status; ceph health detail',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence }) => {
    const s = await toolboxCephStatus(cluster, facts.storage.ceph, evidence);
    const problems = cephStatusProblems(s);
    expect(problems, `ceph status: ${problems.join('; ')}`).toEqual([]);
  },
);

storage.check(
  {
    id: 'STO-CLASS-001',
    title: 'the expected storage classes exist',
    priority: 'P0',
    ac: ['AC3.1', 'AC3.5', 'AC3.9', 'P0-4'],
    risks: ['R5'],
    suggestedAction: 'kubectl get storageclass; check the rook-ceph and openebs HelmReleases',
    timeoutMs: 30_000,
  },
  async ({ cluster, facts, evidence }) => {
    const classes = (await cluster.storage.listStorageClass()).items;
    evidence.json(
      'storageclasses',
      classes.map((c) => ({
        name: c.metadata?.name,
        provisioner: c.provisioner,
        bindingMode: c.volumeBindingMode,
      })),
    );
    const names = classes.map((c) => c.metadata!.name!);
    const missing = facts.storage.storageClasses.filter((n) => !names.includes(n));
    expect(missing, `missing storage classes: ${missing.join(', ')}`).toEqual([]);
  },
);

storage.check(
  {
    id: 'STO-PVC-001',
    title: 'a PVC on each storage class binds and is removed',
    priority: 'P0',
    ac: ['AC3.2', 'AC3.6', 'AC3.10', 'P0-4'],
    risks: ['R5'],
    suggestedAction: 'kubectl describe pvc <name> (provisioner events); check the CSI provisioner pods',
    timeoutMs: 180_000,
  },
  async ({ cluster, facts, evidence, run }) => {
    const problems = await claimOnEachClass(cluster, await run.namespace(), facts, evidence);
    expect(problems, problems.join(' | ')).toEqual([]);
  },
);
