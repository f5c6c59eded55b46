// The declarative probes and file-level requirements fail for the right reason: the message names the
// object, the expected and the seen value; evidence is attached without the check asking for it.
import { describe, expect, it } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import { unmetRequirement } from '../../../helpers/check/suite.js';
import type { CheckContext } from '../../../helpers/check/index.js';
import { GVR } from '../../../helpers/reads/k8s.js';
import {
  conditionTrue,
  configMapCount,
  deploymentReplicas,
  everyReady,
  fieldEquals,
  rolledOut,
} from '../../../helpers/probes/kubernetes.js';
import { fakeEvidence } from './fake-run.js';

const facts = (): Facts => structuredClone(factsDefaults('infra')) as Facts;

function fakeContext(objects: { custom?: unknown; list?: unknown[]; deployment?: unknown }) {
  const attached: string[] = [];
  const cluster = {
    custom: {
      getClusterCustomObject: async () => objects.custom,
      getNamespacedCustomObject: async () => objects.custom,
      listClusterCustomObject: async () => ({ items: objects.list ?? [] }),
    },
    apps: { readNamespacedDeployment: async () => objects.deployment },
  };
  const evidence = {
    status: (o: { metadata?: { name?: string } }) => attached.push(`status ${o?.metadata?.name}`),
    json: (n: string) => attached.push(`json ${n}`),
  };
  return { ctx: { cluster, facts: facts(), evidence } as unknown as CheckContext, attached };
}

/** The failure as the JUnit shows it: message plus the seen value (vitest truncates it in the message). */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as { message: string; actual?: unknown };
    return `${err.message}\nactual: ${String(err.actual)}`;
  }
  throw new Error('the probe passed');
}

const cond = (status: string, reason?: string, message?: string) => ({
  conditions: [{ type: 'Ready', status, reason, message }],
});

describe('conditionTrue', () => {
  it('passes on Ready=True and attaches the object', async () => {
    const { ctx, attached } = fakeContext({ custom: { metadata: { name: 'vault' }, status: cond('True') } });
    await conditionTrue(() => ({ kind: 'ClusterSecretStore', gvr: GVR.clusterSecretStore, name: 'vault' }), {
      timeoutMs: 50,
    })(ctx);
    expect(attached).toContain('status vault');
  });
  it('BOOT-CORE-007 fails naming the kind, the object and the seen condition', async () => {
    const { ctx } = fakeContext({
      custom: {
        metadata: { name: 'vault' },
        status: cond('False', 'InvalidProviderConfig', 'token expired'),
      },
    });
    const run = conditionTrue(
      () => ({ kind: 'ClusterSecretStore', gvr: GVR.clusterSecretStore, name: 'vault' }),
      {
        timeoutMs: 50,
      },
    );
    expect(await failure(run(ctx))).toMatch(
      /ClusterSecretStore vault[\s\S]*Ready=False \(InvalidProviderConfig: token expired\)/,
    );
  });
  it('BOOT-CORE-009 fails with a field: Ready=True without the artifact revision, naming the field', async () => {
    const { ctx } = fakeContext({
      custom: { metadata: { name: 'flux-system' }, status: { ...cond('True') } },
    });
    const run = conditionTrue(
      () => ({
        kind: 'GitRepository',
        gvr: GVR.gitRepository,
        namespace: 'flux-system',
        name: 'flux-system',
      }),
      {
        timeoutMs: 50,
        field: {
          label: 'artifact revision',
          get: (o) => (o.status?.artifact as { revision?: string })?.revision,
        },
      },
    );
    expect(await failure(run(ctx))).toMatch(
      /GitRepository flux-system\/flux-system[\s\S]*artifact revision missing/,
    );
  });
});

describe('fieldEquals', () => {
  it('fails naming the object and field, with the rendered seen value', async () => {
    const cc = { metadata: { name: 'rook-ceph' }, status: { ceph: { health: 'HEALTH_WARN' } } };
    const probe = fieldEquals(
      () => ({ kind: 'CephCluster', gvr: GVR.cephCluster, namespace: 'rook-ceph', name: 'rook-ceph' }),
      {
        label: 'health',
        want: 'HEALTH_OK',
        get: (o) => String((o.status?.ceph as { health?: string }).health),
      },
      50,
    );
    expect(await failure(probe(fakeContext({ custom: cc }).ctx))).toMatch(
      /CephCluster rook-ceph\/rook-ceph health[\s\S]*actual: HEALTH_WARN/,
    );
  });
});

describe('everyReady', () => {
  it('lists each object that is not Ready, and zero objects is a failure', async () => {
    const list = [
      { metadata: { namespace: 'flux-system', name: 'apps' }, status: cond('True') },
      {
        metadata: { namespace: 'flux-system', name: 'infra' },
        status: cond('False', 'BuildFailed', 'kustomize error'),
      },
    ];
    const { ctx, attached } = fakeContext({ list });
    const probe = everyReady(
      { plural: 'kustomizations', gvr: GVR.kustomization },
      { timeoutMs: 50, intervalMs: 10 },
    );
    expect(await failure(probe(ctx))).toMatch(
      /kustomizations not Ready[\s\S]*flux-system\/infra: Ready=False \(BuildFailed/,
    );
    expect(attached).toContain('json kustomizations');
    expect(await failure(probe(fakeContext({ list: [] }).ctx))).toMatch(/\(none found\)/);
  });
  it('BOOT-CORE-011 fails naming each HelmRelease not Ready, with its condition', async () => {
    const list = [
      {
        metadata: { namespace: 'harbor', name: 'harbor' },
        status: cond('False', 'UpgradeFailed', 'context deadline exceeded'),
      },
    ];
    const probe = everyReady(
      { plural: 'helmReleases', gvr: GVR.helmRelease },
      { timeoutMs: 50, intervalMs: 10 },
    );
    expect(await failure(probe(fakeContext({ list }).ctx))).toMatch(
      /helmReleases not Ready[\s\S]*harbor\/harbor: Ready=False \(UpgradeFailed: context deadline exceeded\)/,
    );
  });
});

describe('rolledOut', () => {
  it('BOOT-CORE-005, BOOT-CORE-006, BOOT-CORE-008 fail naming the Deployment and why it is not rolled out', async () => {
    const d = {
      metadata: { name: 'cert-manager-webhook', namespace: 'cert-manager', generation: 2 },
      spec: { replicas: 1 },
      status: {
        observedGeneration: 2,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 0,
        availableReplicas: 0,
      },
    };
    const { ctx } = fakeContext({ deployment: d });
    const probe = rolledOut(() => ({ namespace: 'cert-manager', deployments: ['cert-manager-webhook'] }), 50);
    expect(await failure(probe(ctx))).toMatch(
      /Deployments not rolled out in cert-manager[\s\S]*cert-manager\/cert-manager-webhook: /,
    );
  });
});

describe('configMapCount and deploymentReplicas (BOOT-CORE-004)', () => {
  const settings = { namespace: 'flux-system', name: 'cluster-settings' };
  const ctxWith = (data: Record<string, string> | undefined, deployment?: unknown) => {
    const { evidence, attached } = fakeEvidence();
    const cluster = {
      core: { readNamespacedConfigMap: async () => ({ metadata: settings, data }) },
      apps: { readNamespacedDeployment: async () => deployment },
    };
    return { ctx: { cluster, evidence } as unknown as CheckContext, attached };
  };
  const coredns = (spec: number, ready?: number, available?: number) => ({
    metadata: { namespace: 'kube-system', name: 'coredns' },
    spec: { replicas: spec },
    status: { readyReplicas: ready, availableReplicas: available },
  });

  it('passes: the count read from the ConfigMap (attached) equals spec, ready and available replicas', async () => {
    const { ctx, attached } = ctxWith({ COREDNS_REPLICAS: '2' }, coredns(2, 2, 2));
    const want = await configMapCount(ctx, settings, 'COREDNS_REPLICAS', 'cluster-settings');
    expect(want).toBe(2);
    expect(attached['cluster-settings']).toEqual({ COREDNS_REPLICAS: '2' });
    await deploymentReplicas(ctx, 'kube-system', 'coredns', ' vs COREDNS_REPLICAS=2', 50).toEqual({
      spec: 2,
      ready: 2,
      available: 2,
    });
    expect(attached['status coredns']).toBeDefined();
  });
  it('fails naming the ConfigMap, the key and what it holds: missing, not a number, zero', async () => {
    for (const [data, seen] of [
      [{}, 'undefined'],
      [{ COREDNS_REPLICAS: 'two' }, '"two"'],
      [{ COREDNS_REPLICAS: '0' }, '"0"'],
    ] as const) {
      const { ctx } = ctxWith(data);
      expect(await failure(configMapCount(ctx, settings, 'COREDNS_REPLICAS', 'cluster-settings'))).toContain(
        `ConfigMap flux-system/cluster-settings key COREDNS_REPLICAS: expected a positive integer, got ${seen}`,
      );
    }
  });
  it('fails naming the Deployment and the expected count, with the seen replicas', async () => {
    const { ctx } = ctxWith(undefined, coredns(2, 1));
    const msg = await failure(
      deploymentReplicas(ctx, 'kube-system', 'coredns', ' vs COREDNS_REPLICAS=2', 50).toEqual({
        spec: 2,
        ready: 2,
        available: 2,
      }),
    );
    expect(msg).toMatch(/Deployment kube-system\/coredns replicas vs COREDNS_REPLICAS=2/);
    expect(msg).toContain(
      'expected { spec: 2, ready: 1, available: +0 } to deeply equal { spec: 2, ready: 2',
    );
  });
});

describe('file requirements (suite({ requires }))', () => {
  it("a false flag is the skip reason, with the file's sentence; all true is no reason", () => {
    const f = facts();
    f.dragonfly.enabled = false;
    expect(unmetRequirement(f, 'dragonfly.enabled')).toBe('facts.dragonfly.enabled is false');
    expect(unmetRequirement(f, { 'dragonfly.enabled': 'no Dragonfly on this cluster' })).toBe(
      'facts.dragonfly.enabled is false: no Dragonfly on this cluster',
    );
    f.dragonfly.enabled = true;
    f.kafka.enabled = false;
    expect(unmetRequirement(f, ['dragonfly.enabled', 'kafka.enabled'])).toBe('facts.kafka.enabled is false');
    f.kafka.enabled = true;
    expect(unmetRequirement(f, 'dragonfly.enabled', ['kafka.enabled'], undefined)).toBeUndefined();
  });
});
