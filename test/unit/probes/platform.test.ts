// suites/bootstrap/platform.test.ts: each check, run as declared on a fake cluster, reads the objects
// its facts name and passes on the healthy shape; its probe fails naming the object and the value
// seen (proven on the probe with a short poll, as the check polls for up to a minute).
import type { V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { CheckContext } from '../../../helpers/check/index.js';
import { GVR } from '../../../helpers/reads/k8s.js';
import { everyReady, rolledOut } from '../../../helpers/probes/kubernetes.js';
import {
  crashLooping,
  namespaceProblem,
  namespacesActive,
  noCrashLoopingPods,
  noRecentRestarts,
  pdbProblem,
  pdbsAllowDisruption,
  recentRestarts,
} from '../../../helpers/probes/hygiene.js';
import { runCheck } from './check-body.js';
import { failure, fakeEvidence } from './fake-run.js';

const FILE = 'suites/bootstrap/platform.test.ts';
const notFound = () => Object.assign(new Error('HTTP-Code: 404 Message: not found'), { code: 404 });

const deployment = (namespace: string, name: string, available = 1) => ({
  metadata: { namespace, name, generation: 1 },
  spec: { replicas: 1 },
  status: { observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: available },
});
const daemonSet = (namespace: string, name: string, ready = 3) => ({
  metadata: { namespace, name, generation: 1 },
  status: {
    observedGeneration: 1,
    desiredNumberScheduled: 3,
    updatedNumberScheduled: 3,
    numberReady: ready,
    numberAvailable: ready,
  },
});

/** A cluster serving exactly the named workloads (rolled out); any other name is a 404. */
function workloadCluster(names: string[], read: string[] = []) {
  const serve =
    (make: (namespace: string, name: string) => object) => async (a: { namespace: string; name: string }) => {
      read.push(`${a.namespace}/${a.name}`);
      if (!names.includes(`${a.namespace}/${a.name}`)) throw notFound();
      return make(a.namespace, a.name);
    };
  return { apps: { readNamespacedDeployment: serve(deployment), readNamespacedDaemonSet: serve(daemonSet) } };
}

const ctx = (cluster: unknown, edit?: (f: Facts) => void) => {
  const facts = structuredClone(factsDefaults('apps')) as Facts;
  edit?.(facts);
  const { evidence, attached } = fakeEvidence();
  return { ctx: { cluster, facts, evidence } as unknown as CheckContext, attached };
};

describe('operators and controllers Running (rolledOut over facts.workloads)', () => {
  const CHECKS: [string, keyof Facts['workloads'], 'infra' | 'apps'][] = [
    ['BOOT-OPS-001', 'rookCephOperator', 'infra'],
    ['BOOT-OPS-002', 'cnpgOperator', 'infra'],
    ['BOOT-OPS-003', 'dragonflyOperator', 'apps'],
    ['BOOT-OPS-004', 'strimziOperator', 'apps'],
    ['BOOT-OPS-005', 'fluxOperator', 'infra'],
    ['NET-CLUSTERMESH-001', 'clustermeshApiserver', 'apps'],
    ['BOOT-OPS-006', 'snapshotController', 'apps'],
    ['BOOT-OPS-007', 'volsync', 'apps'],
    ['BOOT-OPS-008', 'arcController', 'apps'],
    ['OBS-KSM-001', 'kubeStateMetrics', 'apps'],
    ['OBS-NODEEXP-001', 'nodeExporter', 'apps'],
  ];

  it.each(CHECKS)('%s passes reading exactly the workloads of facts.workloads.%s', async (id, key, cl) => {
    const w = factsDefaults(cl).workloads[key];
    const names = [...(w.deployments ?? []), ...(w.daemonSets ?? [])].map((n) => `${w.namespace}/${n}`);
    const read: string[] = [];
    const attached = await runCheck(FILE, id, workloadCluster(names, read), { clusterName: cl });
    expect(read).toEqual(names);
    expect(Object.keys(attached)).toEqual(names.map((n) => `status ${n.split('/')[1]}`));
  });

  it('BOOT-OPS-001, BOOT-OPS-002, BOOT-OPS-003, BOOT-OPS-004, BOOT-OPS-005, NET-CLUSTERMESH-001, BOOT-OPS-006, BOOT-OPS-007, BOOT-OPS-008, OBS-KSM-001 fail naming the Deployment and why it is not rolled out (scaled to 0, unavailable, missing)', async () => {
    const unavailable = {
      apps: {
        readNamespacedDeployment: async (a: { namespace: string; name: string }) =>
          deployment(a.namespace, a.name, 0),
      },
    };
    const seen = await Promise.all(
      CHECKS.slice(0, 10).map(async ([, key]) => {
        const { ctx: c } = ctx(unavailable);
        return [key, await failure(rolledOut((f) => f.workloads[key], 50)(c))] as const;
      }),
    );
    for (const [key, message] of seen) {
      const w = factsDefaults('apps').workloads[key];
      expect(message).toMatch(
        new RegExp(
          `^Deployments not rolled out in ${w.namespace}[\\s\\S]*${w.namespace}/${w.deployments![0]}: 0 of 1 updated replicas are available`,
        ),
      );
    }
    const { ctx: scaled } = ctx({
      apps: {
        readNamespacedDeployment: async () => ({
          ...deployment('rook-ceph', 'rook-ceph-operator'),
          spec: { replicas: 0 },
        }),
      },
    });
    expect(await failure(rolledOut((f) => f.workloads.rookCephOperator, 50)(scaled))).toMatch(
      /rook-ceph\/rook-ceph-operator: scaled to 0 replicas/,
    );
    const { ctx: missing } = ctx(workloadCluster([]));
    expect(await failure(rolledOut((f) => f.workloads.strimziOperator, 50)(missing))).toMatch(
      /messaging\/strimzi-cluster-operator: Deployment not found/,
    );
  });

  it('OBS-NODEEXP-001 fails naming the DaemonSet and its ready pods', async () => {
    const { ctx: c } = ctx({
      apps: { readNamespacedDaemonSet: async () => daemonSet('observability', 'node-exporter', 2) },
    });
    expect(await failure(rolledOut((f) => f.workloads.nodeExporter, 50)(c))).toMatch(
      /^workloads not rolled out in observability[\s\S]*observability\/node-exporter: 2 of 3 updated pods are ready/,
    );
  });

  it('refuses a group that names no workload (it would pass by iterating nothing)', async () => {
    const { ctx: c } = ctx(workloadCluster([]));
    await expect(rolledOut(() => ({ namespace: 'x' }), 50)(c)).rejects.toThrow(
      /no workload named in namespace x/,
    );
  });
});

describe('BOOT-NS-001 namespaces Active', () => {
  const nsCluster = (phases: Record<string, string>) => ({
    core: {
      readNamespace: async ({ name }: { name: string }) => {
        if (!(name in phases)) throw notFound();
        return { metadata: { name }, status: { phase: phases[name] } };
      },
    },
  });
  const all = Object.fromEntries(factsDefaults('infra').namespaces.map((n) => [n, 'Active']));

  it('passes on every namespace of facts.namespaces Active, and attaches their phases', async () => {
    const attached = await runCheck(FILE, 'BOOT-NS-001', nsCluster(all));
    expect(attached.namespaces).toEqual(all);
  });
  it('BOOT-NS-001 fails naming a Terminating namespace and a missing one', async () => {
    const phases = { ...all, 'cnpg-system': 'Terminating' } as Record<string, string>;
    delete phases.observability;
    const { ctx: c2 } = ctx(nsCluster(phases));
    expect(await failure(namespacesActive((f) => f.namespaces, 50)(c2))).toMatch(
      /^namespaces not Active[\s\S]*cnpg-system: phase Terminating[\s\S]*observability: not found/,
    );
    expect(namespaceProblem('x', { status: {} })).toBe('x: phase unset');
  });
});

describe('BOOT-ESO-001 every ExternalSecret Ready', () => {
  const es = (ns: string, name: string, status: string, reason?: string, message?: string) => ({
    metadata: { namespace: ns, name },
    status: { conditions: [{ type: 'Ready', status, reason, message }] },
  });
  const esCluster = (items: unknown[]) => ({
    custom: { listClusterCustomObject: async () => ({ items }) },
  });

  it('passes when every ExternalSecret is Ready, and lists them as evidence', async () => {
    const attached = await runCheck(
      FILE,
      'BOOT-ESO-001',
      esCluster([es('observability', 'grafana-admin', 'True', 'SecretSynced')]),
    );
    expect(attached.externalSecrets).toEqual([
      { name: 'observability/grafana-admin', ready: 'Ready=True (SecretSynced)', suspended: false },
    ]);
  });
  it('BOOT-ESO-001 fails naming the ExternalSecret that does not sync, with its reason and message', async () => {
    const { ctx: c } = ctx(
      esCluster([
        es('observability', 'grafana-admin', 'True', 'SecretSynced'),
        es(
          'cnpg-system',
          'harbor-db-credentials',
          'False',
          'SecretSyncedError',
          'item cnpg-harbor not found',
        ),
      ]),
    );
    expect(
      await failure(everyReady({ plural: 'externalSecrets', gvr: GVR.externalSecret }, { timeoutMs: 50 })(c)),
    ).toMatch(
      /externalSecrets not Ready[\s\S]*cnpg-system\/harbor-db-credentials: Ready=False \(SecretSyncedError: item cnpg-harbor not found\)/,
    );
  });
});

describe('BOOT-HYG-001 no CrashLoopBackOff', () => {
  const pod = (name: string, waiting?: string, init = false): V1Pod => {
    const status = {
      name: 'main',
      restartCount: 7,
      ready: false,
      image: 'x',
      imageID: '',
      state: waiting ? { waiting: { reason: waiting } } : { running: {} },
      lastState: waiting ? { terminated: { exitCode: 1, reason: 'Error' } } : {},
    };
    return {
      metadata: { namespace: 'kube-system', name },
      status: init ? { initContainerStatuses: [status] } : { containerStatuses: [status] },
    } as V1Pod;
  };
  const podCluster = (items: V1Pod[]) => ({ core: { listPodForAllNamespaces: async () => ({ items }) } });

  it('passes with running pods and one merely waiting for its image', async () => {
    const attached = await runCheck(
      FILE,
      'BOOT-HYG-001',
      podCluster([pod('coredns-a'), pod('coredns-b', 'ContainerCreating')]),
    );
    expect(attached.crashloop).toEqual({ pods: 2, crashLoopBackOff: [] });
  });
  it('BOOT-HYG-001 fails naming the pod, the container, its restarts and last exit (init containers too)', async () => {
    const items = [
      pod('coredns-a'),
      pod('coredns-b', 'CrashLoopBackOff'),
      pod('cilium-x', 'CrashLoopBackOff', true),
    ];
    expect(crashLooping(items)).toEqual([
      'kube-system/coredns-b container main (restarts 7, last exit Error 1)',
      'kube-system/cilium-x container main (restarts 7, last exit Error 1)',
    ]);
    const { ctx: c } = ctx(podCluster(items));
    expect(await failure(noCrashLoopingPods(50)(c))).toMatch(
      /^pods in CrashLoopBackOff[\s\S]*kube-system\/coredns-b container main \(restarts 7, last exit Error 1\)/,
    );
  });
});

describe('BOOT-HYG-002 PodDisruptionBudgets', () => {
  const pdb = (
    name: string,
    s: Partial<NonNullable<V1PodDisruptionBudget['status']>>,
  ): V1PodDisruptionBudget => ({
    metadata: { namespace: 'kube-system', name, generation: 1 },
    status: {
      observedGeneration: 1,
      currentHealthy: 2,
      desiredHealthy: 1,
      expectedPods: 2,
      disruptionsAllowed: 1,
      ...s,
    },
  });
  const pdbCluster = (items: V1PodDisruptionBudget[]) => ({
    policy: { listPodDisruptionBudgetForAllNamespaces: async () => ({ items }) },
  });

  it('passes on budgets that allow a disruption, and on one selecting no pod', async () => {
    const attached = await runCheck(
      FILE,
      'BOOT-HYG-002',
      pdbCluster([
        pdb('coredns', {}),
        pdb('empty', { currentHealthy: 0, desiredHealthy: 0, expectedPods: 0, disruptionsAllowed: 0 }),
      ]),
    );
    expect((attached.pdbs as unknown[]).length).toBe(2);
  });
  it('BOOT-HYG-002 fails naming a violated budget and one that blocks every eviction, with their counts', async () => {
    const violated = pdb('dragonfly', {
      currentHealthy: 1,
      desiredHealthy: 2,
      expectedPods: 3,
      disruptionsAllowed: 0,
    });
    const blocking = pdb('operator', {
      currentHealthy: 1,
      desiredHealthy: 1,
      expectedPods: 1,
      disruptionsAllowed: 0,
    });
    expect(pdbProblem(violated)).toBe(
      'kube-system/dragonfly: violated (currentHealthy 1, desiredHealthy 2, expectedPods 3, disruptionsAllowed 0)',
    );
    expect(pdbProblem(blocking)).toBe(
      'kube-system/operator: allows no disruption with every pod healthy (currentHealthy 1, desiredHealthy 1, expectedPods 1, disruptionsAllowed 0)',
    );
    expect(pdbProblem(pdb('stale', { observedGeneration: 0 }))).toBe(
      'kube-system/stale: status not observed yet',
    );
    const { ctx: c } = ctx(pdbCluster([pdb('coredns', {}), violated, blocking]));
    expect(await failure(pdbsAllowDisruption(50)(c))).toMatch(
      /^PodDisruptionBudgets not met[\s\S]*kube-system\/dragonfly: violated[\s\S]*kube-system\/operator: allows no disruption/,
    );
  });
});

describe('BOOT-HYG-003 no recent core-controller restart', () => {
  const NOW = new Date('2026-12-07T12:00:00Z');
  const pod = (namespace: string, name: string, restarts: number, finishedAt?: string): V1Pod => ({
    metadata: { namespace, name },
    status: {
      containerStatuses: [
        {
          name: 'manager',
          restartCount: restarts,
          ready: true,
          image: 'x',
          imageID: '',
          state: { running: {} },
          lastState: finishedAt
            ? { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: new Date(finishedAt) } }
            : {},
        },
      ],
    },
  });
  const nsCluster = (items: V1Pod[]) => ({
    core: {
      listNamespacedPod: async ({ namespace }: { namespace: string }) => ({
        items: items.filter((p) => p.metadata?.namespace === namespace),
      }),
    },
  });

  it('passes when the only restarts are older than the window, and lists them as evidence', async () => {
    const items = [
      pod('flux-system', 'source-controller-a', 0),
      pod('cert-manager', 'cert-manager-a', 2, '2026-12-06T09:00:00Z'),
      pod('external-secrets', 'external-secrets-a', 0),
    ];
    expect(recentRestarts(items, NOW, 60 * 60_000)).toEqual([]);
    const attached = await runCheck(FILE, 'BOOT-HYG-003', nsCluster(items));
    expect(attached.restarts).toMatchObject({
      namespaces: ['flux-system', 'cert-manager', 'external-secrets'],
      pods: 3,
      withinMinutes: 60,
      restarted: [{ pod: 'cert-manager/cert-manager-a', container: 'manager', restartCount: 2 }],
    });
  });
  it('BOOT-HYG-003 fails on a controller namespace with no pod at all (a wrong namespace in the facts is no pass)', async () => {
    const { ctx: c } = ctx(nsCluster([pod('flux-system', 'source-controller-a', 0)]));
    expect(
      await failure(noRecentRestarts((f) => [f.flux.namespace, f.certManager.namespace], 60, 50)(c)),
    ).toMatch(/^containers restarted in the last 60 min[\s\S]*cert-manager: no pod in this namespace/);
  });
  it('BOOT-HYG-003 fails naming the pod, the container, its restarts, last exit and when (and an unknown time)', async () => {
    const items = [
      pod('cert-manager', 'cert-manager-a', 1, '2026-12-07T11:50:00Z'),
      pod('external-secrets', 'external-secrets-a', 3),
      pod('flux-system', 'helm-controller-a', 1, '2026-12-07T10:00:00Z'),
    ];
    expect(recentRestarts(items, NOW, 60 * 60_000)).toEqual([
      'cert-manager/cert-manager-a container manager (restarts 1, last exit OOMKilled 137 at 2026-12-07T11:50:00.000Z)',
      'external-secrets/external-secrets-a container manager (restarts 3, time of the last restart unknown)',
    ]);
    const recent = pod('cert-manager', 'cert-manager-a', 1, new Date().toISOString());
    const { ctx: c } = ctx(nsCluster([recent]));
    expect(await failure(noRecentRestarts((f) => [f.certManager.namespace], 60, 50)(c))).toMatch(
      /^containers restarted in the last 60 min[\s\S]*cert-manager\/cert-manager-a container manager \(restarts 1, last exit OOMKilled 137 at /,
    );
  });
});
