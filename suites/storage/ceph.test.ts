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
import type { V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { expect } from 'vitest';
import { check } from '../../helpers/check/index.js';
import { CONVERGE_POLL_MS, exec } from '../../helpers/cluster/index.js';
import { CEPH_STATUS_COMMAND } from '../../helpers/checks/access.js';
import { fixtureYaml } from '../../helpers/checks/fixtures.js';
import { GVR, getCustom, handle, isNotFound, selectorOf } from '../../helpers/checks/k8s.js';

const BOTH = ['infra', 'apps'];
const STORY = 'STORY-VALIDATE-NETWORKING';

check(
  {
    id: 'STO-CEPH-001',
    title: 'the CephCluster reports HEALTH_OK in its status',
    priority: 'P0',
    component: 'rook-ceph',
    clusters: BOTH,
    story: STORY,
    ac: ['AC3'],
    risks: ['R5'],
    suggestedAction:
      'kubectl -n rook-ceph get cephcluster -o yaml; kubectl -n rook-ceph exec deploy/rook-ceph-tools -- ceph health detail',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence, skip }) => {
    const c = facts.storage.ceph;
    if (!c.enabled) skip('facts.storage.ceph.enabled is false: no Rook-Ceph on this cluster');
    await expect
      .poll(
        async () => {
          const cc = await getCustom(handle(cluster), GVR.cephCluster, c.namespace, c.cluster);
          evidence.status(cc);
          const ceph = (cc.status?.ceph ?? {}) as {
            health?: string;
            details?: Record<string, { message?: string }>;
          };
          const details = Object.entries(ceph.details ?? {}).map(([k, v]) => `${k}: ${v.message ?? ''}`);
          return `${ceph.health ?? 'no status.ceph.health'}${details.length ? ` (${details.join('; ')})` : ''}`;
        },
        { timeout: 30_000, interval: 2_000, message: `CephCluster ${c.namespace}/${c.cluster} health` },
      )
      .toBe('HEALTH_OK');
  },
);

check(
  {
    id: 'STO-CEPH-002',
    title: '`ceph status -f json` in the toolbox reports HEALTH_OK with all OSDs up and in',
    priority: 'P0',
    component: 'rook-ceph',
    clusters: BOTH,
    story: STORY,
    ac: ['AC3', 'AC12'],
    risks: ['R5'],
    suggestedAction: 'kubectl -n rook-ceph exec deploy/rook-ceph-tools -- ceph status; ceph health detail',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence, skip }) => {
    const k = handle(cluster);
    const c = facts.storage.ceph;
    if (!c.enabled) skip('facts.storage.ceph.enabled is false: no Rook-Ceph on this cluster');
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

check(
  {
    id: 'STO-CLASS-001',
    title: 'the expected storage classes exist',
    priority: 'P0',
    component: 'rook-ceph',
    clusters: BOTH,
    story: STORY,
    ac: ['AC3'],
    risks: ['R5'],
    suggestedAction: 'kubectl get storageclass; check the rook-ceph and openebs HelmReleases',
    timeoutMs: 30_000,
  },
  async ({ cluster, facts, evidence }) => {
    const classes = (await handle(cluster).storage.listStorageClass()).items;
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

check(
  {
    id: 'STO-PVC-001',
    title: 'a PVC on each storage class binds and is removed',
    priority: 'P0',
    component: 'rook-ceph',
    clusters: BOTH,
    story: STORY,
    ac: ['AC3'],
    risks: ['R5'],
    suggestedAction: 'kubectl describe pvc <name> (provisioner events); check the CSI provisioner pods',
    timeoutMs: 180_000,
  },
  async ({ cluster, facts, evidence, run }) => {
    const k = handle(cluster);
    const namespace = await run.namespace();
    const problems: string[] = [];
    // the classes are independent: claimed side by side, so the check takes as long as the slowest
    const claimOn = async (sc: string): Promise<void> => {
      const name = `pv-pvc-${sc}`.slice(0, 63).replace(/-+$/, '');
      const cls = await k.storage
        .readStorageClass({ name: sc })
        .catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
      if (!cls) {
        problems.push(`${sc}: storage class missing`);
        return;
      }
      const pvc = fixtureYaml<V1PersistentVolumeClaim>('storage/pvc.yaml');
      pvc.metadata = { ...pvc.metadata, name, namespace };
      pvc.spec!.storageClassName = sc;
      pvc.spec!.resources = { requests: { storage: facts.storage.pvcSize } };
      await k.core.createNamespacedPersistentVolumeClaim({ namespace, body: pvc });
      let consumer: string | undefined;
      try {
        if (cls.volumeBindingMode === 'WaitForFirstConsumer') {
          // the class binds only when a pod uses the claim
          consumer = `${name}-user`.slice(0, 63);
          const pod = fixtureYaml<V1Pod>('networking/netexec-pod.yaml');
          pod.metadata = {
            name: consumer,
            namespace,
            labels: { 'app.kubernetes.io/part-of': 'platform-validation' },
          };
          const ctr = pod.spec!.containers[0]!;
          ctr.image = facts.connectivity.image;
          ctr.args = facts.connectivity.serverArgs;
          ctr.readinessProbe = undefined;
          ctr.volumeMounts = [{ name: 'data', mountPath: '/data' }];
          pod.spec!.volumes = [{ name: 'data', persistentVolumeClaim: { claimName: name } }];
          await k.core.createNamespacedPod({ namespace, body: pod });
        }
        let phase = '';
        try {
          await expect
            .poll(
              async () => {
                const p = await k.core.readNamespacedPersistentVolumeClaim({ namespace, name });
                phase = p.status?.phase ?? 'no phase';
                return phase;
              },
              { timeout: facts.storage.bindTimeoutMs, interval: CONVERGE_POLL_MS },
            )
            .toBe('Bound');
        } catch {
          problems.push(
            `${sc}: PVC ${name} not Bound within ${facts.storage.bindTimeoutMs} ms (phase ${phase})`,
          );
          await evidence.events(k, namespace, { kind: 'PersistentVolumeClaim', name });
        }
        evidence.status(await k.core.readNamespacedPersistentVolumeClaim({ namespace, name }), `pvc-${sc}`);
      } finally {
        if (consumer)
          await k.core
            .deleteNamespacedPod({ namespace, name: consumer, gracePeriodSeconds: 0 })
            .catch(() => undefined);
        await k.core.deleteNamespacedPersistentVolumeClaim({ namespace, name }).catch(() => undefined);
      }
      // removal is part of the criterion: the claim must go away
      await expect
        .poll(
          async () =>
            k.core.readNamespacedPersistentVolumeClaim({ namespace, name }).then(
              () => 'present',
              (e) => (isNotFound(e) ? 'gone' : Promise.reject(e)),
            ),
          { timeout: 30_000, interval: CONVERGE_POLL_MS, message: `PVC ${namespace}/${name} not removed` },
        )
        .toBe('gone');
    };
    // settled, not Promise.all: a class that throws must not end the check while another still cleans up
    const settled = await Promise.allSettled(facts.storage.storageClasses.map(claimOn));
    for (const r of settled) if (r.status === 'rejected') throw r.reason;
    problems.sort();
    expect(problems, problems.join(' | ')).toEqual([]);
  },
);
