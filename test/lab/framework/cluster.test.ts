// Cluster access against the real lab: identity guard, exec through the status channel, waits, secrets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ExecError,
  IdentityError,
  RolloutError,
  WaitTimeoutError,
  createClusterHandle,
  exec,
  proveIdentity,
  readSecretValue,
  waitForCondition,
  waitForRollout,
  type ClusterHandle,
} from '../../../helpers/cluster/index.js';
import { DEFAULT_IDENTITY_CONFIGMAP } from '../../../helpers/config/identity.js';
import { redact } from '../../../helpers/evidence/redact.js';
import { cleanupRun, ensureRunNamespace, newRunId } from '../../../helpers/run/index.js';
import { LAB_KUBECONFIG, deployEchoWorkloads, labCluster, netexecPodSpec } from './lab.js';

const runId = newRunId();
let c: ClusterHandle;
let ns: string;

beforeAll(async () => {
  c = await labCluster('infra');
  ns = await ensureRunNamespace(c, runId);
  await deployEchoWorkloads(c, ns);
}, 180_000);
afterAll(async () => {
  if (c) await cleanupRun(c, runId);
});

describe('identity guard', () => {
  it('each lab context proves its own cluster', async () => {
    for (const name of ['infra', 'apps'] as const) {
      const h = createClusterHandle({ name, context: `lab-${name}`, kubeconfig: LAB_KUBECONFIG });
      const id = await proveIdentity(h);
      expect(id.expected).toBe(name);
      expect(id.seen).toBe(name);
      expect(id.serverVersion).toMatch(/^v1\.\d+\.\d+/);
      expect(id.server).toBe(h.server);
      expect(h.identity?.seen).toBe(name);
    }
  });

  it('a context pointing at the other cluster fails, naming context, expected and seen', async () => {
    const h = createClusterHandle({ name: 'apps', context: 'lab-infra', kubeconfig: LAB_KUBECONFIG });
    const err = await proveIdentity(h).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdentityError);
    const m = (err as Error).message;
    expect(m).toContain('context "lab-infra"');
    expect(m).toContain('expected "apps"');
    expect(m).toContain('seen "infra"');
    expect(h.identity).toBeUndefined();
    await expect(ensureRunNamespace(h, newRunId())).rejects.toThrow(/refusing to create/);
  });

  it('configurable: another ConfigMap key, and a node label', async () => {
    const h = createClusterHandle({ name: 'infra', context: 'lab-infra', kubeconfig: LAB_KUBECONFIG });
    await expect(
      proveIdentity(h, {
        spec: { ...DEFAULT_IDENTITY_CONFIGMAP, kind: 'configMap', key: 'CLUSTER_ID', expected: '1' },
      }),
    ).resolves.toMatchObject({ seen: '1' });
    const err = await proveIdentity(h, {
      spec: { ...DEFAULT_IDENTITY_CONFIGMAP, kind: 'configMap', name: 'no-such-cm', expected: 'infra' },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('seen "(not found): no ConfigMap flux-system/no-such-cm"');
    const nodes = await h.core.listNode();
    const hostname = nodes.items[0]!.metadata!.labels!['kubernetes.io/hostname']!;
    const byLabel = await proveIdentity(h, {
      spec: { kind: 'nodeLabel', key: 'kubernetes.io/hostname', expected: hostname },
    }).catch((e: unknown) => e);
    // every node must carry the expected value: with 3 distinct hostnames this is a mismatch listing them
    if (nodes.items.length > 1) expect((byLabel as Error).message).toContain(hostname);
    else expect(byLabel).toMatchObject({ seen: hostname });
  });
});

describe('exec', () => {
  it('stdout, stderr and a non-zero exit code from the status channel', async () => {
    const r = await exec(c, {
      namespace: ns,
      pod: 'echo-pod',
      command: ['sh', '-c', 'echo out; echo err >&2; exit 3'],
      timeoutMs: 20_000,
    });
    expect(r).toEqual({ stdout: 'out\n', stderr: 'err\n', exitCode: 3 });
  });

  it('exit code 0 and stdin', async () => {
    // `head -c N` rather than `cat`: KWOK's local exec never closes the command's stdin pipe, so a
    // command that waits for EOF would hang there (a real kubelet gets the v5 CLOSE signal we send).
    const input = 'hello through stdin';
    const r = await exec(c, {
      namespace: ns,
      pod: 'echo-pod',
      command: ['head', '-c', String(input.length)],
      stdin: input,
      timeoutMs: 20_000,
    });
    expect(r).toEqual({ stdout: input, stderr: '', exitCode: 0 });
  });

  it('a command that cannot start is an error, not an exit code', async () => {
    const err = await exec(c, {
      namespace: ns,
      pod: 'echo-pod',
      command: ['no-such-binary-pv'],
      timeoutMs: 20_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecError);
    expect((err as Error).message).toContain('no-such-binary-pv');
  });

  it('a timeout kills the stream and names pod and command', async () => {
    const t0 = Date.now();
    const err = await exec(c, {
      namespace: ns,
      pod: 'echo-pod',
      command: ['sleep', '30'],
      timeoutMs: 1500,
    }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err).toBeInstanceOf(ExecError);
    expect((err as ExecError).details.timedOut).toBe(true);
    expect((err as Error).message).toContain(`pod ${ns}/echo-pod`);
    expect((err as Error).message).toContain('sleep 30');
    expect((err as Error).message).toContain('timed out after 1500 ms');
  });

  it('a missing pod is reported with the API server message', async () => {
    const err = await exec(c, { namespace: ns, pod: 'ghost', command: ['true'], timeoutMs: 10_000 }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(/pod .*\/ghost/);
    expect((err as Error).message).toMatch(/not found/);
  });
});

describe('waits', () => {
  it('rollout and condition', async () => {
    await expect(
      waitForRollout(c, { kind: 'Deployment', namespace: ns, name: 'echo' }, 30_000),
    ).resolves.toMatch(/successfully rolled out/);
    const pod = await waitForCondition(
      c,
      { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'echo-pod' },
      'Ready',
      30_000,
    );
    expect(pod.metadata?.name).toBe('echo-pod');
  });

  it('condition timeout says what was awaited and what was seen', async () => {
    const err = await waitForCondition(
      c,
      { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'echo-pod' },
      'Frobnicated',
      1500,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitTimeoutError);
    const m = (err as Error).message;
    expect(m).toContain(`Pod ${ns}/echo-pod condition Frobnicated=True`);
    expect(m).toMatch(/last seen: .*Ready=True/);
  });

  it('a rollout that cannot finish times out with the kubectl-style status', async () => {
    await c.apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'stuck' },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: 'stuck' } },
          template: {
            metadata: { labels: { app: 'stuck' } },
            spec: { ...netexecPodSpec(), nodeSelector: { 'pv-test/no-such-node': 'true' } },
          },
        },
      },
    });
    const err = await waitForRollout(c, { kind: 'Deployment', namespace: ns, name: 'stuck' }, 3000).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(WaitTimeoutError);
    expect((err as Error).message).toMatch(/rollout of Deployment .*\/stuck/);
    expect((err as Error).message).toMatch(
      /last seen: (0 of 1 updated replicas are available|0 out of 1 new replicas|waiting for deployment)/,
    );
  });

  it('OnDelete DaemonSet rollout is refused, not waited for', async () => {
    await c.apps.createNamespacedDaemonSet({
      namespace: ns,
      body: {
        metadata: { name: 'ondelete' },
        spec: {
          selector: { matchLabels: { app: 'ondelete' } },
          updateStrategy: { type: 'OnDelete' },
          template: { metadata: { labels: { app: 'ondelete' } }, spec: netexecPodSpec() },
        },
      },
    });
    await expect(
      waitForRollout(c, { kind: 'DaemonSet', namespace: ns, name: 'ondelete' }, 10_000),
    ).rejects.toBeInstanceOf(RolloutError);
  });
});

describe('secrets and touched objects', () => {
  it('readSecretValue returns the value and registers it for redaction', async () => {
    const value = `pv-secret-${runId}-value`;
    await c.core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 's1' }, stringData: { token: value } },
    });
    expect(await readSecretValue(c, ns, 's1', 'token')).toBe(value);
    expect(redact(`the token is ${value}`)).not.toContain(value);
    expect(redact(Buffer.from(value).toString('base64'))).not.toContain(
      Buffer.from(value).toString('base64'),
    );
    await expect(readSecretValue(c, ns, 's1', 'nope')).rejects.toThrow(/has no key "nope" \(keys: token\)/);
    await expect(readSecretValue(c, ns, 'absent', 'k')).rejects.toThrow(/Secret .*\/absent does not exist/);
  });

  it('objects read through the handle are recorded', async () => {
    const mark = c.touched.mark;
    await c.core.readNamespacedPod({ namespace: ns, name: 'echo-pod' });
    await c.apps.readNamespacedDeployment({ namespace: ns, name: 'echo' });
    await c.core.readNamespacedConfigMap({ namespace: 'flux-system', name: 'cluster-settings' });
    expect(c.touched.since(mark).refs).toEqual([
      { apiVersion: 'v1', kind: 'Pod', namespace: ns, name: 'echo-pod' },
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name: 'echo' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'flux-system', name: 'cluster-settings' },
    ]);
  });
});
