// No false greens: an API server that is not there, or that never answers, fails in seconds with a
// typed error naming the cluster, context and server.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClusterAccessError,
  createClusterHandle,
  exec,
  proveIdentity,
} from '../../../helpers/cluster/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-unreach-'));
let closedPort = 0;
let silent: net.Server;
let silentPort = 0;
const held: net.Socket[] = [];

function kubeconfigFor(server: string): string {
  const p = path.join(dir, `${server.replace(/\W/g, '_')}.yaml`);
  fs.writeFileSync(
    p,
    `apiVersion: v1\nkind: Config\ncurrent-context: other\nclusters:\n- name: c\n  cluster:\n    server: ${server}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: abc\ncontexts:\n- name: lab-infra\n  context: {cluster: c, user: u}\n`,
  );
  return p;
}

beforeAll(async () => {
  // a port that was free a moment ago and is closed now
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  // a server that accepts TCP and never says a word (a hung API server / blackhole)
  silent = net.createServer((s) => {
    held.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  silentPort = (silent.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const s of held) s.destroy();
  await new Promise<void>((r) => silent.close(() => r()));
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('unreachable API server', () => {
  it('closed port: proveIdentity fails within seconds, naming context and server', async () => {
    const server = `https://127.0.0.1:${closedPort}`;
    const c = createClusterHandle({
      name: 'infra',
      context: 'lab-infra',
      kubeconfig: kubeconfigFor(server),
      requestTimeoutMs: 3000,
    });
    const t0 = Date.now();
    const err = await proveIdentity(c).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(err).toBeInstanceOf(ClusterAccessError);
    const e = err as ClusterAccessError;
    expect(e.code).toBe('UNREACHABLE');
    expect(e.message).toContain('context "lab-infra"');
    expect(e.message).toContain(server);
    expect(e.message).toMatch(/ECONNREFUSED/);
    expect(c.identity).toBeUndefined();
  });

  it('server that never answers: each request is bounded by requestTimeoutMs', async () => {
    const server = `https://127.0.0.1:${silentPort}`;
    const c = createClusterHandle({
      name: 'apps',
      context: 'lab-infra',
      kubeconfig: kubeconfigFor(server),
      requestTimeoutMs: 1500,
    });
    const t0 = Date.now();
    const err = await c.core.listNamespace().catch((e: unknown) => e);
    const took = Date.now() - t0;
    expect(err).toBeInstanceOf(ClusterAccessError);
    expect((err as ClusterAccessError).code).toBe('TIMEOUT');
    expect((err as Error).message).toContain('GET /api/v1/namespaces got no answer within 1500 ms');
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(4000);
  });

  it('server that never answers: proveIdentity has its own overall bound', async () => {
    const server = `https://127.0.0.1:${silentPort}`;
    const c = createClusterHandle({
      name: 'apps',
      context: 'lab-infra',
      kubeconfig: kubeconfigFor(server),
      requestTimeoutMs: 60_000,
    });
    const t0 = Date.now();
    const err = await proveIdentity(c, { timeoutMs: 1000 }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect((err as ClusterAccessError).code).toBe('TIMEOUT');
    expect((err as Error).message).toContain('identity not proven within 1000 ms');
    expect((err as Error).message).toContain('ConfigMap flux-system/cluster-settings key CLUSTER = "apps"');
  });

  it('exec against a closed port rejects quickly with pod and command in the message', async () => {
    const c = createClusterHandle({
      name: 'infra',
      context: 'lab-infra',
      kubeconfig: kubeconfigFor(`https://127.0.0.1:${closedPort}`),
      requestTimeoutMs: 2000,
    });
    const t0 = Date.now();
    const err = await exec(c, {
      namespace: 'ns',
      pod: 'p-0',
      command: ['echo', 'hi'],
      timeoutMs: 5000,
    }).catch((e: unknown) => e);
    expect(Date.now() - t0).toBeLessThan(4000);
    expect((err as Error).message).toContain('pod ns/p-0');
    expect((err as Error).message).toContain('echo hi');
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('exec against a server that never answers is bounded by the handshake timeout', async () => {
    const c = createClusterHandle({
      name: 'infra',
      context: 'lab-infra',
      kubeconfig: kubeconfigFor(`https://127.0.0.1:${silentPort}`),
      requestTimeoutMs: 1000,
    });
    const t0 = Date.now();
    const err = await exec(c, { namespace: 'ns', pod: 'p-0', command: ['true'], timeoutMs: 10_000 }).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - t0).toBeLessThan(4000);
    expect((err as Error).message).toContain('pod ns/p-0');
  });
});
