/** Pieces of the lab's control plane that need no running lab. */
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogMirrorer, criLine, registerLogMirror } from '../../../lab/core/cri-log.js';
import { loopbackFor, rewriteToLoopback } from '../../../lab/core/datapath.js';
import { createProcessManager, tcpOpen } from '../../../lab/core/process.js';
import { TOPOLOGY } from '../../../lab/core/topology.js';
import { assertPortFree } from '../../../lab/cluster/ports.js';
import { netexecPort, startNetexec } from '../../../lab/cluster/netexec.js';
import { readVersions, VERSIONS_FILE } from '../../../lab/core/versions.js';
import { labPaths } from '../../../lab/core/paths.js';
import { CLIENTS } from '../../../lab/cluster/pki.js';
import { auditLogDir, auditLogFile, auditPolicyFile, prepareAudit } from '../../../lab/cluster/audit.js';
import { parse as parseYaml } from 'yaml';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const tmpdir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-lab-unit-'));
  cleanups.push(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
};

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('lab topology and versions', () => {
  it('keeps every bound address on loopback and the reference CIDRs as data', () => {
    for (const t of Object.values(TOPOLOGY)) {
      expect(t.nodeIP).toMatch(/^127\./);
      expect(t.nodes).toHaveLength(3);
      expect(t.nodePodCIDRs.every((c) => c.startsWith(t.podCIDR.split('.').slice(0, 2).join('.')))).toBe(
        true,
      );
    }
    expect([TOPOLOGY.infra.podCIDR, TOPOLOGY.apps.podCIDR]).toEqual(['10.244.0.0/16', '10.246.0.0/16']);
    const ports = Object.values(TOPOLOGY).flatMap((t) => [
      t.apiserverPort,
      t.etcdClientPort,
      t.etcdPeerPort,
      t.controllerManagerPort,
      t.schedulerPort,
    ]);
    expect(new Set(ports).size).toBe(ports.length);
  });

  it('pins every version in lab/build/versions.env', () => {
    const v = readVersions();
    expect(v.KUBERNETES_VERSION).toMatch(/^v1\.\d+\.\d+$/);
    expect(v.ETCD_VERSION).toMatch(/^v3\.\d+\.\d+$/);
    expect(v.KWOK_VERSION).toMatch(/^v0\.\d+\.\d+$/);
  });

  it("lab/README's version matrix shows every upstream release versions.env records", () => {
    const env = fs.readFileSync(VERSIONS_FILE, 'utf8');
    const upstream = [...env.matchAll(/^UPSTREAM_[A-Z_]+=(\S+)$/gm)].map((m) => m[1]!);
    expect(upstream.length).toBeGreaterThan(5);
    const readme = fs.readFileSync(path.join(path.dirname(VERSIONS_FILE), '..', 'README.md'), 'utf8');
    const matrix = readme.slice(readme.indexOf('## Version matrix'));
    for (const v of new Set(upstream)) expect(matrix, v).toContain(v);
  });

  it('names a missing version key and the file', () => {
    const f = path.join(tmpdir(), 'versions.env');
    fs.writeFileSync(f, 'KUBERNETES_VERSION=v1.34.4\n');
    expect(() => readVersions(f)).toThrow(/versions\.env: missing ETCD_VERSION/);
  });
});

describe('datapath address rule', () => {
  it('maps pod/Service IPs to their loopback alias and refuses anything else', () => {
    expect(loopbackFor('10.244.1.7')).toBe('127.244.1.7');
    expect(loopbackFor('127.0.0.1')).toBe('127.0.0.1');
    expect(() => loopbackFor('192.168.1.1')).toThrow(/refusing to dial/);
    expect(() => loopbackFor('8.8.8.8')).toThrow(/refusing to dial/);
    expect(rewriteToLoopback('http://10.245.0.10:53/x and 110.1.2.3')).toBe(
      'http://127.245.0.10:53/x and 110.1.2.3',
    );
  });
});

describe('port-in-use errors', () => {
  it('names the port, the purpose, the owning process and the fix', async () => {
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    cleanups.push(() => void server.close());
    const port = (server.address() as net.AddressInfo).port;
    const err = await assertPortFree(port, '127.0.0.1', 'infra-apiserver').then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toContain(`127.0.0.1:${port} (infra-apiserver) is already in use by`);
    expect(err?.message).toMatch(new RegExp(`node \\(pid ${process.pid}\\)|another process`));
    expect(err?.message).toContain('pnpm lab down');
    server.close();
    await new Promise((r) => setTimeout(r, 50));
    await expect(assertPortFree(port, '127.0.0.1', 'x')).resolves.toBeUndefined();
  });
});

describe('managed processes', () => {
  it('starts detached with a pid record and log, reports readiness failures, stops by pid', async () => {
    const dir = tmpdir();
    const procs = createProcessManager(path.join(dir, 'run'), path.join(dir, 'logs'));
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    server.close();
    const rec = await procs.start({
      name: 'web',
      command: 'python3',
      args: ['-m', 'http.server', String(port), '--bind', '127.0.0.1'],
      ports: [port],
      ready: () => tcpOpen(port),
      readyTimeoutMs: 20_000,
    });
    expect(procs.isRunning('web')).toBe(true);
    expect(procs.list().map((r) => r.name)).toEqual(['web']);
    // idempotent: a second start returns the running record
    expect((await procs.start({ name: 'web', command: 'python3', args: [] })).pid).toBe(rec.pid);
    await procs.stop('web');
    expect(procs.isRunning('web')).toBe(false);
    expect(await tcpOpen(port)).toBe(false);
    const failed = await procs
      .start({
        name: 'dies',
        command: 'sh',
        args: ['-c', 'echo boom-reason; exit 3'],
        ready: async () => false,
      })
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(failed?.message).toMatch(/dies exited during start-up/);
    expect(failed?.message).toContain('boom-reason');
  }, 30_000);
});

describe('CRI log mirroring (KWOK serves only CRI-format logs)', () => {
  it('formats lines and mirrors only complete new lines, restarting after truncation', () => {
    expect(criLine('hi', 'stdout', new Date('2026-01-02T03:04:05.678Z'))).toBe(
      '2026-01-02T03:04:05.678000000Z stdout F hi\n',
    );
    const dir = tmpdir();
    const src = path.join(dir, 'app.log');
    fs.writeFileSync(src, 'one\ntwo\npart');
    const target = registerLogMirror(dir, src);
    const m = createLogMirrorer(dir);
    m.tick();
    const lines = () =>
      fs
        .readFileSync(target, 'utf8')
        .trimEnd()
        .split('\n')
        .map((l) => l.replace(/^\S+ stdout F /, ''));
    expect(lines()).toEqual(['one', 'two']);
    fs.appendFileSync(src, 'ial\nthree\n');
    m.tick();
    expect(lines()).toEqual(['one', 'two', 'partial', 'three']);
    fs.writeFileSync(src, 'fresh\n');
    m.tick();
    expect(lines()).toEqual(['fresh']);
  });
});

describe('netexec stand-in', () => {
  it('parses the agnhost port flag', () => {
    expect(netexecPort(['netexec', '--http-port=9090'])).toBe(9090);
    expect(netexecPort(['netexec', '--http-port', '81'])).toBe(81);
    expect(netexecPort(['netexec'])).toBe(8080);
    expect(netexecPort(['pause'])).toBeUndefined();
  });

  it('answers /hostname, /echo and /dial like agnhost netexec', async () => {
    const logs: string[] = [];
    const server = await startNetexec({
      name: 'srv',
      address: '127.0.0.1',
      port: 0,
      log: (l) => logs.push(l),
    });
    cleanups.push(() => void server.close());
    const port = (server.address() as net.AddressInfo).port;
    expect((await get(`http://127.0.0.1:${port}/hostname`)).body).toBe('srv');
    expect((await get(`http://127.0.0.1:${port}/echo?msg=abc`)).body).toBe('abc');
    const dial = await get(
      `http://127.0.0.1:${port}/dial?host=127.0.0.1&port=${port}&request=/hostname&tries=2`,
    );
    expect(JSON.parse(dial.body)).toEqual({ responses: ['srv', 'srv'], errors: [] });
    const refused = await get(`http://127.0.0.1:${port}/dial?host=8.8.8.8&port=80&request=/hostname`);
    expect(refused.status).toBe(400);
    expect(logs.some((l) => l.startsWith('GET /hostname 200'))).toBe(true);
  });
});

describe('API server audit log (pnpm bench api-requests counts a run by it)', () => {
  it('writes a Metadata policy without RequestReceived that drops only control-plane components', () => {
    const root = tmpdir();
    const paths = labPaths(root);
    const flags = prepareAudit(paths, 'apps');
    const policy = parseYaml(fs.readFileSync(auditPolicyFile(paths), 'utf8')) as {
      apiVersion: string;
      kind: string;
      omitStages: string[];
      rules: { level: string; users?: string[]; userGroups?: string[] }[];
    };
    expect([policy.apiVersion, policy.kind]).toEqual(['audit.k8s.io/v1', 'Policy']);
    expect(policy.omitStages).toEqual(['RequestReceived']);
    // the last rule catches everything else at Metadata (no bodies, so no Secret values in the file)
    expect(policy.rules.at(-1)).toEqual({ level: 'Metadata' });
    const dropped = policy.rules.filter((r) => r.level === 'None');
    const droppedUsers = dropped.flatMap((r) => r.users ?? []);
    expect(droppedUsers).toEqual(
      expect.arrayContaining(['system:kube-controller-manager', 'system:kube-scheduler', 'kwok-controller']),
    );
    // the run's users are never dropped: the lab admin, and any ServiceAccount outside kube-system
    expect(droppedUsers).not.toContain('lab-admin');
    expect(CLIENTS.find((c) => c.file === 'admin')?.cn).toBe('lab-admin');
    expect(dropped.flatMap((r) => r.userGroups ?? [])).not.toContain('system:serviceaccounts');
    expect(dropped.flatMap((r) => r.userGroups ?? [])).not.toContain('system:masters');
    // every excluded user is one of the lab's component identities (or the apiserver's own loopback user)
    const components = new Set([...CLIENTS.map((c) => c.cn), 'system:apiserver']);
    for (const u of droppedUsers) expect(components.has(u)).toBe(true);

    expect(flags).toEqual([
      `--audit-policy-file=${path.join(root, '.lab', 'data', 'audit-policy.yaml')}`,
      `--audit-log-path=${path.join(root, '.lab', 'logs', 'audit', 'apps', 'audit.log')}`,
      '--audit-log-format=json',
      '--audit-log-maxsize=100',
      '--audit-log-maxbackup=3',
      '--audit-log-mode=blocking',
    ]);
    expect(fs.statSync(auditLogDir(paths, 'apps')).isDirectory()).toBe(true);
    expect(auditLogFile(paths, 'infra')).toBe(path.join(root, '.lab', 'logs', 'audit', 'infra', 'audit.log'));
  });
});
