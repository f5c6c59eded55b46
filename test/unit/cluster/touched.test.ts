// `touched`: the bounded ring of objects a ClusterHandle read or wrote, and failure evidence reading
// what a check touched since its mark, also after the ring wrapped.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClusterHandle, type ClusterHandle } from '../../../helpers/cluster/index.js';
import { TouchedLog } from '../../../helpers/cluster/touched.js';
import { collectFailureEvidence } from '../../../helpers/check/failure-evidence.js';
import type { Evidence } from '../../../helpers/evidence/index.js';

const cm = (name: string, namespace = 'a') => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });

describe('TouchedLog', () => {
  it('stays bounded at its cap; the mark keeps counting', () => {
    const log = new TouchedLog(500);
    for (let i = 0; i < 2_000; i++) log.record(cm(`c${i}`));
    expect(log.size).toBe(500);
    expect(log.mark).toBe(2_000);
    const held = log.held();
    expect(held).toHaveLength(500);
    expect(held[0]).toEqual(cm('c1500'));
    expect(held[499]).toEqual(cm('c1999'));
  });

  it('since(mark) is what came after the mark, across wraps; older refs are counted as dropped', () => {
    const log = new TouchedLog(4);
    log.record(cm('x'));
    const mark = log.mark;
    for (const n of ['p', 'q', 'r']) log.record(cm(n));
    expect(log.since(mark)).toEqual({ refs: [cm('p'), cm('q'), cm('r')], dropped: 0 });
    for (const n of ['s', 't']) log.record(cm(n)); // ring wraps: x and p gone
    expect(log.since(mark)).toEqual({ refs: [cm('q'), cm('r'), cm('s'), cm('t')], dropped: 1 });
    expect(log.since(log.mark)).toEqual({ refs: [], dropped: 0 });
  });

  it('a repeat of the previous ref is not recorded again (polling)', () => {
    const log = new TouchedLog(10);
    for (let i = 0; i < 5; i++) log.record(cm('same'));
    log.record(cm('same', 'b'));
    log.record(cm('same'));
    expect(log.held()).toEqual([cm('same'), cm('same', 'b'), cm('same')]);
  });

  it('a ref the previous check touched last is recorded again for the next one (found in lab: a failed PERF-DNS-001 without evidence)', () => {
    // NET-DNS-001 read Service kube-system/kube-dns last; PERF-DNS-001, next in the same worker, read
    // only that Service before its tunnel failed: with the repeat dropped, since(its mark) was empty
    // and the failure carried no evidence at all
    const log = new TouchedLog(10);
    log.record(cm('kube-dns', 'kube-system'));
    const mark = log.mark;
    log.record(cm('kube-dns', 'kube-system'));
    log.record(cm('kube-dns', 'kube-system'));
    expect(log.since(mark).refs).toEqual([cm('kube-dns', 'kube-system')]);
  });

  it('rejects a cap below 1', () => {
    expect(() => new TouchedLog(0)).toThrow(/cap: expected an integer >= 1/);
  });
});

describe('through a ClusterHandle: bounded, and failure evidence sees what the check touched', () => {
  // a loopback HTTP endpoint answering 404 to everything: the handle records refs from request paths,
  // whatever the answer, so no API server is needed to exercise the recording
  const paths: string[] = [];
  let server: http.Server;
  let c: ClusterHandle;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404 }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-touched-'));
    const kc = path.join(dir, 'kc.yaml');
    fs.writeFileSync(
      kc,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: x}\ncontexts:\n- name: ctx\n  context: {cluster: c, user: u}\n`,
    );
    c = createClusterHandle({ name: 'infra', context: 'ctx', kubeconfig: kc, requestTimeoutMs: 5_000 });
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const read = (name: string, namespace = 'a') =>
    c.core.readNamespacedConfigMap({ namespace, name }).catch(() => undefined);

  function evidenceStub() {
    const written: string[] = [];
    const events: string[] = [];
    const ev = {
      dir: '/nonexistent',
      paths: [],
      text: (name: string) => (written.push(name), name),
      json: (name: string) => (written.push(name), name),
      status: (_o: unknown, name?: string) => (written.push(name ?? 'status'), name ?? ''),
      events: async (_c: unknown, ns: string) => (events.push(ns), ns),
      logs: async () => '',
    } as unknown as Evidence;
    return { ev, written, events };
  }

  it('600 reads through the handle keep only the newest 500 refs', async () => {
    for (let i = 0; i < 600; i++) await read(`bulk-${i}`);
    expect(c.touched.mark).toBe(600);
    expect(c.touched.size).toBe(500);
    expect(c.touched.held()[0]).toEqual(cm('bulk-100'));
  });

  it("a failed check's evidence covers exactly the objects touched since its mark", async () => {
    const mark = c.touched.mark; // what the _guard fixture takes before the check body
    await c.core.readNamespacedPod({ namespace: 'app', name: 'web-0' }).catch(() => undefined);
    await c.apps.readNamespacedDeployment({ namespace: 'app', name: 'web' }).catch(() => undefined);
    expect(c.touched.since(mark).refs).toEqual([
      { apiVersion: 'v1', kind: 'Pod', namespace: 'app', name: 'web-0' },
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'app', name: 'web' },
    ]);
    const { ev, written, events } = evidenceStub();
    await collectFailureEvidence(c, mark, ev);
    // exactly those two objects (their read-back fails against this endpoint, so a note each names
    // them), and their namespace's events; none of the 600 refs before the mark
    expect(written).toEqual(['failure-status-Pod-web-0.txt', 'failure-status-Deployment-web.txt']);
    expect(events).toEqual(['app']);
  });

  it('a check that touched more than the ring holds: the newest are kept and the drop is noted', async () => {
    const mark = c.touched.mark;
    for (let i = 0; i < 520; i++) await read(`many-${i}`, 'big');
    const since = c.touched.since(mark);
    expect(since.dropped).toBe(20);
    expect(since.refs[0]).toEqual(cm('many-20', 'big'));
    const { ev, written, events } = evidenceStub();
    await collectFailureEvidence(c, mark, ev);
    expect(written[0]).toBe('failure-touched-dropped.txt');
    expect(written).toHaveLength(11); // the note + at most 10 objects
    expect(written[1]).toBe('failure-status-ConfigMap-many-20.txt');
    expect(events).toEqual(['big']);
    expect(c.touched.size).toBe(500);
  });
});
