import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createClusterHandle } from '../../../helpers/cluster/index.js';
import {
  currentRunId,
  ensureRunNamespace,
  isOwnedBy,
  newRunId,
  registerCleanup,
  runCleanups,
  runNamespaceName,
  expiredRunOwned,
  runIdOfName,
  runOwnedName,
  runStartedAt,
  sweepExpired,
  sweepRunOwned,
  type SweepRecord,
} from '../../../helpers/run/index.js';

describe('run ids and run-owned names', () => {
  it('newRunId has the documented format and PV_RUN_ID is validated', () => {
    const id = newRunId(new Date('2026-11-23T06:15:00.123Z'));
    expect(id).toMatch(/^20261123T061500Z-[0-9a-f]{6}$/);
    expect(currentRunId({ PV_RUN_ID: id })).toBe(id);
    expect(() => currentRunId({ PV_RUN_ID: 'rm -rf /' })).toThrow(/^PV_RUN_ID="rm -rf \/": expected run id/);
  });
  it('namespace and names are lowercase DNS labels carrying the run id', () => {
    const id = '20261123T061500Z-abc123';
    expect(runNamespaceName(id)).toBe('pv-run-20261123t061500z-abc123');
    expect(runOwnedName(id, 'Probe_Topic')).toBe('probe-topic-20261123t061500z-abc123');
    expect(runOwnedName(id, 'x'.repeat(80)).length).toBeLessThanOrEqual(63);
    expect(isOwnedBy(runOwnedName(id, 'k'), id)).toBe(true);
    expect(isOwnedBy('k-20261123t061500z-ffffff', id)).toBe(false);
    expect(() => runOwnedName(id, '!!')).toThrow(/prefix/);
    for (const n of [runNamespaceName(id), runOwnedName(id, 'schema.subject')]) {
      expect(n).toMatch(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/);
    }
  });
});

describe('sweep of run-owned names outside Kubernetes (topics, subjects, repositories)', () => {
  const now = Date.UTC(2026, 11, 3, 12, 0, 0);
  const ttlMs = 180 * 60_000;
  const current = '20261203T115000Z-cccccc';
  const old = '20261203T080000Z-0a0a0a'; // 4 h ago
  const recent = '20261203T113000Z-0b0b0b'; // 30 min ago: another run may still be going
  it('reads the run id and its start back from a name, suffixes included', () => {
    expect(runIdOfName(`${runOwnedName(old, 'pv-subject')}-abc123-value`)).toBe(old);
    expect(runIdOfName('orders')).toBeUndefined();
    expect(runStartedAt(old)).toBe(Date.UTC(2026, 11, 3, 8, 0, 0));
    expect(runStartedAt('nonsense')).toBeNaN();
  });
  it('selects only its own prefixes, other runs, older than the TTL', () => {
    const names = [
      runOwnedName(old, 'pv-topic'),
      runOwnedName(recent, 'pv-topic'),
      runOwnedName(current, 'pv-topic'),
      runOwnedName(old, 'pv-other'), // not this check's prefix
      `orders-${old.toLowerCase()}`, // a platform topic that merely holds a run-id-like text
      'pv-topic-notarunid',
    ];
    expect(expiredRunOwned(names, ['pv-topic'], { now, ttlMs, currentRunId: current })).toEqual([
      runOwnedName(old, 'pv-topic'),
    ]);
    expect(expiredRunOwned(names, ['pv-topic'], { now, ttlMs: 10 * 60_000, currentRunId: current })).toEqual([
      runOwnedName(old, 'pv-topic'),
      runOwnedName(recent, 'pv-topic'),
    ]);
  });
  it('records what it removed and what it could not, never throws', async () => {
    const got: [string, SweepRecord][] = [];
    const recorder = { swept: (k: string, r: SweepRecord) => void got.push([k, r]) };
    const env = { ...process.env };
    process.env.PV_RUN_ID = newRunId();
    try {
      const a = runOwnedName('20200101T000000Z-aaaaaa', 'pv-topic');
      const b = runOwnedName('20200101T000000Z-bbbbbb', 'pv-topic');
      const r = await sweepRunOwned(recorder, {
        kind: 'Kafka topic',
        prefixes: ['pv-topic'],
        list: async () => [a, b, 'orders'],
        remove: async (n) => {
          if (n === b) throw new Error('broker said no');
        },
      });
      expect(r).toEqual({
        removed: [a],
        failed: [{ name: b, error: expect.stringContaining('broker said no') }],
      });
      const listFails = await sweepRunOwned(recorder, {
        kind: 'Kafka topic',
        prefixes: ['pv-topic'],
        list: () => Promise.reject(new Error('no broker')),
        remove: async () => undefined,
      });
      expect(listFails.failed[0]!.name).toBe('(list of Kafka topics)');
      expect(got.map(([k]) => k)).toEqual(['Kafka topic', 'Kafka topic']);
    } finally {
      process.env = env;
    }
  });
});

describe('cleanup registry', () => {
  it('runs newest first, per cluster, continues after a failure, bounds each step', async () => {
    const order: string[] = [];
    registerCleanup('infra', 'a', () => order.push('a'));
    registerCleanup('apps', 'other cluster', () => order.push('apps'));
    registerCleanup('infra', 'b fails', () => {
      throw new Error('boom');
    });
    registerCleanup('infra', 'c hangs', () => new Promise(() => {}));
    const un = registerCleanup('infra', 'd unregistered', () => order.push('d'));
    un();
    const r = await runCleanups('infra', 200);
    expect(order).toEqual(['a']);
    expect(r.done).toEqual(['a']);
    expect(r.failed).toEqual([
      { description: 'c hangs', error: 'no result within 200 ms' },
      { description: 'b fails', error: 'boom' },
    ]);
    const r2 = await runCleanups('apps');
    expect(r2.done).toEqual(['other cluster']);
    expect((await runCleanups()).done).toEqual([]);
  });
});

describe('nothing is created or swept on an unproven cluster', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-run-'));
  const kc = path.join(dir, 'kc.yaml');
  // a closed port: if the guard failed to stop the call, the error would be ECONNREFUSED instead
  fs.writeFileSync(
    kc,
    'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: x}\ncontexts:\n- name: ctx\n  context: {cluster: c, user: u}\n',
  );
  it('ensureRunNamespace refuses', async () => {
    const c = createClusterHandle({ name: 'infra', context: 'ctx', kubeconfig: kc });
    await expect(ensureRunNamespace(c, '20261123T061500Z-abc123')).rejects.toThrow(
      /refusing to create the run namespace on cluster "infra".*identity is not proven/,
    );
    c.identity = { expected: 'infra', seen: 'apps', serverVersion: 'v1.34.4' };
    await expect(ensureRunNamespace(c, '20261123T061500Z-abc123')).rejects.toThrow(
      /expected "infra", seen "apps"/,
    );
    expect(c.touched.held()).toEqual([]);
  });
  it('sweepExpired refuses', async () => {
    const c = createClusterHandle({ name: 'apps', context: 'ctx', kubeconfig: kc });
    await expect(sweepExpired(c)).rejects.toThrow(/refusing to sweep/);
  });
});
