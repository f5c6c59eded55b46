// The checks whose failing assertion is written in the suite file itself (not in a probe), run as
// declared on a fake cluster (./check-body.ts): the failure names the object, the expected and the
// seen value, as the JUnit shows it. The checks whose probe polls for tens of seconds are proven on
// the probe's own unit tests instead (see test/unit/check/fault-matrix.test.ts).
import { describe, expect, it } from 'vitest';
import { runCheck } from './check-body.js';
import { failure } from './fake-run.js';

const CORE = 'suites/bootstrap/core.test.ts';
const CILIUM = 'suites/networking/cilium.test.ts';
const DRAGONFLY = 'suites/databases/dragonfly.test.ts';
const STORAGE = 'suites/storage/ceph.test.ts';

const notFound = () => Object.assign(new Error('HTTP-Code: 404 Message: not found'), { code: 404 });

describe('bootstrap (suites/bootstrap/core.test.ts)', () => {
  const node = (name: string, ready: string, cp = true) => ({
    metadata: { name, labels: cp ? { 'node-role.kubernetes.io/control-plane': '' } : {} },
    status: {
      conditions: [
        { type: 'Ready', status: ready, reason: ready === 'True' ? 'KubeletReady' : 'KubeletNotReady' },
      ],
    },
  });
  const nodes = (items: unknown[]) => ({ core: { listNode: async () => ({ items }) } });

  it('passes: three Ready control-plane nodes (the infra facts)', async () => {
    const attached = await runCheck(
      CORE,
      'BOOT-CORE-001',
      nodes(['a', 'b', 'c'].map((n) => node(n, 'True'))),
    );
    expect(attached.nodes).toHaveLength(3);
  });
  it('BOOT-CORE-001 fails: a NotReady node is named with its Ready status and reason', async () => {
    const cluster = nodes([
      node('infra-cp-1', 'True'),
      node('infra-cp-2', 'False'),
      node('infra-cp-3', 'True'),
    ]);
    expect(await failure(runCheck(CORE, 'BOOT-CORE-001', cluster))).toMatch(
      /^nodes not Ready: infra-cp-2 \(Ready=False, KubeletNotReady\)/,
    );
  });
  it('BOOT-CORE-001 fails: a missing control-plane node, with the expected and seen count', async () => {
    const cluster = nodes([
      node('infra-cp-1', 'True'),
      node('infra-cp-2', 'True'),
      node('w-1', 'True', false),
    ]);
    expect(await failure(runCheck(CORE, 'BOOT-CORE-001', cluster))).toMatch(
      /^control-plane nodes \(label node-role.kubernetes.io\/control-plane\): expected 3, saw 2/,
    );
  });

  const crd = (name: string, established: string) => ({
    metadata: { name },
    status: { conditions: [{ type: 'Established', status: established }] },
  });
  const crds = (items: unknown[]) => ({ apiext: { listCustomResourceDefinition: async () => ({ items }) } });

  it('BOOT-CORE-002 fails: a CRD not Established is named', async () => {
    const items = [
      crd('gateways.gateway.networking.k8s.io', 'False'),
      crd('kafkas.kafka.strimzi.io', 'True'),
    ];
    expect(await failure(runCheck(CORE, 'BOOT-CORE-002', crds(items)))).toMatch(
      /^CRDs not Established: gateways.gateway.networking.k8s.io/,
    );
  });
  it('BOOT-CORE-002 fails: fewer Established CRDs than facts.crds.established, both counts shown', async () => {
    const items = [crd('a.example.com', 'True'), crd('b.example.com', 'True')];
    expect(
      await failure(runCheck(CORE, 'BOOT-CORE-002', crds(items), { edit: (f) => (f.crds.established = 3) })),
    ).toMatch(/^Established CRDs: expected at least 3 \(facts.crds.established\), saw 2/);
  });
});

describe('cilium (suites/networking/cilium.test.ts)', () => {
  const custom = (obj: unknown) => ({
    custom: { getNamespacedCustomObject: async () => obj, getClusterCustomObject: async () => obj },
  });

  it('NET-CILIUM-006 fails: the HelmRelease carries another cluster’s id, seen next to the expected', async () => {
    const values = { cluster: { name: 'infra', id: 2 }, ipv4NativeRoutingCIDR: '10.244.0.0/16' };
    const hr = { metadata: { name: 'cilium' }, spec: { values } };
    const msg = await failure(
      runCheck(CILIUM, 'NET-CILIUM-006', custom(hr), {
        edit: (f) => {
          f.cluster.id = 1;
          f.cluster.nativeRoutingCidr = '10.244.0.0/16';
        },
      }),
    );
    expect(msg).toMatch(/^HelmRelease kube-system\/cilium cluster-specific values/);
    expect(msg).toContain('"cluster.id":2');
  });
  it('passes: the values the facts name (name, id, native routing CIDR)', async () => {
    const hr = {
      metadata: { name: 'cilium' },
      spec: { values: { cluster: { name: 'infra', id: 1 }, ipv4NativeRoutingCIDR: '10.244.0.0/16' } },
    };
    await runCheck(CILIUM, 'NET-CILIUM-006', custom(hr), {
      edit: (f) => {
        f.cluster.id = 1;
        f.cluster.nativeRoutingCidr = '10.244.0.0/16';
      },
    });
  });

  it('NET-GATEWAY-001 fails: the GatewayClass not Accepted is named with its condition', async () => {
    const gc = {
      metadata: { name: 'cilium' },
      status: {
        conditions: [
          { type: 'Accepted', status: 'False', reason: 'InvalidParameters', message: 'no cilium-envoy' },
        ],
      },
    };
    expect(await failure(runCheck(CILIUM, 'NET-GATEWAY-001', custom(gc)))).toMatch(
      /^GatewayClass cilium: expected 'Accepted=False[\s\S]*to match \/\^Accepted=True\/\nactual: "Accepted=False \(InvalidParameters: no cilium-envoy\)"/,
    );
  });
});

describe('dragonfly (suites/databases/dragonfly.test.ts)', () => {
  const pod = (name: string, node: string) => ({
    metadata: { name },
    spec: { nodeName: node },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
  });
  const pods = (items: unknown[]) => ({ core: { listNamespacedPod: async () => ({ items }) } });

  it('DB-DRAGONFLY-003 fails: two replicas on one node, each pod shown with its node', async () => {
    const cluster = pods([pod('dragonfly-0', 'n1'), pod('dragonfly-1', 'n1'), pod('dragonfly-2', 'n2')]);
    expect(
      await failure(
        runCheck(DRAGONFLY, 'DB-DRAGONFLY-003', cluster, {
          clusterName: 'apps',
          edit: (f) => (f.dragonfly.replicas = 3),
        }),
      ),
    ).toMatch(/^distinct nodes of 3 pods: dragonfly-0@n1, dragonfly-1@n1, dragonfly-2@n2/);
  });
  it('passes: the replicas Ready on distinct nodes', async () => {
    const cluster = pods([pod('dragonfly-0', 'n1'), pod('dragonfly-1', 'n2'), pod('dragonfly-2', 'n3')]);
    await runCheck(DRAGONFLY, 'DB-DRAGONFLY-003', cluster, {
      clusterName: 'apps',
      edit: (f) => (f.dragonfly.replicas = 3),
    });
  });
});

describe('storage (suites/storage/ceph.test.ts)', () => {
  it('STO-CLASS-001 fails: the expected class that is missing is named', async () => {
    const cluster = {
      storage: { listStorageClass: async () => ({ items: [{ metadata: { name: 'openebs-hostpath' } }] }) },
    };
    expect(await failure(runCheck(STORAGE, 'STO-CLASS-001', cluster))).toMatch(
      /^missing storage classes: rook-ceph-block/,
    );
  });

  /** PVCs that stay Pending (or Bound when `binds`), deleted on request; classes absent are 404. */
  function claims(classes: Record<string, string>, binds = false) {
    const pvcs = new Map<string, unknown>();
    const core = {
      createNamespacedPersistentVolumeClaim: async (o: { body: { metadata: { name: string } } }) =>
        pvcs.set(o.body.metadata.name, o.body),
      readNamespacedPersistentVolumeClaim: async (o: { name: string }) => {
        if (!pvcs.has(o.name)) throw notFound();
        return { metadata: { name: o.name }, status: { phase: binds ? 'Bound' : 'Pending' } };
      },
      deleteNamespacedPersistentVolumeClaim: async (o: { name: string }) => pvcs.delete(o.name),
      createNamespacedPod: async () => ({}),
      deleteNamespacedPod: async () => ({}),
    };
    const storage = {
      readStorageClass: async (o: { name: string }) => {
        if (!(o.name in classes)) throw notFound();
        return { metadata: { name: o.name }, volumeBindingMode: classes[o.name] };
      },
    };
    return { cluster: { core, storage }, pvcs };
  }
  const fast = { edit: (f: { storage: { bindTimeoutMs: number } }) => (f.storage.bindTimeoutMs = 300) };

  it('STO-PVC-001 fails: a claim that never binds (with its phase) and a class that is missing; claims removed', async () => {
    const { cluster, pvcs } = claims({ 'rook-ceph-block': 'Immediate' });
    const msg = await failure(runCheck(STORAGE, 'STO-PVC-001', cluster, fast));
    expect(msg).toMatch(
      /^openebs-hostpath: storage class missing \| rook-ceph-block: PVC pv-pvc-rook-ceph-block not Bound within 300 ms \(phase Pending\)/,
    );
    expect(pvcs.size).toBe(0);
  });
  it('passes: a claim on each class binds and is removed', async () => {
    const { cluster, pvcs } = claims(
      { 'rook-ceph-block': 'Immediate', 'openebs-hostpath': 'WaitForFirstConsumer' },
      true,
    );
    await runCheck(STORAGE, 'STO-PVC-001', cluster, fast);
    expect(pvcs.size).toBe(0);
  });
});
