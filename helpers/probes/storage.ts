// Storage check mechanisms: Ceph's own health as the Rook toolbox reports it (STO-CEPH-002), and
// dynamic provisioning as STO-PVC-001 proves it: a PVC per storage class (with a consumer pod for
// WaitForFirstConsumer classes) binds within the facts' bound, and is removed again.
import type { V1PersistentVolumeClaim, V1Pod } from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { Facts } from '../config/index.js';
import type { CheckEvidence } from '../check/index.js';
import { CONVERGE_POLL_MS, exec, type ClusterHandle } from '../cluster/index.js';
import { CEPH_STATUS_COMMAND } from '../reads/access.js';
import { fixtureYaml } from '../reads/fixtures.js';
import { isNotFound, selectorOf } from '../reads/k8s.js';

/** What STO-CEPH-002 reads of `ceph status -f json`. */
export interface CephStatus {
  health?: {
    status?: string;
    checks?: Record<string, { summary?: { message?: string }; muted?: boolean }>;
  };
  osdmap?: { num_osds?: number; num_up_osds?: number; num_in_osds?: number };
}

/**
 * The health as one line a person reads: `HEALTH_WARN (OSD_DOWN: 1 osds down; ...)`, or `HEALTH_OK`.
 * A muted check (`ceph health mute`) is left out: Ceph itself does not count it in the status.
 */
export function cephHealth(s: CephStatus): string {
  const checks = Object.entries(s.health?.checks ?? {})
    .filter(([, v]) => !v.muted)
    .map(([k, v]) => `${k}: ${v.summary?.message ?? ''}`);
  return `${s.health?.status}${checks.length ? ` (${checks.join('; ')})` : ''}`;
}

/**
 * Why STO-CEPH-002 fails on a `ceph status -f json`: health not HEALTH_OK (with its checks), no OSD
 * count in `osdmap` (a renamed or nested osdmap, as Nautilus wrote it, must not read as "all of zero
 * OSDs up"), or OSDs not all up and in. Empty when healthy.
 */
export function cephStatusProblems(s: CephStatus): string[] {
  const problems: string[] = [];
  const health = cephHealth(s);
  if (health !== 'HEALTH_OK') problems.push(`ceph health: ${health}`);
  const osd = s.osdmap ?? {};
  if (typeof osd.num_osds !== 'number' || osd.num_osds <= 0)
    problems.push(
      `no OSD count: osdmap.num_osds is ${JSON.stringify(osd.num_osds)} (osdmap ${JSON.stringify(s.osdmap)})`,
    );
  else if (osd.num_up_osds !== osd.num_osds || osd.num_in_osds !== osd.num_osds)
    problems.push(`OSDs up/in of ${osd.num_osds}: ${osd.num_up_osds} up, ${osd.num_in_osds} in`);
  return problems;
}

/** What STO-CEPH-001 reads of a CephCluster (Rook's status.ceph). */
interface RookCephStatus {
  health?: string;
  details?: Record<string, { message?: string; severity?: string }>;
}

/** STO-CEPH-001's value: Rook's status.ceph.health with its details, `HEALTH_OK` when healthy. */
export function cephClusterHealth(cc: { status?: Record<string, unknown> }): string {
  const ceph = (cc.status?.ceph ?? {}) as RookCephStatus;
  const details = Object.entries(ceph.details ?? {}).map(([k, v]) => `${k}: ${v.message ?? ''}`);
  return `${ceph.health ?? 'no status.ceph.health'}${details.length ? ` (${details.join('; ')})` : ''}`;
}

/**
 * `ceph status -f json` (CEPH_STATUS_COMMAND) in the first Running pod of the toolbox Deployment of
 * facts.storage.ceph, its output attached as ceph-status.json. Asserts that such a pod runs and the
 * command exits 0 (the message names the Deployment, or carries the stderr); returns the parsed status.
 */
export async function toolboxCephStatus(
  k: ClusterHandle,
  c: Facts['storage']['ceph'],
  evidence: CheckEvidence,
): Promise<CephStatus> {
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
  return JSON.parse(r.stdout) as CephStatus;
}

/**
 * Claims on every class of facts.storage.storageClasses side by side in `namespace` (the run's) and
 * returns the problems, sorted (`<class>: PVC <name> not Bound within N ms (phase P)`, `<class>:
 * storage class missing`); throws when the API refuses, or a claim is not removed within 30 s.
 */
export async function claimOnEachClass(
  k: ClusterHandle,
  namespace: string,
  facts: Facts,
  evidence: CheckEvidence,
): Promise<string[]> {
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
  return problems.sort();
}
