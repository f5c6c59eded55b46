// The Cilium check mechanisms (helpers/probes/cilium.ts) on fake handles and recorded objects: what a
// check asserts on names the object, the expected and the seen value, and a healthy cluster passes.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { CheckEvidence } from '../../../helpers/check/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import { exec } from '../../../helpers/cluster/index.js';
import type { Matrix, MatrixCell } from '../../../helpers/reads/connectivity.js';
import { peerClusters } from '../../../helpers/reads/peers.js';
import {
  agentStatuses,
  agentsNotOnWireGuard,
  comparePodBaseline,
  ipamAllocations,
  ipamChanges,
  compareValuesWithPeers,
  loadBalancerAddress,
  matrixFindings,
  poolBlocks,
  unhealthyAgents,
} from '../../../helpers/probes/cilium.js';

// exec is a websocket to the apiserver and peers prove their identity: both are replaced here
vi.mock('../../../helpers/cluster/index.js', async (orig) => ({
  ...(await orig<typeof import('../../../helpers/cluster/index.js')>()),
  exec: vi.fn(),
}));
vi.mock('../../../helpers/reads/peers.js', () => ({ peerClusters: vi.fn() }));

const facts = (): Facts => structuredClone(factsDefaults('infra')) as Facts;

function fakeEvidence() {
  const attached: Record<string, unknown> = {};
  const evidence = {
    json: (n: string, v: unknown) => (attached[n] = v),
    text: (n: string, v: string) => (attached[n] = v),
    status: (o: { kind?: string; metadata?: { name?: string } }) =>
      (attached[`status ${o.kind ?? 'Service'} ${o.metadata?.name}`] = o),
  };
  return { evidence: evidence as unknown as CheckEvidence, attached };
}

const handle = (name: string, parts: Record<string, unknown>) =>
  ({ name, ...parts }) as unknown as ClusterHandle;

// `cilium-dbg status` as upstream renders it through a tabwriter (tabs become runs of spaces):
// pkg/client/client.go `"Kubernetes:\t%s\t%s"`, `"Cilium:\t%s   %s"`, `"Encryption:\t%s\t%s"` (Mode,
// then `[NodeEncryption: %s` and `%s (Pubkey: %s, Port: %d, Peers: %d)]` per interface, or Msg
// when the agent's WireGuard status call errored); pkg/health/client/client.go
// `"Cluster health:\t%d/%d reachable\t(%s)\t(Probe interval: %s)"` then the node table.
const OK_STATUS = [
  'KVStore:                 Disabled',
  'Kubernetes:              Ok         1.34 (v1.34.1) [linux/amd64]',
  'Cilium:                  Ok   1.18.2 (v1.18.2-5e4b5a9c)',
  'Encryption:              Wireguard   [NodeEncryption: Disabled, cilium_wg0 (Pubkey: 3q2+7w==, Port: 51871, Peers: 2)]',
  'Cluster health:          3/3 reachable   (2026-12-04T04:50:00Z)   (Probe interval: 1m0s)',
  '  Name                   IP            Node   Endpoints',
  '  infra/infra-cp-1 (localhost)   10.25.11.11   1/1    1/1',
  '',
].join('\n');
const HEALTHY = { stdout: OK_STATUS, stderr: '', exitCode: 0 };

describe('agentStatuses', () => {
  const pod = (name: string, node: string) => ({ metadata: { name }, spec: { nodeName: node } });
  const k = (pods: unknown[], nodes: string[]) =>
    handle('infra', {
      core: {
        listNamespacedPod: async () => ({ items: pods }),
        listNode: async () => ({ items: nodes.map((name) => ({ metadata: { name } })) }),
      },
    });

  it('passes when every node has an agent reporting Ok on WireGuard', async () => {
    vi.mocked(exec).mockResolvedValue(HEALTHY as never);
    const { results, withoutAgent } = await agentStatuses(
      k([pod('cilium-aaaaa', 'n1'), pod('cilium-bbbbb', 'n2')], ['n1', 'n2']),
      facts(),
    );
    expect(withoutAgent).toEqual([]);
    expect(unhealthyAgents(results)).toEqual([]);
    expect(agentsNotOnWireGuard(results)).toEqual([]);
    expect(vi.mocked(exec).mock.calls[0]![1]).toMatchObject({
      pod: 'cilium-aaaaa',
      command: ['cilium-dbg', 'status'],
    });
  });

  it('names the node without an agent, the unhealthy agent and what it reported', async () => {
    vi.mocked(exec).mockResolvedValue({
      stdout: 'Kubernetes:  Ok\nCilium:      Failure   controller endpoint-gc failing\n',
      stderr: '',
      exitCode: 1,
    } as never);
    const { results, withoutAgent } = await agentStatuses(
      k([pod('cilium-aaaaa', 'n1')], ['n1', 'n2']),
      facts(),
    );
    expect(withoutAgent).toEqual(['n2']);
    expect(unhealthyAgents(results)).toEqual([
      'cilium-aaaaa@n1: cilium-dbg status exited 1; Cilium: Failure   controller endpoint-gc failing; no "Cluster health:" line',
    ]);
    expect(agentsNotOnWireGuard(results)).toEqual(['cilium-aaaaa: no Encryption line']);
  });
});

describe('agent status on the upstream failure shapes (false greens)', () => {
  const pod = (name: string, node: string) => ({ metadata: { name }, spec: { nodeName: node } });
  const k = handle('infra', {
    core: {
      listNamespacedPod: async () => ({ items: [pod('cilium-aaaaa', 'n1')] }),
      listNode: async () => ({ items: [{ metadata: { name: 'n1' } }] }),
    },
  });
  const report = async (stdout: string) => {
    vi.mocked(exec).mockResolvedValue({ stdout, stderr: '', exitCode: 0 } as never);
    return (await agentStatuses(k, facts())).results;
  };
  const healthLine = /^Cluster health:.*\n( {2}.*\n)*/m;

  it('the healthy upstream shape (with Probe interval and node table) passes', async () => {
    const r = await report(OK_STATUS);
    expect(unhealthyAgents(r)).toEqual([]);
    expect(agentsNotOnWireGuard(r)).toEqual([]);
    expect(r[0]!.clusterHealth).toEqual({ reachable: 3, total: 3 });
  });
  // pkg/health/client/client.go: `"Cluster health:\t\t\tWarning\tcilium-health daemon unreachable"`
  it('fails when the cilium-health daemon is unreachable (no N/M line)', async () => {
    const r = await report(
      OK_STATUS.replace(
        healthLine,
        'Cluster health:                        Warning   cilium-health daemon unreachable\n',
      ),
    );
    expect(unhealthyAgents(r)).toEqual([
      'cilium-aaaaa@n1: Cluster health: Warning   cilium-health daemon unreachable',
    ]);
  });
  // pkg/health/client/client.go: `"Cluster health:\t\t\tClient error: %s"`
  it('fails on a health client error', async () => {
    const r = await report(
      OK_STATUS.replace(
        healthLine,
        'Cluster health:                        Client error: invalid host format\n',
      ),
    );
    expect(unhealthyAgents(r)).toEqual([
      'cilium-aaaaa@n1: Cluster health: Client error: invalid host format',
    ]);
  });
  // cilium-dbg status with the health prober off: `"Cluster health:\t\tProbe disabled"`
  it('fails when the health probe is disabled: reachability is not proven', async () => {
    const r = await report(OK_STATUS.replace(healthLine, 'Cluster health:               Probe disabled\n'));
    expect(unhealthyAgents(r)).toEqual([
      'cilium-aaaaa@n1: Cluster health: Probe disabled (cilium-health off: node reachability not proven)',
    ]);
  });
  it('fails when there is no Cluster health line at all, or 0/0 nodes', async () => {
    expect(unhealthyAgents(await report(OK_STATUS.replace(healthLine, '')))).toEqual([
      'cilium-aaaaa@n1: no "Cluster health:" line',
    ]);
    expect(unhealthyAgents(await report(OK_STATUS.replace('3/3 reachable', '0/0 reachable')))).toEqual([
      'cilium-aaaaa@n1: Cluster health: 0/0 reachable (no node probed)',
    ]);
  });
  // pkg/client/client.go: Encryption.Msg (the WireGuard status error) replaces the interface list
  it('fails when the WireGuard status call errored, or WireGuard reports no interface', async () => {
    const enc = /^Encryption:.*$/m;
    const errored = await report(
      OK_STATUS.replace(
        enc,
        'Encryption:              Wireguard   failed to get wireguard status: no such device',
      ),
    );
    expect(agentsNotOnWireGuard(errored)).toEqual([
      'cilium-aaaaa: Wireguard   failed to get wireguard status: no such device',
    ]);
    const empty = await report(OK_STATUS.replace(enc, 'Encryption:              Wireguard   '));
    expect(agentsNotOnWireGuard(empty)).toEqual(['cilium-aaaaa: Wireguard']);
    const noIface = await report(
      OK_STATUS.replace(enc, 'Encryption:   Wireguard   [NodeEncryption: Disabled, ]'),
    );
    expect(agentsNotOnWireGuard(noIface)).toEqual(['cilium-aaaaa: Wireguard   [NodeEncryption: Disabled, ]']);
    const ipsec = await report(OK_STATUS.replace(enc, 'Encryption:   IPsec   '));
    expect(agentsNotOnWireGuard(ipsec)).toEqual(['cilium-aaaaa: IPsec']);
  });
});

describe('matrixFindings', () => {
  const cell = (c: Partial<MatrixCell>): MatrixCell => ({
    client: 'c1',
    clientNode: 'n1',
    target: 's1',
    targetNode: 'n1',
    kind: 'pod-to-pod',
    url: 'http://10.0.0.1:8080/hostname',
    ok: true,
    answer: 's1',
    ms: 1,
    ...c,
  });
  const matrix = (cells: MatrixCell[]): Matrix => ({
    servers: [
      { name: 's1', node: 'n1', ip: '10.0.0.1' },
      { name: 's2', node: 'n2', ip: '10.0.0.2' },
    ],
    clients: [{ name: 'c1', node: 'n1' }],
    service: { name: 'pv-conn', clusterIP: '10.96.0.10', port: 80 },
    cells,
  });

  it('passes with no failed cell and counts the cross-node pairs', () => {
    expect(
      matrixFindings(matrix([cell({}), cell({ target: 's2', targetNode: 'n2', answer: 's2' })])),
    ).toEqual({
      failed: [],
      nodes: 2,
      crossNode: 1,
    });
  });
  it('NET-CILIUM-002 fails naming the leg, the client, the target and what answered', () => {
    const m = matrix([
      cell({ target: 's2', targetNode: 'n2', ok: false, answer: 's1' }),
      cell({ kind: 'pod-to-service', target: 'service/pv-conn', targetNode: '-', ok: false, answer: '' }),
    ]);
    expect(matrixFindings(m).failed).toEqual([
      'pod-to-pod c1@n1 -> s2: s1',
      'pod-to-service c1@n1 -> service/pv-conn: no answer',
    ]);
  });
});

describe('LB-IPAM', () => {
  function lbHandle(ingressIp?: string) {
    const deleted: string[] = [];
    const k = handle('infra', {
      custom: {
        getClusterCustomObject: async () => ({
          kind: 'CiliumLoadBalancerIPPool',
          metadata: { name: 'infra-pool' },
          spec: { blocks: [{ cidr: '10.245.10.0/24' }] },
        }),
      },
      apis: {
        getAPIVersions: async () => ({
          groups: [{ name: 'cilium.io', versions: [{ groupVersion: 'cilium.io/v2', version: 'v2' }] }],
        }),
      },
      core: {
        createNamespacedService: async () => ({}),
        readNamespacedService: async ({ name }: { name: string }) => ({
          metadata: { name },
          status: { loadBalancer: { ingress: ingressIp ? [{ ip: ingressIp }] : [] } },
        }),
        deleteNamespacedService: async ({ name }: { name: string }) => deleted.push(name),
      },
    });
    return { k, deleted };
  }

  it('reads the pool blocks and the assigned address, and removes the Service', async () => {
    const { k, deleted } = lbHandle('10.245.10.7');
    const { evidence, attached } = fakeEvidence();
    expect(await poolBlocks(k, 'infra-pool', evidence)).toEqual(['10.245.10.0/24']);
    expect(await loadBalancerAddress(k, 'pv-run', evidence, 50)).toBe('10.245.10.7');
    expect(deleted).toEqual(['pv-lb']);
    expect(Object.keys(attached)).toEqual([
      'status CiliumLoadBalancerIPPool infra-pool',
      'status Service pv-lb',
    ]);
  });
  it('NET-CILIUM-003 fails naming the Service that got no address, and still removes it', async () => {
    const { k, deleted } = lbHandle();
    const err = await loadBalancerAddress(k, 'pv-run', fakeEvidence().evidence, 50).then(
      () => undefined,
      (e: Error) => e.message,
    );
    expect(err).toMatch(/Service pv-run\/pv-lb got no LoadBalancer address/);
    expect(deleted).toEqual(['pv-lb']);
  });
});

describe('poolBlocks: the CiliumLoadBalancerIPPool version', () => {
  // upstream pkg/k8s/apis/cilium.io/v2/lbipam_types.go is `+kubebuilder:storageversion`; the
  // v2alpha1 type is `+kubebuilder:deprecatedversion` (still served, until it is removed)
  const pool = {
    kind: 'CiliumLoadBalancerIPPool',
    metadata: { name: 'infra-pool' },
    spec: { blocks: [{ cidr: '10.245.10.0/24' }] },
  };
  function served(versions: string[]) {
    const read: string[] = [];
    const k = handle('infra', {
      custom: {
        getClusterCustomObject: async ({ version }: { version: string }) => {
          read.push(version);
          if (!versions.includes(version)) throw Object.assign(new Error('HTTP-Code: 404'), { code: 404 });
          return pool;
        },
      },
      apis: {
        getAPIVersions: async () => ({
          groups: versions.length
            ? [
                {
                  name: 'cilium.io',
                  versions: versions.map((v) => ({ groupVersion: `cilium.io/${v}`, version: v })),
                },
              ]
            : [],
        }),
      },
    });
    return { k, read };
  }
  it('reads the pool at v2 where v2 is served (a cluster without v2alpha1 still passes)', async () => {
    const { k, read } = served(['v2']);
    expect(await poolBlocks(k, 'infra-pool', fakeEvidence().evidence)).toEqual(['10.245.10.0/24']);
    expect(read).toEqual(['v2']);
  });
  it('prefers v2 when both are served, and falls back to v2alpha1 on an older Cilium', async () => {
    const both = served(['v2', 'v2alpha1']);
    await poolBlocks(both.k, 'infra-pool', fakeEvidence().evidence);
    expect(both.read).toEqual(['v2']);
    const old = served(['v2alpha1']);
    expect(await poolBlocks(old.k, 'infra-pool', fakeEvidence().evidence)).toEqual(['10.245.10.0/24']);
    expect(old.read).toEqual(['v2alpha1']);
  });
  it('names the versions tried when neither is served', async () => {
    const { k } = served([]);
    await expect(poolBlocks(k, 'infra-pool', fakeEvidence().evidence)).rejects.toThrow(
      /API group cilium\.io \(ciliumloadbalancerippools\) is not served in a version this check reads \(v2, v2alpha1\); served: none/,
    );
  });
});

describe('comparePodBaseline', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pv-baseline-'));
    vi.stubEnv('PV_BASELINE_DIR', dir);
    vi.stubEnv('PV_BASELINE', '');
  });
  afterEach(() => {
    vi.unstubAllEnvs();
    rmSync(dir, { recursive: true, force: true });
  });
  const pod = (name: string, uid: string, restarts = 0) => ({
    metadata: { name, uid },
    spec: { nodeName: 'n1' },
    status: { containerStatuses: [{ name: 'cilium-agent', restartCount: restarts }] },
  });
  const k = (clusterUid: string) =>
    handle('infra', { core: { readNamespace: async () => ({ metadata: { uid: clusterUid } }) } });
  const compare = (clusterUid: string, pods: unknown[]) =>
    comparePodBaseline(
      k(clusterUid),
      { name: 'cilium-pods', namespace: 'kube-system', selector: 'k8s-app=cilium', pods: pods as never },
      fakeEvidence().evidence,
    );

  it('records on the first run (nothing compared), then compares clean', async () => {
    const first = await compare('ks-1', [pod('cilium-aaaaa', 'u1')]);
    expect(first).toEqual({
      compared: false,
      reason: expect.stringMatching(
        /^no baseline to compare with \(none existed\): recorded .*infra-cilium-pods\.json/,
      ),
    });
    const second = await compare('ks-1', [pod('cilium-aaaaa', 'u1')]);
    expect(second).toMatchObject({
      compared: true,
      diff: { recreated: [], missing: [], added: [], restarted: [] },
    });
  });
  it('shows the recreated pod and the restart as seen against the baseline', async () => {
    await compare('ks-1', [pod('cilium-aaaaa', 'u1')]);
    const b = await compare('ks-1', [pod('cilium-aaaaa', 'u2', 1)]);
    expect(b).toMatchObject({
      compared: true,
      diff: {
        recreated: [{ name: 'cilium-aaaaa', baselineUid: 'u1', currentUid: 'u2' }],
        restarted: [{ name: 'cilium-aaaaa', container: 'cilium-agent', baseline: 0, current: 1 }],
      },
    });
  });
  it('re-records, without comparing, when the cluster was rebuilt or PV_BASELINE=write', async () => {
    await compare('ks-1', [pod('cilium-aaaaa', 'u1')]);
    expect(await compare('ks-2', [pod('cilium-bbbbb', 'u9')])).toMatchObject({
      compared: false,
      reason: expect.stringContaining('(cluster rebuilt: kube-system UID changed)'),
    });
    vi.stubEnv('PV_BASELINE', 'write');
    expect(await compare('ks-2', [pod('cilium-ccccc', 'u8')])).toMatchObject({
      compared: false,
      reason: expect.stringContaining('(PV_BASELINE=write)'),
    });
  });
});

describe('IPAM baseline (NET-CILIUM-011)', () => {
  const node = (name: string, podCIDRs?: string[]) => ({
    metadata: { name },
    spec: podCIDRs ? { ipam: { podCIDRs } } : {},
  });
  it('reads each CiliumNode’s pod CIDRs, sorted by node and block', () => {
    expect(
      ipamAllocations([
        node('n2', ['10.244.1.0/24']),
        node('n1', ['10.9.0.0/24', '10.244.0.0/24']),
        node('n3'),
      ]),
    ).toEqual({ n1: ['10.244.0.0/24', '10.9.0.0/24'], n2: ['10.244.1.0/24'], n3: [] });
  });
  it('names a re-allocated block, a gone node, a new node and a lost allocation; nothing when equal', () => {
    const base = { n1: ['10.244.0.0/24'], n2: ['10.244.1.0/24'], n3: ['10.244.2.0/24'] };
    expect(ipamChanges(base, { ...base })).toEqual([]);
    expect(
      ipamChanges(base, { n1: ['10.244.0.0/24'], n2: ['10.244.3.0/24'], n3: [], n4: ['10.244.4.0/24'] }),
    ).toEqual([
      'n2: 10.244.1.0/24 -> 10.244.3.0/24',
      'n3: 10.244.2.0/24 -> none',
      'n4: new node with 10.244.4.0/24',
    ]);
    expect(ipamChanges(base, { n1: ['10.244.0.0/24'] })).toEqual([
      'n2: 10.244.1.0/24 -> node gone',
      'n3: 10.244.2.0/24 -> node gone',
    ]);
  });
});

describe('compareValuesWithPeers', () => {
  const hr = (values: unknown, valuesFrom?: unknown) => async () => ({ spec: { values, valuesFrom } });
  const mine = handle('infra', {
    custom: {
      getNamespacedCustomObject: hr({ cluster: { name: 'infra', id: 1 }, hubble: { enabled: true } }, [
        { kind: 'ConfigMap', name: 'cilium-extra' },
      ]),
    },
  });
  const peer = (values: unknown) => ({
    cluster: handle('apps', { custom: { getNamespacedCustomObject: hr(values) } }),
    facts: structuredClone(factsDefaults('apps')) as Facts,
  });

  it('passes when only cluster-specific keys differ, naming the valuesFrom not compared', async () => {
    vi.mocked(peerClusters).mockResolvedValue([
      peer({ cluster: { name: 'apps', id: 2 }, hubble: { enabled: true } }),
    ]);
    const { evidence, attached } = fakeEvidence();
    expect(await compareValuesWithPeers(mine, facts(), evidence)).toEqual({
      peers: 1,
      differences: [],
      notCompared: ['infra: ConfigMap/cilium-extra'],
    });
    expect(attached['values-diff']).toMatchObject({ 'infra-vs-apps': [] });
  });
  it('names the key and both values when a shared value differs', async () => {
    vi.mocked(peerClusters).mockResolvedValue([
      peer({ cluster: { name: 'apps', id: 2 }, hubble: { enabled: false } }),
    ]);
    const { differences } = await compareValuesWithPeers(mine, facts(), fakeEvidence().evidence);
    expect(differences).toEqual(['hubble.enabled: infra=true apps=false']);
  });
  it('with no peers compares and attaches nothing; a refused peer is the evidence', async () => {
    vi.mocked(peerClusters).mockResolvedValue([]);
    const none = fakeEvidence();
    expect((await compareValuesWithPeers(mine, facts(), none.evidence)).peers).toBe(0);
    expect(none.attached).toEqual({});
    vi.mocked(peerClusters).mockRejectedValue(new Error('cluster "apps": identity not proven'));
    const refused = fakeEvidence();
    await expect(compareValuesWithPeers(mine, facts(), refused.evidence)).rejects.toThrow(
      /identity not proven/,
    );
    expect(refused.attached['peer-identity.txt']).toBe('cluster "apps": identity not proven\n');
  });
});
