// The checks on the platform's custom resources (BGP, the wildcard certificate, flux-operator, chart
// sources, CNPG backups, VolSync, the VictoriaMetrics operator's CRs): each passes as declared on a
// fake cluster serving the lab's healthy shapes, and its probe fails naming the object and what is
// wrong with it (proven on the probe with a short poll, as the check polls for up to 15 s).
import type { V1Node } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { CheckContext } from '../../../helpers/check/index.js';
import { GVR, type KObject } from '../../../helpers/reads/k8s.js';
import { everyHealthy, readyProblem } from '../../../helpers/probes/kubernetes.js';
import { bgpProblems, bgpSessionsEstablished } from '../../../helpers/probes/bgp.js';
import { certificateIssued, certificateProblems } from '../../../helpers/probes/certificates.js';
import { fluxInstanceProblem } from '../../../helpers/probes/flux-operator.js';
import { scheduledBackupProblems } from '../../../helpers/probes/backups.js';
import { replicationProblem } from '../../../helpers/probes/volsync.js';
import { operationalProblem } from '../../../helpers/probes/victoria-operator.js';
import { runCheck } from './check-body.js';
import { failure, fakeEvidence } from './fake-run.js';

const notFound = () => Object.assign(new Error('HTTP-Code: 404 Message: not found'), { code: 404 });
const cond = (type: string, status: string, reason = '', message = '') => ({ type, status, reason, message });

/** A cluster serving `objects` by plural (custom objects API) and `nodes`; a missing name is a 404. */
function fakeCluster(objects: Record<string, KObject[]>, nodes: V1Node[] = []) {
  const list = (a: { plural: string; namespace?: string }) => ({
    items: (objects[a.plural] ?? []).filter((o) => !a.namespace || o.metadata?.namespace === a.namespace),
  });
  const get = (a: { plural: string; namespace?: string; name: string }) => {
    const o = list(a).items.find((x) => x.metadata?.name === a.name);
    if (!o) throw notFound();
    return o;
  };
  return {
    custom: {
      listClusterCustomObject: async (a: { plural: string }) => list(a),
      listNamespacedCustomObject: async (a: { plural: string; namespace: string }) => list(a),
      getClusterCustomObject: async (a: { plural: string; name: string }) => get(a),
      getNamespacedCustomObject: async (a: { plural: string; namespace: string; name: string }) => get(a),
    },
    core: { listNode: async () => ({ items: nodes }) },
  };
}
const ctx = (cluster: unknown, name: 'infra' | 'apps' = 'apps') => {
  const facts = structuredClone(factsDefaults(name)) as Facts;
  const { evidence, attached } = fakeEvidence();
  return { ctx: { cluster, facts, evidence } as unknown as CheckContext, attached };
};

// ---- BGP (lab/sim/cilium.ts writes these shapes) ------------------------------------------------
const node = (name: string): V1Node => ({ metadata: { name, labels: { 'kubernetes.io/os': 'linux' } } });
const clusterConfig = (): KObject => ({
  metadata: { name: 'apps-bgp' },
  spec: { nodeSelector: { matchLabels: { 'kubernetes.io/os': 'linux' } } },
});
const nodeConfig = (name: string, state = 'established', advertised = 3): KObject => ({
  metadata: { name },
  spec: {
    bgpInstances: [
      { name: 'instance-64513', peers: [{ name: 'upstream-router', peerAddress: '10.25.11.1' }] },
    ],
  },
  status: {
    bgpInstances: [
      {
        name: 'instance-64513',
        peers: [
          {
            name: 'upstream-router',
            peerAddress: '10.25.11.1',
            peeringState: state,
            routeCount: [{ afi: 'ipv4', safi: 'unicast', advertised, received: 1 }],
          },
        ],
      },
    ],
  },
});
const NODES = ['apps-cp-1', 'apps-cp-2', 'apps-cp-3'];

describe('NET-BGP-001 BGP sessions', () => {
  it('passes when every selected node’s peer is established and advertising', async () => {
    const cluster = fakeCluster(
      { ciliumbgpclusterconfigs: [clusterConfig()], ciliumbgpnodeconfigs: NODES.map((n) => nodeConfig(n)) },
      NODES.map(node),
    );
    const attached = await runCheck('suites/networking/bgp.test.ts', 'NET-BGP-001', cluster, {
      clusterName: 'apps',
    });
    expect(attached.bgp).toMatchObject({ nodeConfigs: NODES.map((name) => ({ name })) });
  });
  it('NET-BGP-001 fails naming the node, the peer and its session state; a node without a node config; a silent peer', () => {
    expect(
      bgpProblems(
        [clusterConfig()],
        [
          nodeConfig('apps-cp-1'),
          nodeConfig('apps-cp-2', 'active'),
          nodeConfig('apps-cp-3', 'established', 0),
        ],
        [...NODES, 'apps-worker-1'].map(node),
      ),
    ).toEqual([
      'node apps-worker-1: no CiliumBGPNodeConfig (selected by apps-bgp)',
      'CiliumBGPNodeConfig apps-cp-2: peer upstream-router (10.25.11.1) session active, expected established',
      'CiliumBGPNodeConfig apps-cp-3: peer upstream-router (10.25.11.1) established but advertises no route',
    ]);
    expect(bgpProblems([], [], [])).toEqual(['no CiliumBGPClusterConfig found']);
  });
  it('NET-BGP-001 fails through the probe with the session state in its message', async () => {
    const cluster = fakeCluster(
      {
        ciliumbgpclusterconfigs: [clusterConfig()],
        ciliumbgpnodeconfigs: [
          nodeConfig('apps-cp-1'),
          nodeConfig('apps-cp-2', 'idle'),
          nodeConfig('apps-cp-3'),
        ],
      },
      NODES.map(node),
    );
    const msg = await failure(bgpSessionsEstablished(50)(ctx(cluster).ctx));
    expect(msg).toMatch(/^BGP sessions not established/);
    expect(msg).toContain('CiliumBGPNodeConfig apps-cp-2: peer upstream-router (10.25.11.1) session idle');
  });
});

// ---- the wildcard certificate ------------------------------------------------------------------
const NOW = new Date('2026-12-06T00:00:00Z');
const cert = (
  ready = 'True',
  notAfter = '2027-03-06T00:00:00Z',
  dnsNames = ['monosense.io', '*.monosense.io'],
) => ({
  metadata: { namespace: 'cert-manager', name: 'wildcard-cert' },
  spec: {
    commonName: '*.monosense.io',
    dnsNames,
    secretName: 'wildcard-tls',
    issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt-production' },
  },
  status: {
    conditions: [
      cond(
        'Ready',
        ready,
        ready === 'True' ? 'Ready' : 'DoesNotExist',
        'Issuing certificate as Secret does not exist',
      ),
    ],
    notAfter,
  },
});
const issuer = (ready = 'True'): KObject => ({
  metadata: { name: 'letsencrypt-production' },
  status: {
    conditions: [cond('Ready', ready, ready === 'True' ? 'ACMEAccountRegistered' : 'ErrRegisterACMEAccount')],
  },
});

describe('NET-CERT-001 the wildcard certificate', () => {
  it('passes on an issued certificate whose ClusterIssuer is Ready', async () => {
    const cluster = fakeCluster({
      certificates: [cert('True', '2099-01-01T00:00:00Z')],
      clusterissuers: [issuer()],
    });
    const attached = await runCheck('suites/networking/certificates.test.ts', 'NET-CERT-001', cluster);
    expect(attached.certificate).toMatchObject({ issuer: { name: 'letsencrypt-production' } });
  });
  it('NET-CERT-001 fails naming the Certificate: not Ready, expired, another name, its issuer not Ready or missing', () => {
    expect(certificateProblems(cert('False'), issuer('False'), '*.monosense.io', NOW)).toEqual([
      'Certificate cert-manager/wildcard-cert: Ready=False (DoesNotExist: Issuing certificate as Secret does not exist)',
      'Certificate cert-manager/wildcard-cert: its issuer ClusterIssuer letsencrypt-production Ready=False (ErrRegisterACMEAccount)',
    ]);
    expect(
      certificateProblems(
        cert('True', '2026-12-01T00:00:00Z', ['monosense.io']),
        undefined,
        '*.example.org',
        NOW,
      ),
    ).toEqual([
      'Certificate cert-manager/wildcard-cert: covers *.monosense.io, monosense.io, not *.example.org',
      'Certificate cert-manager/wildcard-cert: expired at 2026-12-01T00:00:00Z',
      'Certificate cert-manager/wildcard-cert: its issuer ClusterIssuer letsencrypt-production not found',
    ]);
  });
  it('NET-CERT-001 fails through the probe when the issuer is gone', async () => {
    const cluster = fakeCluster({ certificates: [cert('True', '2099-01-01T00:00:00Z')] });
    const msg = await failure(certificateIssued((f) => f.certManager.wildcard, 50)(ctx(cluster).ctx));
    expect(msg).toMatch(/^Certificate cert-manager\/wildcard-cert not issued for \*\.monosense\.io/);
    expect(msg).toContain('its issuer ClusterIssuer letsencrypt-production not found');
  });
});

// ---- flux-operator and the chart sources ---------------------------------------------------------
const CONTROLLERS = [
  'source-controller',
  'kustomize-controller',
  'helm-controller',
  'notification-controller',
];
const fluxInstance = (ready = 'True', components = CONTROLLERS): KObject => ({
  metadata: { namespace: 'flux-system', name: 'flux' },
  status: {
    conditions: [cond('Ready', ready, ready === 'True' ? 'ReconciliationSucceeded' : 'ReconciliationFailed')],
    components: components.map((name) => ({ name, repository: `ghcr.io/fluxcd/${name}` })),
  },
});
const source = (name: string, ready = 'True', reason = 'Succeeded', message = ''): KObject => ({
  metadata: { namespace: 'flux-system', name },
  spec: { url: `oci://ghcr.io/example/${name}` },
  status: { conditions: [cond('Ready', ready, reason, message)] },
});

describe('GITOPS-FLUXOP-001..003 and GITOPS-SRC-001', () => {
  const FILE = 'suites/gitops/flux-operator.test.ts';
  it('pass on the lab’s FluxInstance, HelmRelease, CRD and sources', async () => {
    const cluster = fakeCluster({
      fluxinstances: [fluxInstance()],
      helmreleases: [
        {
          metadata: { namespace: 'flux-system', name: 'flux-instance' },
          status: { conditions: [cond('Ready', 'True', 'InstallSucceeded')] },
        },
      ],
      customresourcedefinitions: [
        {
          metadata: { name: 'fluxinstances.fluxcd.controlplane.io' },
          status: { conditions: [cond('Established', 'True', 'InitialNamesAccepted')] },
        },
      ],
      ocirepositories: [source('cilium'), source('cert-manager')],
      helmrepositories: [source('victoria-metrics')],
    });
    for (const id of ['GITOPS-FLUXOP-001', 'GITOPS-FLUXOP-002', 'GITOPS-FLUXOP-003', 'GITOPS-SRC-001'])
      await runCheck(FILE, id, cluster);
    const attached = await runCheck(FILE, 'GITOPS-SRC-001', cluster);
    expect((attached['chart-sources'] as { object: string }[]).map((s) => s.object)).toEqual([
      'OCIRepository flux-system/cilium',
      'OCIRepository flux-system/cert-manager',
      'HelmRepository flux-system/victoria-metrics',
    ]);
  });
  it('GITOPS-FLUXOP-001 fails naming the FluxInstance not Ready, or a controller it does not manage', () => {
    expect(fluxInstanceProblem(fluxInstance('False'), CONTROLLERS)).toBe(
      'Ready=False (ReconciliationFailed)',
    );
    expect(fluxInstanceProblem(fluxInstance('True', CONTROLLERS.slice(0, 2)), CONTROLLERS)).toBe(
      'does not manage helm-controller, notification-controller (status.components: source-controller, kustomize-controller)',
    );
  });
  it('GITOPS-SRC-001 fails naming the source that cannot pull its chart, and a missing Cilium source', async () => {
    const spec = {
      kinds: () => [{ kind: 'OCIRepository', gvr: GVR.ociRepository }],
      required: (f: Facts) => [f.cilium.chartSource],
      problem: readyProblem,
      attachAs: 'chart-sources',
      timeoutMs: 50,
    };
    const failing = fakeCluster({
      ocirepositories: [
        source('harbor', 'False', 'OCIArtifactPullFailed', 'failed to pull artifact: 401 Unauthorized'),
      ],
    });
    const msg = await failure(everyHealthy(spec)(ctx(failing).ctx));
    expect(msg).toMatch(/^OCIRepository not healthy/);
    expect(msg).toContain(
      'OCIRepository flux-system/harbor: Ready=False (OCIArtifactPullFailed: failed to pull artifact: 401 Unauthorized)',
    );
    expect(msg).toContain('OCIRepository flux-system/cilium: not found');
    expect(await failure(everyHealthy({ ...spec, required: () => [] })(ctx(fakeCluster({})).ctx))).toContain(
      'no OCIRepository found',
    );
  });
  it('GITOPS-FLUXOP-002, GITOPS-FLUXOP-003 fail naming the object and the condition seen', async () => {
    const { conditionTrue } = await import('../../../helpers/probes/kubernetes.js');
    const cluster = fakeCluster({
      helmreleases: [
        {
          metadata: { namespace: 'flux-system', name: 'flux-instance' },
          status: { conditions: [cond('Ready', 'False', 'UpgradeFailed', 'context deadline exceeded')] },
        },
      ],
      customresourcedefinitions: [
        {
          metadata: { name: 'fluxinstances.fluxcd.controlplane.io' },
          status: { conditions: [cond('Established', 'False', 'Installing')] },
        },
      ],
    });
    expect(
      await failure(
        conditionTrue((f) => ({ kind: 'HelmRelease', gvr: GVR.helmRelease, ...f.flux.instanceRelease }), {
          timeoutMs: 50,
        })(ctx(cluster).ctx),
      ),
    ).toMatch(
      /^HelmRelease flux-system\/flux-instance[\s\S]*Ready=False \(UpgradeFailed: context deadline exceeded\)/,
    );
    expect(
      await failure(
        conditionTrue(() => ({ kind: 'CRD', gvr: GVR.crd, name: 'fluxinstances.fluxcd.controlplane.io' }), {
          type: 'Established',
          timeoutMs: 50,
        })(ctx(cluster).ctx),
      ),
    ).toMatch(/^CRD fluxinstances\.fluxcd\.controlplane\.io[\s\S]*Established=False \(Installing\)/);
  });
});

// ---- CNPG backups --------------------------------------------------------------------------------
const scheduled = (last?: string, suspend = false): KObject => ({
  metadata: { namespace: 'cnpg-system', name: 'shared-postgres-daily' },
  spec: { cluster: { name: 'shared-postgres' }, schedule: '0 0 3 * * *', suspend },
  status: last ? { lastScheduleTime: last } : {},
});
const backup = (name: string, startedAt: string, phase = 'completed', error?: string): KObject => ({
  metadata: { namespace: 'cnpg-system', name },
  spec: { cluster: { name: 'shared-postgres' } },
  status: { phase, startedAt, ...(error ? { error } : {}) },
});

describe('DB-CNPG-003 daily backups', () => {
  it('passes with a backup scheduled an hour ago and the newest Backup completed', async () => {
    const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
    const cluster = fakeCluster({
      scheduledbackups: [scheduled(hourAgo)],
      backups: [backup('old', '2026-01-01T00:00:00Z', 'failed'), backup('new', hourAgo)],
    });
    const attached = await runCheck('suites/databases/cnpg.test.ts', 'DB-CNPG-003', cluster, {
      clusterName: 'apps',
    });
    expect(attached.backups).toMatchObject({ scheduled: [{ name: 'shared-postgres-daily' }] });
  });
  it('DB-CNPG-003 fails naming the ScheduledBackup that has not fired or is suspended, and the newest Backup that failed', () => {
    expect(
      scheduledBackupProblems(
        [scheduled('2026-12-04T03:00:00Z', true)],
        [
          backup('a', '2026-12-03T03:00:00Z'),
          backup('b', '2026-12-04T03:00:00Z', 'failed', 'exit status 4: barman-cloud-backup'),
        ],
        'shared-postgres',
        26,
        NOW,
      ),
    ).toEqual([
      'ScheduledBackup cnpg-system/shared-postgres-daily: suspended',
      'ScheduledBackup cnpg-system/shared-postgres-daily: last scheduled 2026-12-04T03:00:00Z, more than 26 h ago',
      'Backup cnpg-system/b (newest finished): phase failed: exit status 4: barman-cloud-backup',
    ]);
    expect(scheduledBackupProblems([scheduled()], [], 'shared-postgres', 26, NOW)).toEqual([
      'ScheduledBackup cnpg-system/shared-postgres-daily: never scheduled (no lastScheduleTime)',
      'Cluster shared-postgres: no finished Backup',
    ]);
    // the one under way is not judged: the newest finished one is
    expect(
      scheduledBackupProblems(
        [scheduled('2026-12-05T03:00:00Z')],
        [backup('done', '2026-12-05T03:00:00Z'), backup('now', '2026-12-05T23:59:00Z', 'running')],
        'shared-postgres',
        26,
        NOW,
      ),
    ).toEqual([]);
    expect(scheduledBackupProblems([], [], 'shared-postgres', 26, NOW)).toEqual([
      'no ScheduledBackup for Cluster shared-postgres',
    ]);
  });
});

// ---- VolSync -------------------------------------------------------------------------------------
const replication = (ns: string, name: string, result?: string, lastSyncTime?: string): KObject => ({
  metadata: { namespace: ns, name },
  status: {
    ...(lastSyncTime ? { lastSyncTime } : {}),
    ...(result
      ? { latestMoverStatus: { result, logs: 'Fatal: unable to open repository\nrestic exited 1' } }
      : {}),
    conditions: [cond('Synchronizing', 'False', 'WaitingForSchedule')],
  },
});

describe('STO-VOLSYNC-001 VolSync replication', () => {
  it('passes with the facts’ source and destination synchronised', async () => {
    const cluster = fakeCluster({
      replicationsources: [replication('harbor', 'harbor-trivy', 'Successful', '2026-12-05T23:00:00Z')],
      replicationdestinations: [
        replication('harbor', 'harbor-trivy-dst', 'Successful', '2026-12-05T23:00:00Z'),
      ],
    });
    await runCheck('suites/storage/volsync.test.ts', 'STO-VOLSYNC-001', cluster, { clusterName: 'apps' });
  });
  it('STO-VOLSYNC-001 fails naming the replication whose mover failed, never synced, or is missing', async () => {
    expect(replicationProblem(replication('harbor', 'harbor-trivy', 'Failed', '2026-12-05T23:00:00Z'))).toBe(
      'last sync Failed: restic exited 1',
    );
    expect(replicationProblem(replication('harbor', 'x'))).toBe('never synchronised (no lastSyncTime)');
    const msg = await failure(
      everyHealthy({
        kinds: () => [{ kind: 'ReplicationSource', gvr: GVR.replicationSource }],
        required: () => [{ kind: 'ReplicationSource', namespace: 'harbor', name: 'harbor-trivy' }],
        problem: replicationProblem,
        attachAs: 'replications',
        timeoutMs: 50,
      })(
        ctx(
          fakeCluster({
            replicationsources: [replication('gitlab', 'repo', 'Failed', '2026-12-05T23:00:00Z')],
          }),
        ).ctx,
      ),
    );
    expect(msg).toContain('ReplicationSource gitlab/repo: last sync Failed: restic exited 1');
    expect(msg).toContain('ReplicationSource harbor/harbor-trivy: not found');
  });
});

// ---- the VictoriaMetrics operator's CRs ------------------------------------------------------------
const vm = (name: string, updateStatus?: string, reason?: string): KObject => ({
  metadata: { namespace: 'observability', name },
  status: { ...(updateStatus ? { updateStatus } : {}), ...(reason ? { reason } : {}) },
});

describe('OBS-VM-003, OBS-VM-004, OBS-VL-002 operational', () => {
  const FILE = 'suites/observability/victoria.test.ts';
  it('pass on the lab’s operational VMCluster, VMAgent, VMAuth and VLCluster', async () => {
    const cluster = fakeCluster({
      vmclusters: [vm('victoria-metrics', 'operational')],
      vmagents: [vm('vmagent', 'operational')],
      vmauths: [vm('victoria-metrics', 'operational')],
      vlclusters: [vm('victoria-logs', 'operational')],
    });
    for (const id of ['OBS-VM-003', 'OBS-VM-004', 'OBS-VL-002']) await runCheck(FILE, id, cluster);
  });
  it('OBS-VM-003, OBS-VM-004, OBS-VL-002 fail naming the CR, its updateStatus and the operator’s reason', async () => {
    expect(operationalProblem(vm('victoria-metrics', 'failed', 'cannot update vmstorage StatefulSet'))).toBe(
      'updateStatus failed, expected operational (cannot update vmstorage StatefulSet)',
    );
    expect(operationalProblem(vm('victoria-logs'))).toBe('updateStatus unset, expected operational');
    const msg = await failure(
      everyHealthy({
        kinds: () => [{ kind: 'VMAuth', gvr: GVR.vmAuth, namespace: 'observability' }],
        required: () => [{ kind: 'VMAuth', namespace: 'observability', name: 'victoria-metrics' }],
        problem: operationalProblem,
        attachAs: 'vmauths',
        timeoutMs: 50,
      })(ctx(fakeCluster({ vmauths: [vm('victoria-metrics', 'expanding')] }), 'infra').ctx),
    );
    expect(msg).toMatch(/^VMAuth not healthy/);
    expect(msg).toContain(
      'VMAuth observability/victoria-metrics: updateStatus expanding, expected operational',
    );
  });
});
