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
import { exec } from '../../helpers/cluster/index.js';
import { CEPH_STATUS_COMMAND } from '../../helpers/reads/access.js';
import { GVR, selectorOf } from '../../helpers/reads/k8s.js';
import { fieldEquals } from '../../helpers/probes/kubernetes.js';
import { claimOnEachClass } from '../../helpers/probes/storage.js';

const storage = suite({
  component: 'rook-ceph',
  clusters: ['infra', 'apps'],
  story: 'STORY-VALIDATE-NETWORKING',
  ac: ['AC3'],
  risks: ['R5'],
});
const CEPH = { 'storage.ceph.enabled': 'no Rook-Ceph on this cluster' } as const;

storage.check(
  {
    id: 'STO-CEPH-001',
    title: 'the CephCluster reports HEALTH_OK in its status',
    priority: 'P0',
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
      get: (cc) => {
        const ceph = (cc.status?.ceph ?? {}) as {
          health?: string;
          details?: Record<string, { message?: string }>;
        };
        const details = Object.entries(ceph.details ?? {}).map(([k, v]) => `${k}: ${v.message ?? ''}`);
        return `${ceph.health ?? 'no status.ceph.health'}${details.length ? ` (${details.join('; ')})` : ''}`;
      },
    },
  ),
);

storage.check(
  {
    id: 'STO-CEPH-002',
    title: '`ceph status -f json` in the toolbox reports HEALTH_OK with all OSDs up and in',
    priority: 'P0',
    ac: ['AC3', 'AC12'],
    requires: CEPH,
    suggestedAction: 'kubectl -n rook-ceph exec deploy/rook-ceph-tools -- ceph status; ceph health detail',
    timeoutMs: 60_000,
  },
  async ({ cluster: k, facts, evidence }) => {
    const c = facts.storage.ceph;
    const dep = await k.apps.readNamespacedDeployment({ namespace: c.namespace, name: c.toolbox });
    const pods = (
      await k.core.listNamespacedPod({
        namespace: c.namespace,
        labelSelector: selectorOf(dep.spec?.selector?.matchLabels),
      })
    ).items.filter((p) => p.status?.phase === 'Running');
    expect(pods.length, `running pods of toolbox Deployment ${c.namespace}/${c.toolbox}`).toBeGreaterThan(0);
    const r = await exec(k, {
      namespace: c.namespace,
      pod: pods[0]!.metadata!.name!,
      command: [...CEPH_STATUS_COMMAND],
      timeoutMs: 30_000,
    });
    evidence.text('ceph-status.json', r.stdout + (r.stderr ? `\n--- stderr ---\n${r.stderr}` : ''));
    expect(r.exitCode, `ceph status exit code (stderr: ${r.stderr.trim()})`).toBe(0);
    const s = JSON.parse(r.stdout) as {
      health?: { status?: string; checks?: Record<string, { summary?: { message?: string } }> };
      osdmap?: { num_osds?: number; num_up_osds?: number; num_in_osds?: number };
    };
    const checks = Object.entries(s.health?.checks ?? {}).map(
      ([k2, v]) => `${k2}: ${v.summary?.message ?? ''}`,
    );
    expect(`${s.health?.status}${checks.length ? ` (${checks.join('; ')})` : ''}`, 'ceph health').toBe(
      'HEALTH_OK',
    );
    const osd = s.osdmap ?? {};
    // a renamed or nested osdmap would leave both sides undefined, and undefined equals undefined
    expect(osd.num_osds, `osdmap.num_osds in ceph status (${JSON.stringify(s.osdmap)})`).toBeGreaterThan(0);
    expect({ up: osd.num_up_osds, in: osd.num_in_osds }, `OSDs up/in of ${osd.num_osds}`).toEqual({
      up: osd.num_osds,
      in: osd.num_osds,
    });
  },
);

storage.check(
  {
    id: 'STO-CLASS-001',
    title: 'the expected storage classes exist',
    priority: 'P0',
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
    suggestedAction: 'kubectl describe pvc <name> (provisioner events); check the CSI provisioner pods',
    timeoutMs: 180_000,
  },
  async ({ cluster, facts, evidence, run }) => {
    const problems = await claimOnEachClass(cluster, await run.namespace(), facts, evidence);
    expect(problems, problems.join(' | ')).toEqual([]);
  },
);
