/**
 * `pnpm gate --publish` on the lab, and Flux holding a layer on it with the real controllers
 * (lab/services/flux.ts): a GitRepository of a run-owned repository on the lab's Git remote, a
 * Kustomization `platform-gate` health-checking the QAGate with the healthCheckExprs of
 * deploy/gate/flux-gated-layer.example.yaml, and `next-layer` dependsOn it. While the published
 * decision is FAIL, next-layer is not Ready and its ConfigMap is not applied; after a PASS it is.
 * The publisher is the ServiceAccount of deploy/gate/10-qagate-publisher.yaml (a token, not the
 * lab admin): it may write that one QAGate's status and nothing else.
 * Needs the lab up (`pnpm lab up`).   npx vitest run --project lab test/lab/lab/gate-publish.test.ts
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../../helpers/cluster/kubeconfig.js';
import { loadLabContext } from '../../../lab/core/index.js';
import { LAB_CLUSTERS, TOPOLOGY, type LabClusterName } from '../../../lab/core/topology.js';
import {
  FLUX_CONTROLLERS,
  FLUX_RECONCILER,
  FLUX_RECONCILER_LABEL,
  fluxProcess,
} from '../../../lab/services/flux.js';
import { gitRoot, writeBareRepo } from '../../../lab/sim/git.js';
import { GIT_PORT } from '../../../lab/sim/ports.js';
import { writeRun, type CaseSpec } from '../../unit/gate/builder.js';
import { gateAsync, REPO, tmp } from '../../unit/gate/helpers.js';

const ctx = loadLabContext();
const id = randomBytes(3).toString('hex');
const NS = `pv-flux-gate-${id}`;
const REPO_NAME = `pv-gate-${id}.git`;
const QAGATE = { group: 'qa.platform-validation.io', version: 'v1alpha1', plural: 'qagates' };
const KS = { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations', namespace: NS };
const GATE_DIR = path.join(REPO, 'deploy', 'gate');
const labels = { [FLUX_RECONCILER_LABEL]: FLUX_RECONCILER };
const kubectl = (cluster: LabClusterName, args: string[], input?: string) =>
  execFileSync(
    ctx.kubectl,
    ['--kubeconfig', ctx.paths.kubeconfig, '--context', TOPOLOGY[cluster].context, ...args],
    {
      encoding: 'utf8',
      input,
      timeout: 60_000,
    },
  );
const custom = (c: LabClusterName) => ctx.clusters[c].kc.makeApiClient(CustomObjectsApi);

/** The example's health-check expressions, as a user copies them into their repository. */
function exampleHealthCheckExprs(): unknown[] {
  const docs = parseAllDocuments(
    fs.readFileSync(path.join(GATE_DIR, 'flux-gated-layer.example.yaml'), 'utf8'),
  );
  const gate = docs.map((d) => d.toJS() as { metadata: { name: string }; spec: Record<string, unknown> });
  return gate.find((d) => d.metadata.name === 'platform-gate')!.spec['healthCheckExprs'] as unknown[];
}

/** A kubeconfig whose contexts lab-infra / lab-apps are the publisher ServiceAccount (a bound token). */
function publisherKubeconfig(dir: string): string {
  const ca = fs.readFileSync(path.join(ctx.paths.pki, 'ca.crt')).toString('base64');
  const token = (c: LabClusterName) =>
    kubectl(c, [
      '-n',
      'platform-validation',
      'create',
      'token',
      'platform-validation-gate',
      '--duration=15m',
    ]).trim();
  const file = path.join(dir, 'publisher.kubeconfig');
  fs.writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: LAB_CLUSTERS.map((c) => ({
        name: TOPOLOGY[c].context,
        cluster: { server: ctx.clusters[c].server, 'certificate-authority-data': ca },
      })),
      users: LAB_CLUSTERS.map((c) => ({ name: `gate-${c}`, user: { token: token(c) } })),
      contexts: LAB_CLUSTERS.map((c) => ({
        name: TOPOLOGY[c].context,
        context: { cluster: TOPOLOGY[c].context, user: `gate-${c}` },
      })),
      'current-context': TOPOLOGY.infra.context,
    }),
    { mode: 0o600 },
  );
  return file;
}

/** A run-owned repository on the lab's Git remote: the gate layer's and the next layer's manifests. */
function createRepository(): void {
  const configMap = (name: string, layer: string) =>
    stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data: { layer } });
  writeBareRepo(ctx.paths.root, REPO_NAME, {
    'gate/configmap.yaml': configMap('gate-applied', 'gate'),
    'next/configmap.yaml': configMap('next-layer-applied', 'next'),
  });
}

function fluxObjects(): object[] {
  const source = { kind: 'GitRepository', name: 'gated' };
  const ks = (name: string, p: string, extra: Record<string, unknown>) => ({
    apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
    kind: 'Kustomization',
    metadata: { name, namespace: NS, labels },
    spec: {
      interval: '1m',
      retryInterval: '5s',
      timeout: '15s',
      prune: true,
      sourceRef: source,
      path: p,
      ...extra,
    },
  });
  return [
    {
      apiVersion: 'source.toolkit.fluxcd.io/v1',
      kind: 'GitRepository',
      metadata: { name: 'gated', namespace: NS, labels },
      spec: { interval: '1m', url: `http://127.0.0.1:${GIT_PORT}/${REPO_NAME}`, ref: { branch: 'main' } },
    },
    ks('platform-gate', './gate', {
      healthChecks: [
        {
          apiVersion: 'qa.platform-validation.io/v1alpha1',
          kind: 'QAGate',
          name: 'platform',
          namespace: 'platform-validation',
        },
      ],
      healthCheckExprs: exampleHealthCheckExprs(),
    }),
    ks('next-layer', './next', { dependsOn: [{ name: 'platform-gate' }] }),
  ];
}

async function publish(runId: string, outcome: 'passed' | 'failed', kubeconfig: string) {
  const root = tmp();
  const cases: CaseSpec[] = LAB_CLUSTERS.map((c) => ({
    id: 'NET-A-001',
    priority: 'P0',
    cluster: c,
    ...(outcome === 'failed' && c === 'apps'
      ? { outcome: 'failed', message: 'expected 3 ready, saw 2' }
      : {}),
  }));
  const dir = writeRun(path.join(root, 'evidence'), { runId, env: 'lab', cases });
  const file = path.join(dir, 'run.json');
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
  fs.writeFileSync(file, JSON.stringify({ ...j, configFile: path.join(REPO, 'platform.config.ts') }));
  return gateAsync([
    '--run',
    dir,
    '--gates-dir',
    path.join(root, 'gates'),
    '--no-report',
    '--publish',
    '--publish-kubeconfig',
    kubeconfig,
  ]);
}

interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}
const ready = async (c: LabClusterName, name: string) => {
  const o = (await custom(c)
    .getNamespacedCustomObject({ ...KS, name })
    .catch(() => undefined)) as { status?: { conditions?: Cond[] } } | undefined;
  const r = o?.status?.conditions?.find((x) => x.type === 'Ready');
  return r ? `${r.status} ${r.reason}: ${r.message}` : 'none';
};
const configMap = (c: LabClusterName, name: string) =>
  ctx.clusters[c].kc
    .makeApiClient(CoreV1Api)
    .readNamespacedConfigMap({ name, namespace: NS })
    .then(
      () => true,
      () => false,
    );

let kubeconfig = '';
beforeAll(() => {
  for (const c of LAB_CLUSTERS) {
    for (const f of FLUX_CONTROLLERS)
      if (!ctx.procs.isRunning(fluxProcess(f, c)))
        throw new Error(`${fluxProcess(f, c)} is not running (run \`pnpm lab up\`)`);
    kubectl(c, [
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      path.join(GATE_DIR, '00-qagate-crd.yaml'),
    ]);
    kubectl(c, [
      'wait',
      '--for=condition=Established',
      '--timeout=30s',
      'crd/qagates.qa.platform-validation.io',
    ]);
    // a decision published by an earlier run would release the layer before this test's FAIL
    kubectl(c, ['delete', 'qagates.qa.platform-validation.io', '--all', '-A', '--ignore-not-found']);
    kubectl(c, [
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      path.join(GATE_DIR, '10-qagate-publisher.yaml'),
    ]);
  }
  kubeconfig = publisherKubeconfig(tmp());
  createRepository();
  kubectl('infra', ['create', 'namespace', NS]);
  kubectl(
    'infra',
    ['apply', '-f', '-'],
    fluxObjects()
      .map((o) => stringify(o))
      .join('---\n'),
  );
});

afterAll(() => {
  try {
    kubectl('infra', ['delete', 'namespace', NS, '--wait=false', '--ignore-not-found']);
  } finally {
    fs.rmSync(path.join(gitRoot(ctx.paths.root), REPO_NAME), { recursive: true, force: true });
  }
});

describe('pnpm gate --publish, and Flux waiting on it', () => {
  it('a FAIL holds the dependent layer; the next PASS releases it (real source- and kustomize-controller)', async () => {
    const fail = await publish(`20261206T140000Z-${id}f`, 'failed', kubeconfig);
    expect(fail.stderr).not.toMatch(/publish \w+: .*(forbidden|not found)/);
    expect(fail.stdout).toMatch(/publish infra: QAGate platform-validation\/platform: FAIL \(Ready=False\)/);
    expect(fail.stdout).toMatch(/publish apps: QAGate platform-validation\/platform: FAIL \(Ready=False\)/);
    expect(fail.code).toBe(1);
    for (const c of LAB_CLUSTERS) {
      const g = (await custom(c).getNamespacedCustomObject({
        ...QAGATE,
        namespace: 'platform-validation',
        name: 'platform',
      })) as {
        status: { decision: string; runId: string; counts: Record<string, number>; conditions: Cond[] };
      };
      expect(g.status).toMatchObject({ decision: 'FAIL', runId: `20261206T140000Z-${id}f` });
      expect(g.status.conditions[0]).toMatchObject({ type: 'Ready', status: 'False', reason: 'Failed' });
      expect(g.status.counts.failed).toBe(c === 'apps' ? 1 : 0);
    }
    // the gate's health check fails on the published decision, and the next layer waits on it
    await expect
      .poll(() => ready('infra', 'platform-gate'), { timeout: 90_000, interval: 1_000 })
      .toMatch(/^False HealthCheckFailed: .*QAGate\/platform-validation\/platform/);
    await expect
      .poll(() => ready('infra', 'next-layer'), { timeout: 30_000, interval: 1_000 })
      .toMatch(/^False DependencyNotReady: /);
    expect(await configMap('infra', 'gate-applied')).toBe(true); // the real controller applied the gate layer
    expect(await configMap('infra', 'next-layer-applied')).toBe(false);

    const pass = await publish(`20261206T150000Z-${id}p`, 'passed', kubeconfig);
    expect(pass.stdout).toMatch(/publish infra: QAGate platform-validation\/platform: PASS \(Ready=True\)/);
    expect(pass.code).toBe(0);
    await expect
      .poll(() => ready('infra', 'platform-gate'), { timeout: 60_000, interval: 1_000 })
      .toMatch(/^True ReconciliationSucceeded: /);
    await expect
      .poll(() => ready('infra', 'next-layer'), { timeout: 60_000, interval: 1_000 })
      .toMatch(/^True ReconciliationSucceeded: /);
    expect(await configMap('infra', 'next-layer-applied')).toBe(true);
  });

  it('the publisher may write that one QAGate status, not its spec, another QAGate or anything else', async () => {
    kubectl(
      'apps',
      ['apply', '-f', '-'],
      stringify({
        apiVersion: QAGATE.group + '/' + QAGATE.version,
        kind: 'QAGate',
        metadata: { name: `other-${id}`, namespace: 'platform-validation' },
        spec: {},
      }),
    );
    try {
      const as = ['--kubeconfig', kubeconfig, '--context', TOPOLOGY.apps.context];
      const can = (verb: string, what: string, sub?: string) =>
        execFileSync(
          ctx.kubectl,
          [
            ...as,
            'auth',
            'can-i',
            verb,
            what,
            '-n',
            'platform-validation',
            ...(sub ? [`--subresource=${sub}`] : []),
          ],
          { encoding: 'utf8' },
        ).trim();
      const cannot = (verb: string, what: string, sub?: string) => {
        try {
          return can(verb, what, sub);
        } catch (e) {
          return String((e as { stdout?: string }).stdout ?? '').trim();
        }
      };
      expect(cannot('patch', 'qagates/platform', 'status')).toBe('yes');
      expect(cannot('patch', 'qagates/platform')).toBe('no');
      expect(cannot('patch', `qagates/other-${id}`, 'status')).toBe('no');
      expect(cannot('create', 'qagates')).toBe('no');
      expect(cannot('delete', 'qagates/platform')).toBe('no');
      expect(cannot('get', 'configmaps')).toBe('no');
      // and the API server refuses it, not only the review: a status write to the other object
      const { kc } = loadKubeConfig({ kubeconfig, context: TOPOLOGY.apps.context });
      await expect(
        kc.makeApiClient(CustomObjectsApi).patchNamespacedCustomObjectStatus(
          {
            ...QAGATE,
            namespace: 'platform-validation',
            name: `other-${id}`,
            body: { status: { decision: 'PASS' } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        ),
      ).rejects.toMatchObject({ code: 403 });
    } finally {
      kubectl('apps', ['-n', 'platform-validation', 'delete', 'qagate', `other-${id}`, '--ignore-not-found']);
    }
  });
});
