/**
 * lab/sim without a lab: the fixtures parse and only use kinds the lab serves, the CRDs are well
 * formed, each scenario changes the simulated world it claims to, the exec shims answer from the
 * state file, and the Hubble relay stub speaks gRPC.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { V1CustomResourceDefinition, V1LabelSelector } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { matchesSelector } from '../../../helpers/reads/selectors.js';
import { TOPOLOGY } from '../../../lab/core/topology.js';
import { SCENARIOS, getScenario } from '../../../lab/scenarios/registry.js';
import { GATEWAY_SERVICE } from '../../../lab/services/gateway.js';
import { serviceCatalogue } from '../../../lab/services/catalogue.js';
import { backedObjects } from '../../../lab/sim/backed.js';
import { cephModel } from '../../../lab/sim/ceph.js';
import { ciliumFacts } from '../../../lab/sim/cilium.js';
import { CRDS, crdObject } from '../../../lab/sim/crds.js';
import { loadFixtures, type K8sObject } from '../../../lab/sim/fixtures.js';
import { prepareStatus, staleCrds } from '../../../lab/sim/kube.js';
import { desiredStatuses, objectKey } from '../../../lab/sim/status.js';
import { withOwnership } from '../../../lab/sim/ownership.js';
import { substitute } from '../../../lab/sim/values.js';
import { clusterValues } from '../../../lab/sim/values.js';

const run = promisify(execFile);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-lab-sim-'));
const BUILTIN = new Set([
  'v1/Namespace',
  'v1/ConfigMap',
  'v1/Service',
  'v1/Secret',
  'v1/Pod', // ARC's listener pods (a controller's bare pods, as it makes them)
  'v1/ServiceAccount',
  'apps/v1/Deployment',
  'apps/v1/DaemonSet',
  'apps/v1/StatefulSet',
  'policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy',
  'storage.k8s.io/v1/StorageClass',
]);
const objects = (c: 'infra' | 'apps'): K8sObject[] =>
  loadFixtures(c, clusterValues(TOPOLOGY[c], root)).map((s) => s.obj);

describe('lab/sim fixtures and CRDs', () => {
  for (const c of ['infra', 'apps'] as const) {
    it(`${c}: every object is of a built-in kind or a CRD the lab installs, and unique`, () => {
      const objs = objects(c);
      expect(objs.length).toBeGreaterThan(100);
      const unknown = objs.filter((o) => {
        const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
        return (
          !BUILTIN.has(`${o.apiVersion}/${o.kind}`) &&
          !CRDS.some((d) => d.group === group && d.kind === o.kind && d.versions.includes(version!))
        );
      });
      expect(unknown.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`)).toEqual([]);
      const keys = objs.map(objectKey);
      expect(keys.filter((k, i) => keys.indexOf(k) !== i)).toEqual([]);
      expect(JSON.stringify(objs)).not.toMatch(/\$\{[A-Z_]+\}/);
    });
  }

  it('apps: the backed workloads cover every catalogue pod and select them by label', () => {
    const b = backedObjects('apps', root, new Map(), new Set());
    const names = b.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'StatefulSet/cnpg-system/shared-postgres',
        'Deployment/cnpg-system/harbor-pooler-rw',
        'StatefulSet/dragonfly-system/dragonfly',
        'StatefulSet/messaging/kafka-cluster-kafka',
        'Secret/dragonfly-system/dragonfly-auth',
      ]),
    );
    const pg = b.find((o) => o.metadata.name === 'shared-postgres' && o.kind === 'StatefulSet')!;
    expect((pg.spec as { ordinals?: { start: number } }).ordinals?.start).toBe(1);
    const rw = b.find((o) => o.kind === 'Service' && o.metadata.name === 'shared-postgres-rw')!;
    expect((rw.spec as { selector: Record<string, string> }).selector['cnpg.io/instanceRole']).toBe(
      'primary',
    );
    // as dragonfly-operator: the client Service reaches the master only (replicas refuse writes)
    const df = b.find((o) => o.kind === 'Service' && o.metadata.name === 'dragonfly')!;
    expect((df.spec as { selector: Record<string, string> }).selector).toMatchObject({ role: 'master' });
    const missing = serviceCatalogue()
      .filter((e) => e.cluster === 'apps' && e.kind !== 'coredns')
      .filter((e) => !names.includes(`${e.workload.kind}/${e.namespace}/${e.workload.name}`));
    expect(missing.map((e) => e.name)).toEqual([]);
  });

  it("apps: the one PDB over the Dragonfly pods is the operator's (v1.2.0+): `dragonfly`, maxUnavailable 1", () => {
    // upstream: dragonfly-operator v1.3.0 internal/resources/resources.go (PodDisruptionBudget
    // `<df.Name>`, MaxUnavailable 1, selector {app, app.kubernetes.io/part-of, app.kubernetes.io/name})
    const uids = new Map([['dragonflydb.io/v1alpha1/Dragonfly/dragonfly-system/dragonfly', 'df-uid']]);
    const b = backedObjects('apps', root, uids, new Set());
    const sts = b.find((o) => o.kind === 'StatefulSet' && o.metadata.name === 'dragonfly')!;
    const podLabels = (sts.spec as { template: { metadata: { labels: Record<string, string> } } }).template
      .metadata.labels;
    // every PDB of the namespace, seeded (Flux) or created by the simulated operator, that selects the pods
    const pdbs = [...b, ...objects('apps')].filter(
      (o) =>
        o.kind === 'PodDisruptionBudget' &&
        o.metadata.namespace === 'dragonfly-system' &&
        matchesSelector((o.spec as { selector: V1LabelSelector }).selector, podLabels),
    );
    expect(pdbs.map((o) => o.metadata.name)).toEqual(['dragonfly']);
    const pdb = pdbs[0]!;
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: {
        matchLabels: {
          app: 'dragonfly',
          'app.kubernetes.io/part-of': 'dragonfly',
          'app.kubernetes.io/name': 'dragonfly',
        },
      },
    });
    expect(pdb.metadata.ownerReferences).toMatchObject([
      { kind: 'Dragonfly', name: 'dragonfly', uid: 'df-uid', controller: true },
    ]);
  });

  it('every CRD has one storage version, a status subresource and the plural.group name', () => {
    for (const d of CRDS) {
      const o = crdObject(d) as {
        metadata: { name: string };
        spec: { versions: { storage: boolean; subresources: unknown }[] };
      };
      expect(o.metadata.name).toBe(`${d.plural}.${d.group}`);
      expect(o.spec.versions.filter((v) => v.storage)).toHaveLength(1);
      expect(o.spec.versions.every((v) => v.subresources)).toBe(true);
    }
    expect(new Set(CRDS.map((d) => `${d.plural}.${d.group}`)).size).toBe(CRDS.length);
  });

  it('Strimzi CRDs serve only v1, as Strimzi >= 1.0.0 (the pinned 1.2.0); the fixtures use v1', () => {
    // upstream: strimzi-kafka-operator packaging/install/cluster-operator/04x-Crd-*.yaml at 1.2.0 (and 1.0.x):
    // `versions: [{name: v1, served: true, storage: true}]` (0.49-0.51 also served v1beta2)
    const strimzi = CRDS.filter((d) => d.group.endsWith('strimzi.io'));
    expect(strimzi.map((d) => d.kind).sort()).toEqual([
      'Kafka',
      'KafkaNodePool',
      'KafkaTopic',
      'KafkaUser',
      'StrimziPodSet',
    ]);
    for (const d of strimzi) expect(d.versions, d.kind).toEqual(['v1']);
    const used = objects('apps')
      .filter((o) => o.apiVersion.startsWith('kafka.strimzi.io/'))
      .map((o) => o.apiVersion);
    expect(new Set(used)).toEqual(new Set(['kafka.strimzi.io/v1']));
  });

  it('staleCrds: a live CRD still storing or serving a version the definition dropped is stale', () => {
    const live = (name: string, versions: string[], stored: string[]) =>
      ({
        metadata: { name },
        spec: { versions: versions.map((v) => ({ name: v })) },
        status: { storedVersions: stored },
      }) as unknown as V1CustomResourceDefinition;
    const kafka = CRDS.find((d) => d.kind === 'Kafka')!;
    const git = CRDS.find((d) => d.kind === 'GitRepository')!;
    expect(
      staleCrds(
        [
          live('kafkas.kafka.strimzi.io', ['v1beta2'], ['v1beta2']), // a lab seeded before Strimzi 1.x
          live('gitrepositories.source.toolkit.fluxcd.io', ['v1'], ['v1']),
        ],
        [kafka, git],
      ),
    ).toEqual(['kafkas.kafka.strimzi.io']);
    // served v1 only now, but etcd may still hold v1beta2 objects: still stale
    expect(staleCrds([live('kafkas.kafka.strimzi.io', ['v1'], ['v1beta2', 'v1'])], [kafka])).toEqual([
      'kafkas.kafka.strimzi.io',
    ]);
    expect(staleCrds([live('kafkas.kafka.strimzi.io', ['v1'], ['v1'])], [kafka])).toEqual([]);
    // the CRD applied is upstream's where the cache has it: its versions, not the definition's, decide
    const provider = CRDS.find((d) => d.kind === 'Provider' && d.group.startsWith('notification'))!;
    const name = 'providers.notification.toolkit.fluxcd.io';
    const upstream = new Map([
      [name, { spec: { versions: [{ name: 'v1' }, { name: 'v1beta3' }] } } as unknown as K8sObject],
    ]);
    const current = live(name, ['v1', 'v1beta3'], ['v1']);
    expect(staleCrds([current], [provider], upstream)).toEqual([]);
    expect(staleCrds([current], [provider])).toEqual([name]); // the open-schema one serves only v1beta3
    expect(staleCrds([live(name, ['v1beta2', 'v1'], ['v1beta2', 'v1'])], [provider], upstream)).toEqual([
      name,
    ]);
  });

  it('CiliumLoadBalancerIPPool as upstream: v2 storage, v2alpha1 served and deprecated; seeded at v2', () => {
    const d = CRDS.find((c) => c.kind === 'CiliumLoadBalancerIPPool')!;
    const o = crdObject(d) as {
      spec: { versions: { name: string; served: boolean; storage: boolean; deprecated?: boolean }[] };
    };
    expect(
      o.spec.versions.map(({ name, served, storage, deprecated }) => ({ name, served, storage, deprecated })),
    ).toEqual([
      { name: 'v2', served: true, storage: true, deprecated: undefined },
      { name: 'v2alpha1', served: true, storage: false, deprecated: true },
    ]);
    for (const c of ['infra', 'apps'] as const)
      expect(
        objects(c)
          .filter((x) => x.kind === 'CiliumLoadBalancerIPPool')
          .map((x) => x.apiVersion),
      ).toEqual(['cilium.io/v2']);
  });

  it('an unknown substitution variable is an error naming the file and the variable', () => {
    expect(() => substitute('a: ${NOPE}', { A: '1' }, 'fixtures/x.yaml')).toThrow(
      /fixtures\/x.yaml: unknown substitution variable \$\{NOPE\}/,
    );
  });
});

describe('lab scenarios change the simulated world they claim to', () => {
  const apps = objects('apps');
  const infra = objects('infra');
  const status = (c: 'infra' | 'apps', name: string, key: string) =>
    desiredStatuses(c, c === 'apps' ? apps : infra, getScenario(name).faults).get(key) as Record<
      string,
      unknown
    >;

  it('ceph-health-warn: infra CephCluster HEALTH_WARN, apps HEALTH_OK; healthy: HEALTH_OK', () => {
    const h = (c: 'infra' | 'apps', s: string) =>
      (status(c, s, 'CephCluster/rook-ceph/rook-ceph').ceph as { health: string }).health;
    expect(h('infra', 'ceph-health-warn')).toBe('HEALTH_WARN');
    expect(h('apps', 'ceph-health-warn')).toBe('HEALTH_OK');
    expect(h('infra', 'healthy')).toBe('HEALTH_OK');
    expect(cephModel('infra', { osdsDown: [2] }).status).toMatchObject({
      osdmap: { num_up_osds: 2 },
      health: { status: 'HEALTH_WARN' },
    });
  });

  it('every Kustomization records the seeded objects labelled by it as kustomize-controller writes its inventory', () => {
    const owned = infra.map((o) => withOwnership(o, 'cluster-infra-infrastructure'));
    const inv = (name: string) =>
      (
        desiredStatuses('infra', owned, {}).get(`Kustomization/flux-system/${name}`) as {
          inventory: { entries: { id: string; v: string }[] };
        }
      ).inventory.entries;
    const entries = inv('cluster-infra-infrastructure');
    expect(entries).toContainEqual({ id: 'kube-system_cilium-config__ConfigMap', v: 'v1' });
    expect(entries).toContainEqual({ id: '_rook-ceph-block_storage.k8s.io_StorageClass', v: 'v1' });
    // a Helm-rendered workload is helm-controller's, a CRD the crds Kustomization's
    expect(entries.some((e) => e.id.endsWith('_apps_DaemonSet') && e.id.includes('_cilium_'))).toBe(false);
    expect(inv('crds').every((e) => e.id.endsWith('_apiextensions.k8s.io_CustomResourceDefinition'))).toBe(
      true,
    );
    expect(inv('crds').length).toBeGreaterThan(0);
  });

  it('healthy: the Dragonfly phase is "Ready", as operator v1.3.0 (the fixture\'s image) writes it', () => {
    // dragonfly-operator internal/controller/util.go since v1.2.0: PhaseReady = "Ready"
    expect(status('apps', 'healthy', 'Dragonfly/dragonfly-system/dragonfly')).toMatchObject({
      phase: 'Ready',
    });
  });

  it('kafka-broker-down: Kafka NotReady naming the pod; kustomization-not-ready: only cluster-apps-workloads', () => {
    const k = status('apps', 'kafka-broker-down', 'Kafka/messaging/kafka-cluster').conditions as {
      type: string;
      message: string;
    }[];
    expect(k[0]).toMatchObject({ type: 'NotReady' });
    expect(k[0]!.message).toMatch(/kafka-cluster-kafka-2/);
    const ready = (name: string, s: string) =>
      (
        status('apps', s, `Kustomization/flux-system/${name}`).conditions as {
          type: string;
          status: string;
        }[]
      )[0]!.status;
    expect(ready('cluster-apps-workloads', 'kustomization-not-ready')).toBe('False');
    expect(ready('cluster-apps-infrastructure', 'kustomization-not-ready')).toBe('True');
    expect(ready('cluster-apps-workloads', 'healthy')).toBe('True');
  });

  it('every scenario names real services and documents what fails', () => {
    const known = new Set([...serviceCatalogue().map((e) => e.name), GATEWAY_SERVICE]);
    for (const s of SCENARIOS) {
      expect(s.expect.length, s.name).toBeGreaterThan(20);
      for (const n of s.services?.stopped ?? []) expect(known.has(n), `${s.name}: ${n}`).toBe(true);
    }
    expect(() => getScenario('nope')).toThrow(/known scenarios: healthy, ceph-health-warn, pooler-down/);
  });

  it('a condition keeps its lastTransitionTime while its status does not change', () => {
    const times = { NOW: '2030-01-01T00:00:00Z' };
    const cur = {
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2020-01-01T00:00:00Z' }],
    };
    expect(
      prepareStatus({ conditions: [{ type: 'Ready', status: 'True', observedGeneration: 0 }] }, cur, 3, times)
        .conditions,
    ).toEqual([
      { type: 'Ready', status: 'True', observedGeneration: 3, lastTransitionTime: '2020-01-01T00:00:00Z' },
    ]);
    expect(
      (
        prepareStatus({ conditions: [{ type: 'Ready', status: 'False' }] }, cur, 3, times).conditions as {
          lastTransitionTime: string;
        }[]
      )[0]!.lastTransitionTime,
    ).toBe('2030-01-01T00:00:00Z');
  });

  it("nested conditions get their lastTransitionTime too (Gateway listeners, a route's parents: upstream requires it)", () => {
    const times = { NOW: '2030-01-01T00:00:00Z' };
    const cur = {
      listeners: [
        {
          name: 'https',
          conditions: [{ type: 'Programmed', status: 'True', lastTransitionTime: '2020-01-01T00:00:00Z' }],
        },
      ],
    };
    const s = prepareStatus(
      {
        listeners: [
          { name: 'http', conditions: [{ type: 'Programmed', status: 'True' }] },
          { name: 'https', conditions: [{ type: 'Programmed', status: 'True' }] },
        ],
        parents: [{ parentRef: { name: 'gw' }, conditions: [{ type: 'Accepted', status: 'True' }] }],
      },
      cur,
      3,
      times,
    ) as { listeners: { conditions: { lastTransitionTime: string }[] }[]; parents: typeof s.listeners };
    expect(s.listeners[0]!.conditions[0]!.lastTransitionTime).toBe('2030-01-01T00:00:00Z');
    expect(s.listeners[1]!.conditions[0]!.lastTransitionTime).toBe('2020-01-01T00:00:00Z'); // matched by name
    expect(s.parents[0]!.conditions[0]!.lastTransitionTime).toBe('2030-01-01T00:00:00Z');
  });
});

describe('exec shims and the Hubble relay stub', () => {
  const state = path.join(root, 'state.json');
  fs.writeFileSync(
    state,
    JSON.stringify({
      scenario: 'ceph-health-warn',
      clusters: {
        infra: {
          ceph: cephModel('infra', { osdsDown: [2] }).status,
          cilium: ciliumFacts(TOPOLOGY.infra, 'v1.34.4'),
        },
        apps: { ceph: cephModel('apps', undefined).status, cilium: ciliumFacts(TOPOLOGY.apps, 'v1.34.4') },
      },
    }),
  );
  const tool = (name: string, args: string[], env: Record<string, string>) =>
    run(path.resolve('lab/tools/bin', name), args, {
      env: { ...process.env, PV_LAB_SIM_STATE: state, ...env },
    }).catch((e: { stdout: string; stderr: string; code: number }) => e);

  it('ceph status -f json follows the model per cluster; unknown commands exit 22', async () => {
    const warn = await tool('ceph', ['status', '-f', 'json'], { PV_LAB_CLUSTER: 'infra' });
    expect(JSON.parse(warn.stdout).health.status).toBe('HEALTH_WARN');
    const ok = await tool('ceph', ['health'], { PV_LAB_CLUSTER: 'apps' });
    expect(ok.stdout.trim()).toBe('HEALTH_OK');
    const bad = (await tool('ceph', ['frobnicate'], { PV_LAB_CLUSTER: 'apps' })) as {
      code: number;
      stderr: string;
    };
    expect(bad.code).toBe(22);
    expect(bad.stderr).toMatch(/no valid command/);
  });

  it('cilium-dbg status without the built cilium-status program fails naming the fix', async () => {
    // the report itself is upstream's formatters' (test/lab/contracts/cilium-status.test.ts)
    const r = (await tool('cilium-dbg', ['status'], {
      PV_LAB_CLUSTER: 'apps',
      PV_LAB_NODE: 'apps-cp-3',
    })) as {
      code: number;
      stderr: string;
    };
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /cilium-status program is not built \(no path in the state\): run pnpm lab build/,
    );
  });
});

describe('resourcesFailing (lab/sim/failing.ts)', () => {
  it('writes the operator’s failure over the healthy status, keeping what it keeps', async () => {
    const { failingStatus } = await import('../../../lab/sim/failing.js');
    const healthy = {
      artifact: { revision: 'v0.4.0@sha256:1' },
      conditions: [
        { type: 'Ready', status: 'True', reason: 'Succeeded', message: 'stored artifact' },
        { type: 'ArtifactInStorage', status: 'True', reason: 'Succeeded', message: 'stored artifact' },
      ],
    };
    const s = failingStatus('OCIRepository/flux-system/spegel', healthy);
    expect(s.artifact).toEqual(healthy.artifact);
    expect(
      (s.conditions as { type: string; status: string; reason: string }[]).map((c) => [
        c.type,
        c.status,
        c.reason,
      ]),
    ).toEqual([
      ['Ready', 'False', 'OCIArtifactPullFailed'],
      ['FetchFailed', 'True', 'OCIArtifactPullFailed'],
      ['ArtifactInStorage', 'True', 'Succeeded'],
    ]);
    expect(
      failingStatus('Certificate/cert-manager/wildcard-cert', { notAfter: 'x', revision: 1 }),
    ).not.toHaveProperty('notAfter');
  });
  it('refuses a kind it has no failure shape for, and an object the lab does not simulate, naming them', async () => {
    const { failingStatus } = await import('../../../lab/sim/failing.js');
    expect(() => failingStatus('Gateway/networking/infra-gateway', {})).toThrow(
      /resourcesFailing: Gateway\/networking\/infra-gateway: no failure shape for kind Gateway; known kinds: OCIRepository/,
    );
    expect(() => failingStatus('VMAuth/observability/nope', undefined)).toThrow(
      /VMAuth\/observability\/nope: no such simulated object/,
    );
  });
});
