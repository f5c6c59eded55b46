// Every API request of a run names the run and the check in its User-Agent (the audit log records
// it; pnpm bench api-requests counts by it): REST requests through the handle and channel websockets.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClusterHandle } from '../../../helpers/cluster/index.js';
import { openChannel } from '../../../helpers/cluster/ws.js';
import { parseUserAgent, requestTag, setRequestTag, userAgent } from '../../../helpers/cluster/user-agent.js';

const pkgVersion = (
  JSON.parse(fs.readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
const RUN = '20261123T090000Z-abc123';

describe('userAgent()', () => {
  const saved = requestTag();
  afterEach(() => setRequestTag(saved));

  it('names the framework version, the run and the current tag', () => {
    setRequestTag(undefined);
    expect(userAgent({ PV_RUN_ID: RUN })).toBe(`platform-validation/${pkgVersion} (run ${RUN})`);
    expect(userAgent({})).toBe(`platform-validation/${pkgVersion}`);
    setRequestTag('check NET-CILIUM-001');
    expect(userAgent({ PV_RUN_ID: RUN })).toBe(
      `platform-validation/${pkgVersion} (run ${RUN}; check NET-CILIUM-001)`,
    );
    expect(parseUserAgent(userAgent({ PV_RUN_ID: RUN }))).toEqual({
      version: pkgVersion,
      runId: RUN,
      check: 'NET-CILIUM-001',
    });
    setRequestTag('phase sweep');
    expect(parseUserAgent(userAgent({ PV_RUN_ID: RUN }))).toEqual({
      version: pkgVersion,
      runId: RUN,
      phase: 'sweep',
    });
  });

  it('refuses a tag that would garble the header, and ignores foreign user agents', () => {
    expect(() => setRequestTag('check A; run B')).toThrow(/expected "<kind> <value>"/);
    expect(() => setRequestTag('check A)')).toThrow(/request tag "check A\)"/);
    expect(parseUserAgent('kubectl/v1.34.4 (linux/amd64) kubernetes/abc')).toBeUndefined();
    expect(parseUserAgent(undefined)).toBeUndefined();
  });
});

describe('the header on the wire', () => {
  const seen: { url: string; ua?: string; upgrade: boolean }[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-ua-'));
  let server: http.Server;
  let wss: WebSocketServer;
  let kubeconfig = '';
  const savedRun = process.env.PV_RUN_ID;
  const savedTag = requestTag();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push({ url: req.url ?? '', ua: req.headers['user-agent'], upgrade: false });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [] }));
    });
    wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      seen.push({ url: req.url ?? '', ua: req.headers['user-agent'], upgrade: true });
      wss.handleUpgrade(req, socket, head, (ws) => ws.close());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    kubeconfig = path.join(dir, 'kubeconfig');
    fs.writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: abc\ncontexts:\n- name: lab-infra\n  context: {cluster: c, user: u}\n`,
    );
    process.env.PV_RUN_ID = RUN;
  });
  afterAll(async () => {
    if (savedRun === undefined) delete process.env.PV_RUN_ID;
    else process.env.PV_RUN_ID = savedRun;
    setRequestTag(savedTag);
    wss.close();
    await new Promise<void>((r) => server.close(() => r()));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('REST and channel websocket requests carry the run and the check current at the time', async () => {
    const c = createClusterHandle({ name: 'infra', context: 'lab-infra', kubeconfig });
    setRequestTag('check BOOT-CORE-001');
    await c.core.listNamespace();
    setRequestTag('check NET-CILIUM-002');
    const ws = await openChannel(c, '/api/v1/namespaces/ns/pods/p/exec?command=true', () => true);
    await new Promise((r) => (ws.readyState === ws.CLOSED ? r(null) : ws.once('close', r)));
    setRequestTag('phase cleanup');
    await c.core.listNamespace({ labelSelector: 'a=b' });

    expect(seen.map((s) => [s.upgrade, parseUserAgent(s.ua)])).toEqual([
      [false, { version: pkgVersion, runId: RUN, check: 'BOOT-CORE-001' }],
      [true, { version: pkgVersion, runId: RUN, check: 'NET-CILIUM-002' }],
      [false, { version: pkgVersion, runId: RUN, phase: 'cleanup' }],
    ]);
  });
});
