/**
 * The lab's control planes, end to end (needs `pnpm lab up`): real kubectl and
 * @kubernetes/client-node against both real apiservers, KWOK nodes, and port-forward / exec /
 * logs routed through the apiserver and KWOK to real local processes.
 * The destructive `lab down` check runs only with PV_LAB_DOWN_TEST=1 (it stops and restarts the lab).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { CoreV1Api, Exec, PortForward, type V1Status } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadLabContext, type LabContext } from '../../../lab/core/index.js';
import { LAB_CLUSTERS, type LabClusterName } from '../../../lab/core/topology.js';
import { controlPlanePorts } from '../../../lab/cluster/up.js';
import { listeners } from '../../../lab/cluster/ports.js';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let ctx: LabContext;
const suffix = crypto.randomBytes(3).toString('hex');
const ns = `pv-lab-cp-${suffix}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-lab-cp-'));
const children: ChildProcess[] = [];

async function kubectl(
  cluster: LabClusterName,
  args: string[],
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(
      ctx.kubectl,
      ['--kubeconfig', ctx.paths.kubeconfig, '--context', ctx.clusters[cluster].context, ...args],
      { env: ctx.env, timeout: 60_000 },
    );
    return { stdout, stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number };
    return {
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
      code: typeof err.code === 'number' ? err.code : -1,
    };
  }
}

async function ok(cluster: LabClusterName, args: string[]): Promise<string> {
  const r = await kubectl(cluster, args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} (${cluster}) exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
  });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr = '';
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      lastErr = (e as Error).message;
    }
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${lastErr}` : ''}`);
}

/** a real local HTTP server (python3 -m http.server) serving a dir with token.txt */
async function startLocalHttp(token: string): Promise<number> {
  const dir = fs.mkdtempSync(path.join(tmp, 'www-'));
  fs.writeFileSync(path.join(dir, 'token.txt'), token);
  const port = await freePort();
  const child = spawn(
    'python3',
    ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', dir],
    {
      stdio: 'ignore',
    },
  );
  children.push(child);
  await waitFor(
    `python http.server on ${port}`,
    async () => ((await httpGet(`http://127.0.0.1:${port}/token.txt`)).status === 200 ? true : undefined),
    20_000,
  );
  return port;
}

async function createPod(
  cluster: LabClusterName,
  name: string,
  image: string,
  args: string[] = [],
): Promise<void> {
  const manifest = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: name } },
    spec: { containers: [{ name: 'main', image, args }] },
  };
  const file = path.join(tmp, `${cluster}-${name}.json`);
  fs.writeFileSync(file, JSON.stringify(manifest));
  await ok(cluster, ['apply', '-f', file]);
  await ok(cluster, ['wait', '-n', ns, '--for=condition=Ready', `pod/${name}`, '--timeout=60s']);
}

beforeAll(async () => {
  ctx = loadLabContext({ log: () => undefined });
  for (const c of LAB_CLUSTERS) await ok(c, ['create', 'namespace', ns]);
});

afterAll(async () => {
  for (const ch of children) ch.kill('SIGTERM');
  if (ctx) for (const c of LAB_CLUSTERS) await kubectl(c, ['delete', 'namespace', ns, '--wait=false']);
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe.each(LAB_CLUSTERS)('lab control plane %s', (cluster) => {
  it('runs our kubectl (built from k8s.io/kubernetes), not the host dispatcher, against the real apiserver', async () => {
    const v = JSON.parse(await ok(cluster, ['version', '-o', 'json'])) as {
      clientVersion: { gitVersion: string };
      serverVersion: { gitVersion: string };
    };
    expect(v.clientVersion.gitVersion).toBe(ctx.versions.KUBERNETES_VERSION);
    expect(v.serverVersion.gitVersion).toBe(ctx.versions.KUBERNETES_VERSION);
  });

  it('has 3 Ready control-plane nodes served by KWOK', async () => {
    const nodes = JSON.parse(
      await ok(cluster, ['get', 'nodes', '-l', 'node-role.kubernetes.io/control-plane', '-o', 'json']),
    ) as {
      items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[];
    };
    expect(nodes.items.map((n) => n.metadata.name).sort()).toEqual(
      [1, 2, 3].map((i) => `${cluster}-cp-${i}`),
    );
    for (const n of nodes.items) {
      expect(n.status.conditions.find((c) => c.type === 'Ready')?.status, n.metadata.name).toBe('True');
    }
  });

  it('identifies itself through flux-system/cluster-settings', async () => {
    expect(
      await ok(cluster, [
        '-n',
        'flux-system',
        'get',
        'configmap',
        'cluster-settings',
        '-o',
        'jsonpath={.data.CLUSTER}',
      ]),
    ).toBe(cluster);
  });

  it('enforces RBAC for a ServiceAccount token', async () => {
    await ok(cluster, ['-n', ns, 'create', 'serviceaccount', 'reader']);
    const token = (await ok(cluster, ['-n', ns, 'create', 'token', 'reader', '--duration=10m'])).trim();
    // a kubeconfig-less kubectl that only has the token (no admin client cert)
    const asReader = async (args: string[]) => {
      try {
        await run(
          ctx.kubectl,
          [
            '--kubeconfig=/dev/null',
            `--server=${ctx.clusters[cluster].server}`,
            `--certificate-authority=${path.join(ctx.paths.pki, 'ca.crt')}`,
            `--token=${token}`,
            ...args,
          ],
          { env: { ...ctx.env, KUBECONFIG: '' }, timeout: 30_000 },
        );
        return { code: 0, stderr: '' };
      } catch (e) {
        return { code: 1, stderr: (e as { stderr?: string }).stderr ?? '' };
      }
    };
    const who = await run(
      ctx.kubectl,
      [
        '--kubeconfig=/dev/null',
        `--server=${ctx.clusters[cluster].server}`,
        `--certificate-authority=${path.join(ctx.paths.pki, 'ca.crt')}`,
        `--token=${token}`,
        'auth',
        'whoami',
        '-o',
        'jsonpath={.status.userInfo.username}',
      ],
      { env: { ...ctx.env, KUBECONFIG: '' } },
    );
    expect(who.stdout).toBe(`system:serviceaccount:${ns}:reader`);
    const denied = await asReader(['-n', 'kube-system', 'get', 'pods']);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/forbidden/i);
    await ok(cluster, [
      '-n',
      'kube-system',
      'create',
      'rolebinding',
      `reader-${suffix}`,
      '--clusterrole=view',
      `--serviceaccount=${ns}:reader`,
    ]);
    await waitFor(
      'RBAC grant',
      async () => ((await asReader(['-n', 'kube-system', 'get', 'pods'])).code === 0 ? true : undefined),
      20_000,
    );
    // view does not include secrets
    expect((await asReader(['-n', 'kube-system', 'get', 'secrets'])).stderr).toMatch(/forbidden/i);
    await ok(cluster, ['-n', 'kube-system', 'delete', 'rolebinding', `reader-${suffix}`]);
  });

  it('routes kubectl port-forward, exec and logs of a KWOK pod to real local processes', async () => {
    const pod = 'web';
    await createPod(cluster, pod, 'registry.k8s.io/pause:3.10');
    const token = crypto.randomBytes(8).toString('hex');
    const target = await startLocalHttp(token);
    await ctx.routing.routePodPort(cluster, {
      namespace: ns,
      pods: [pod],
      ports: [80],
      target: { address: '127.0.0.1', port: target },
    });
    await ctx.routing.routeExec(cluster, { namespace: ns, pods: [pod], env: { PV_TEST_TOKEN: token } });
    const logFile = path.join(tmp, `${cluster}-web.log`);
    fs.writeFileSync(logFile, `line one ${token}\nline two\n`);
    await ctx.routing.routeLogs(cluster, { namespace: ns, pods: [pod], logsFile: logFile, follow: false });

    // port-forward: kubectl -> apiserver -> KWOK (kubelet API) -> python http.server
    const local = await freePort();
    const pf = spawn(
      ctx.kubectl,
      [
        '--kubeconfig',
        ctx.paths.kubeconfig,
        '--context',
        ctx.clusters[cluster].context,
        '-n',
        ns,
        'port-forward',
        `pod/${pod}`,
        `${local}:80`,
      ],
      { env: ctx.env },
    );
    children.push(pf);
    const body = await waitFor(
      'port-forward',
      async () => {
        const r = await httpGet(`http://127.0.0.1:${local}/token.txt`);
        return r.status === 200 ? r.body : undefined;
      },
      30_000,
    );
    pf.kill('SIGTERM');
    expect(body).toBe(token);

    // exec: the command runs locally with the route's env; exit codes propagate
    const out = await waitFor(
      'exec route',
      async () => {
        const r = await kubectl(cluster, [
          '-n',
          ns,
          'exec',
          pod,
          '--',
          'sh',
          '-c',
          'echo "$PV_TEST_TOKEN $PV_LAB_CLUSTER $PV_LAB_POD"',
        ]);
        return r.code === 0 ? r.stdout.trim() : undefined;
      },
      20_000,
    );
    expect(out).toBe(`${token} ${cluster} ${pod}`);
    // KWOK wraps the command's exit error, so the apiserver cannot pass the exact code on:
    // kubectl exits 1 and the message names the real status
    const failing = await kubectl(cluster, ['-n', ns, 'exec', pod, '--', 'sh', '-c', 'exit 3']);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain('exit status 3');

    // logs: the routed file
    const logs = await waitFor(
      'logs route',
      async () => {
        const r = await kubectl(cluster, ['-n', ns, 'logs', pod]);
        return r.code === 0 && r.stdout.length > 0 ? r.stdout : undefined;
      },
      20_000,
    );
    expect(logs).toBe(`line one ${token}\nline two\n`);

    // @kubernetes/client-node PortForward (WebSocket) to the same local process
    const kc = ctx.clusters[cluster].kc;
    const forward = new PortForward(kc);
    const server = net.createServer((socket) => {
      void forward.portForward(ns, pod, [80], socket, null, socket);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const cnPort = (server.address() as net.AddressInfo).port;
    try {
      const r = await waitFor(
        'client-node port-forward',
        async () => {
          const res = await httpGet(`http://127.0.0.1:${cnPort}/token.txt`);
          return res.status === 200 ? res.body : undefined;
        },
        30_000,
      );
      expect(r).toBe(token);
    } finally {
      server.close();
    }

    // @kubernetes/client-node Exec (WebSocket)
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (d: Buffer) => (text += d.toString()));
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc)
        .exec(
          ns,
          pod,
          'main',
          ['sh', '-c', 'echo "client-node $PV_TEST_TOKEN"'],
          stdout,
          new Writable({ write: (_c, _e, cb) => cb() }),
          null,
          false,
          resolve,
        )
        .catch(reject);
    });
    expect(status.status).toBe('Success');
    expect(text.trim()).toBe(`client-node ${token}`);
  });

  it('serves agnhost netexec pods on their pod IP loopback alias (simulated datapath)', async () => {
    await createPod(cluster, 'server', 'registry.k8s.io/e2e-test-images/agnhost:2.53', [
      'netexec',
      '--http-port=8080',
    ]);
    await createPod(cluster, 'client', 'registry.k8s.io/e2e-test-images/agnhost:2.53', ['pause']);
    const core = ctx.clusters[cluster].kc.makeApiClient(CoreV1Api);
    const serverPod = await core.readNamespacedPod({ name: 'server', namespace: ns });
    const ip = serverPod.status?.podIP ?? '';
    expect(ip.startsWith(ctx.clusters[cluster].podCIDR.split('.').slice(0, 2).join('.'))).toBe(true);
    // from inside the client pod: agnhost connect to the server's pod IP
    const connected = await waitFor(
      'agnhost connect',
      async () => {
        const r = await kubectl(cluster, [
          '-n',
          ns,
          'exec',
          'client',
          '--',
          'agnhost',
          'connect',
          `${ip}:8080`,
          '--timeout=3s',
        ]);
        return r.code === 0 ? true : undefined;
      },
      30_000,
    );
    expect(connected).toBe(true);
    const refused = await kubectl(cluster, [
      '-n',
      ns,
      'exec',
      'client',
      '--',
      'agnhost',
      'connect',
      `${ip}:8081`,
      '--timeout=3s',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/REFUSED/);
    // curl from inside the client pod to the server's /hostname
    const hostname = await kubectl(cluster, [
      '-n',
      ns,
      'exec',
      'client',
      '--',
      'curl',
      '-s',
      `http://${ip}:8080/hostname`,
    ]);
    expect(hostname.stdout).toBe('server');
    // pod-to-Service: the pod runtime's simulated kube-proxy on the ClusterIP's loopback alias
    await ok(cluster, ['-n', ns, 'create', 'service', 'clusterip', 'server', '--tcp=80:8080']);
    const clusterIP = (
      await ok(cluster, ['-n', ns, 'get', 'service', 'server', '-o', 'jsonpath={.spec.clusterIP}'])
    ).trim();
    expect(clusterIP.startsWith(ctx.clusters[cluster].serviceCIDR.split('.').slice(0, 2).join('.'))).toBe(
      true,
    );
    const viaService = await waitFor(
      'pod-to-service',
      async () => {
        const r = await kubectl(cluster, [
          '-n',
          ns,
          'exec',
          'client',
          '--',
          'curl',
          '-sS',
          '--max-time',
          '3',
          `http://${clusterIP}/hostname`,
        ]);
        return r.code === 0 ? r.stdout : undefined;
      },
      30_000,
    );
    expect(viaService).toBe('server');
    // netexec /dial from the server to itself, over port-forward from the runner
    const local = await freePort();
    const pf = spawn(
      ctx.kubectl,
      [
        '--kubeconfig',
        ctx.paths.kubeconfig,
        '--context',
        ctx.clusters[cluster].context,
        '-n',
        ns,
        'port-forward',
        'pod/server',
        `${local}:8080`,
      ],
      { env: ctx.env },
    );
    children.push(pf);
    const dial = await waitFor(
      'netexec /dial over port-forward',
      async () => {
        const r = await httpGet(
          `http://127.0.0.1:${local}/dial?host=${ip}&port=8080&request=/hostname&protocol=http&tries=2`,
        );
        return r.status === 200 ? r.body : undefined;
      },
      30_000,
    );
    pf.kill('SIGTERM');
    expect(JSON.parse(dial)).toEqual({ responses: ['server', 'server'], errors: [] });
    // the server stops with its pod
    await ok(cluster, ['-n', ns, 'delete', 'pod', 'server', '--wait=true', '--timeout=60s']);
    await waitFor(
      'netexec stopped',
      async () => {
        const r = await kubectl(cluster, [
          '-n',
          ns,
          'exec',
          'client',
          '--',
          'agnhost',
          'connect',
          `${ip}:8080`,
          '--timeout=2s',
        ]);
        return r.code === 1 ? true : undefined;
      },
      30_000,
    );
  });
});

describe.runIf(process.env.PV_LAB_DOWN_TEST === '1')(
  'lab down / up (destructive: PV_LAB_DOWN_TEST=1)',
  () => {
    it('lab down leaves no listening lab port; lab up brings it back', async () => {
      const cli = ['exec', 'tsx', 'lab/cli.ts'];
      const before = ctx.procs.list().flatMap((r) => r.ports);
      await run('pnpm', [...cli, 'down'], { cwd: ctx.paths.repo, timeout: 120_000 });
      const left = listeners([...new Set([...controlPlanePorts(), ...before])]);
      expect(left).toEqual([]);
      const t0 = Date.now();
      const { stderr } = await run('pnpm', [...cli, 'up'], { cwd: ctx.paths.repo, timeout: 300_000 });
      expect(Date.now() - t0, `warm lab up:\n${stderr}`).toBeLessThan(60_000);
      expect((await ok('apps', ['get', 'nodes', '-o', 'name'])).trim().split('\n')).toHaveLength(3);
    }, 400_000);
  },
);
