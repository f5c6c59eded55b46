// Pure plumbing of the suites (helpers/reads): statistics, values diff, baseline compare, CIDR
// membership, agent-status parsing, revision parsing, and the generated OCI image (checked with tar).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { compareBaseline, describeDiff, isClean } from '../../../helpers/reads/baseline.js';
import { clusterMeshProblems, parseAgentStatus } from '../../../helpers/reads/cilium.js';
import { revisionSha } from '../../../helpers/reads/git.js';
import { deploymentRolloutStatus, notRolledOut } from '../../../helpers/cluster/rollout.js';
import { inCidr } from '../../../helpers/reads/net.js';
import { sha256, tinyImage } from '../../../helpers/reads/oci.js';
import { matchesSelector } from '../../../helpers/reads/selectors.js';
import { percentile, summarize } from '../../../helpers/clients/latency.js';
import { diffValues } from '../../../helpers/reads/values.js';
import { factsDefaults, factsSchema } from '../../../helpers/config/index.js';

describe('stats', () => {
  test('nearest-rank percentile and summary', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 95)).toBe(95);
    expect(percentile([5], 95)).toBe(5);
    expect(summarize([1, 2, 3, 4])).toMatchObject({ samples: 4, avgMs: 2.5, p95Ms: 4, minMs: 1, maxMs: 4 });
    expect(() => percentile([], 50)).toThrow(/empty/);
  });
});

describe('values diff (TECH-007)', () => {
  test('ignores cluster-specific keys and reports everything else', () => {
    const infra = {
      cluster: { name: 'infra', id: 1 },
      kubeProxyReplacement: true,
      hubble: { enabled: true },
    };
    const apps = { cluster: { name: 'apps', id: 2 }, kubeProxyReplacement: false, hubble: { enabled: true } };
    expect(diffValues(infra, apps, ['cluster.name', 'cluster.id'])).toEqual([
      { key: 'kubeProxyReplacement', left: true, right: false },
    ]);
    expect(diffValues(infra, { ...infra, extra: 1 }, [])).toEqual([
      { key: 'extra', left: undefined, right: 1 },
    ]);
    expect(diffValues(infra, apps, ['cluster', 'kubeProxyReplacement'])).toEqual([]);
  });
});

describe('zero-disruption baseline (TECH-001)', () => {
  const base = [{ name: 'cilium-a', uid: 'u1', node: 'n1', startTime: 't', restarts: { 'cilium-agent': 0 } }];
  test('clean when nothing changed', () => expect(isClean(compareBaseline(base, base))).toBe(true));
  test('a recreated pod and a restart are reported', () => {
    const d = compareBaseline(base, [{ ...base[0]!, uid: 'u2', restarts: { 'cilium-agent': 1 } }]);
    expect(isClean(d)).toBe(false);
    expect(describeDiff(d)).toBe('cilium-a recreated (uid u1 -> u2); cilium-a/cilium-agent restarts 0 -> 1');
  });
  test('a replaced pod shows as gone + new', () => {
    expect(describeDiff(compareBaseline(base, [{ ...base[0]!, name: 'cilium-b' }]))).toBe(
      'cilium-a gone; cilium-b new',
    );
  });
});

describe('net, selectors, revisions', () => {
  test('CIDR membership', () => {
    expect(inCidr('10.245.10.7', '10.245.10.0/24')).toBe(true);
    expect(inCidr('10.245.11.7', '10.245.10.0/24')).toBe(false);
    expect(() => inCidr('10.245.300.1', '10.0.0.0/8')).toThrow(/IPv4/);
  });
  test('label selectors', () => {
    expect(matchesSelector({ matchLabels: { app: 'dragonfly' } }, { app: 'dragonfly', x: 'y' })).toBe(true);
    expect(
      matchesSelector(
        { matchExpressions: [{ key: 'app', operator: 'In', values: ['other'] }] },
        { app: 'dragonfly' },
      ),
    ).toBe(false);
    expect(matchesSelector(undefined, { app: 'dragonfly' })).toBe(false);
  });
  test('Flux revision formats', () => {
    const sha = '4f1c2b9e7d3a5c8b0e6f2a1d9c7b5e3f8a0d2c4b';
    expect(revisionSha(`main@sha1:${sha}`)).toBe(sha);
    expect(revisionSha(`main/${sha}`)).toBe(sha);
    expect(revisionSha('garbage')).toBeUndefined();
  });
});

describe('cilium-dbg status parsing', () => {
  const ok =
    'KVStore:  Disabled\nKubernetes:              Ok         1.34 (v1.34.1)\nCilium:                  Ok   1.18.2\nEncryption:              Wireguard       [NodeEncryption: Disabled]\nCluster health:          3/3 reachable   (now)\n';
  test('healthy', () =>
    expect(parseAgentStatus(ok, 0)).toMatchObject({
      ok: true,
      encryption: expect.stringMatching(/^Wireguard/),
    }));
  test('unreachable nodes and a failing exit code', () => {
    const s = parseAgentStatus(ok.replace('3/3', '2/3'), 1);
    expect(s.ok).toBe(false);
    expect(s.problems).toEqual(['cilium-dbg status exited 1', 'Cluster health: 2/3 reachable']);
  });
});

describe('ClusterMesh status (cilium-dbg status -o json)', () => {
  const status = (clusters: unknown[]) => JSON.stringify({ 'cluster-mesh': { clusters } });
  const ready = { name: 'apps', ready: true, connected: true, 'num-nodes': 3, status: 'etcd: 1/1 connected' };
  test('every expected remote connected, synced, ready and with nodes passes', () => {
    expect(clusterMeshProblems(status([ready]), ['apps'])).toEqual([]);
  });
  test('a lost remote names its state; upstream omits false fields', () => {
    const lost = {
      name: 'apps',
      status: 'Waiting for initial connection to be established',
      'num-failures': 1,
      'last-failure': '2026-12-07T19:00:00.000Z',
    };
    expect(clusterMeshProblems(status([lost]), ['apps'])).toEqual([
      'remote cluster apps not ready (connected false, 0 nodes, status "Waiting for initial connection to be established", 1 failures (last 2026-12-07T19:00:00.000Z))',
    ]);
  });
  test('ready with 0 nodes synced, a missing remote, no cluster-mesh part and non-JSON all fail', () => {
    expect(clusterMeshProblems(status([{ ...ready, 'num-nodes': 0 }]), ['apps'])[0]).toMatch(
      /^remote cluster apps ready \(connected true, 0 nodes/,
    );
    expect(clusterMeshProblems(status([{ ...ready, name: 'other' }]), ['apps'])).toEqual([
      'remote cluster apps not in its ClusterMesh status (remotes seen: other)',
    ]);
    expect(clusterMeshProblems('{}', ['apps'])).toEqual([
      'remote cluster apps not in its ClusterMesh status (remotes seen: none)',
    ]);
    expect(clusterMeshProblems('Error: not JSON', ['apps'])[0]).toMatch(/is not JSON: Error: not JSON/);
  });
});

describe('tiny OCI image', () => {
  test('layer is a valid gzipped tar holding the marker; digests are content hashes', () => {
    const img = tinyImage('run-123');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pv-oci-'));
    const tarFile = path.join(dir, 'layer.tar');
    writeFileSync(tarFile, gunzipSync(img.layer.data));
    expect(execFileSync('tar', ['-xOf', tarFile, 'platform-validation.txt']).toString()).toBe('run-123\n');
    expect(img.layer.digest).toBe(sha256(img.layer.data));
    const manifest = JSON.parse(img.manifest.data.toString()) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    expect(manifest.config.digest).toBe(img.config.digest);
    expect(manifest.layers[0]!.digest).toBe(img.layer.digest);
    expect(tinyImage('run-123').manifest.digest).toBe(img.manifest.digest);
  });
});

describe('facts defaults', () => {
  test('both reference clusters validate and differ where the stories say', () => {
    const infra = factsSchema.parse(factsDefaults('infra'));
    const apps = factsSchema.parse(factsDefaults('apps'));
    expect(infra.cilium.lbPool.cidr).toBe('10.245.10.0/24');
    expect(apps.cilium.lbPool.cidr).toBe('10.247.10.0/24');
    expect(apps.cnpg.poolers.map((p) => p.name)).toContain('gitlab-pooler-rw');
    expect(infra.observability.enabled && !apps.observability.enabled).toBe(true);
    expect(factsSchema.safeParse({ ...infra, cluster: { ...infra.cluster, podCidr: 'nope' } }).success).toBe(
      false,
    );
  });
});

describe('what must never read as healthy', () => {
  test('a Deployment scaled to 0 is not rolled out (Kubernetes reports it Available)', () => {
    const d = (replicas: number) => ({
      metadata: { generation: 1 },
      spec: { replicas, selector: {}, template: {} },
      status: { observedGeneration: 1, replicas, updatedReplicas: replicas, availableReplicas: replicas },
    });
    expect(notRolledOut(() => deploymentRolloutStatus(d(0)))).toBe('scaled to 0 replicas');
    expect(notRolledOut(() => deploymentRolloutStatus(d(2)))).toBeUndefined();
  });
  test('no storage class expected is a config error, not a check that iterates nothing', () => {
    const infra = factsSchema.parse(factsDefaults('infra'));
    const r = factsSchema.safeParse({ ...infra, storage: { ...infra.storage, storageClasses: [] } });
    expect(r.success).toBe(false);
  });
});
