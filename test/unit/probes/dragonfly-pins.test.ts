// DB-DRAGONFLY-009 (TECH-002 pinned images) and DB-DRAGONFLY-010 (SEC-001 client namespaces only), run as declared on fake clusters.
import { describe, expect, it } from 'vitest';
import { runCheck } from './check-body.js';
import { failure } from './fake-run.js';

const DF = 'docker.dragonflydb.io/dragonflydb/dragonfly:v1.34.2';
const OP = 'docker.dragonflydb.io/dragonflydb/operator:v1.3.0';

function cluster(o: { cr?: string; pods?: string[]; operator?: string }) {
  const pods = (o.pods ?? [DF, DF, DF]).map((image, i) => ({
    metadata: { namespace: 'dragonfly-system', name: `dragonfly-${i}` },
    spec: { nodeName: `n${i}`, containers: [{ name: 'dragonfly', image }] },
    status: {},
  }));
  return {
    custom: {
      getNamespacedCustomObject: async () => ({
        metadata: { name: 'dragonfly' },
        spec: { image: o.cr ?? DF },
      }),
    },
    core: { listNamespacedPod: async () => ({ items: pods }) },
    apps: {
      readNamespacedDeployment: async () => ({
        metadata: { namespace: 'dragonfly-system', name: 'dragonfly-operator' },
        spec: { template: { spec: { containers: [{ name: 'manager', image: o.operator ?? OP }] } } },
      }),
    },
  };
}
const run = (c: unknown) =>
  runCheck('suites/databases/dragonfly.test.ts', 'DB-DRAGONFLY-009', c, { clusterName: 'apps' });

describe('DB-DRAGONFLY-009 pinned images', () => {
  it('passes when the CR, the three pods and the operator carry the pinned images', async () => {
    expect((await run(cluster({}))).images).toMatchObject({ cr: DF });
  });
  it('DB-DRAGONFLY-009 fails naming each object off its pin: the CR bumped without the pods, the operator behind', async () => {
    const msg = await failure(
      run(cluster({ cr: `${DF.replace('v1.34.2', 'v1.35.0')}`, operator: OP.replace('v1.3.0', 'v1.1.0') })),
    );
    expect(msg).toContain(
      'Dragonfly dragonfly-system/dragonfly spec.image docker.dragonflydb.io/dragonflydb/dragonfly:v1.35.0',
    );
    expect(msg).toContain(
      'Deployment dragonfly-system/dragonfly-operator: manager=docker.dragonflydb.io/dragonflydb/operator:v1.1.0',
    );
    const pods = await failure(run(cluster({ pods: [DF, DF, DF.replace('v1.34.2', 'v1.33.0')] })));
    expect(pods).toContain(
      'pod dragonfly-system/dragonfly-2: dragonfly=docker.dragonflydb.io/dragonflydb/dragonfly:v1.33.0',
    );
  });
});

describe('DB-DRAGONFLY-010 policy admits only the client namespaces', () => {
  const ns = (name: string, labels: Record<string, string> = {}) => ({
    metadata: { name, labels: { 'kubernetes.io/metadata.name': name, ...labels } },
  });
  const byName = (n: string) => ({
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': n } },
  });
  const policy = (from: unknown[]) => ({
    metadata: { namespace: 'dragonfly-system', name: 'dragonfly-allow-clients' },
    spec: {
      podSelector: { matchLabels: { app: 'dragonfly' } },
      policyTypes: ['Ingress'],
      ingress: [{ _from: from }],
    },
  });
  const LAB = [
    byName('gitlab'),
    byName('gitlab-system'),
    byName('harbor'),
    { namespaceSelector: { matchLabels: { 'dragonfly.io/client': 'true' } } },
    { podSelector: { matchLabels: { app: 'dragonfly' } } },
  ];
  const namespaces = [
    ns('gitlab'),
    ns('harbor'),
    ns('keycloak'),
    ns('synergy', { 'dragonfly.io/client': 'true' }),
    ns('dragonfly-system'),
  ];
  const npCluster = (from: unknown[]) => ({
    networking: { listNamespacedNetworkPolicy: async () => ({ items: [policy(from)] }) },
    core: { listNamespace: async () => ({ items: namespaces }) },
  });
  const run10 = (c: unknown) =>
    runCheck('suites/databases/dragonfly.test.ts', 'DB-DRAGONFLY-010', c, { clusterName: 'apps' });

  it('passes on the lab’s policy: named clients, labelled apps, Dragonfly’s own pods', async () => {
    expect((await run10(npCluster(LAB)))['admitted-beyond-clients']).toMatchObject({ beyond: [] });
  });
  it('DB-DRAGONFLY-010 fails naming the policy and each namespace or ipBlock it admits beyond the clients', async () => {
    const msg = await failure(
      run10(npCluster([...LAB, byName('keycloak'), { ipBlock: { cidr: '10.0.0.0/8' } }])),
    );
    expect(msg).toContain('NetworkPolicy dragonfly-system/dragonfly-allow-clients: namespace keycloak');
    expect(msg).toContain('NetworkPolicy dragonfly-system/dragonfly-allow-clients: ipBlock 10.0.0.0/8');
    // a rule without from admits every namespace
    expect(await failure(run10(npCluster([])))).toContain('namespace keycloak');
  });
});
