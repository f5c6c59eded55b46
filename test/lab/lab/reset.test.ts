/**
 * `pnpm lab reset` returns the lab to its declared state whatever was changed from outside (issue 13
 * item 5): a Deployment scaled to 0, a deleted PodDisruptionBudget, StorageClass and GatewayClass,
 * and a hand-patched operator status all come back, in bounded time, and the whole catalogue is
 * green afterwards. Needs the lab up; leaves it healthy.
 *   npx vitest run --project lab test/lab/lab/reset.test.ts
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { loadLabContext } from '../../../lab/core/index.js';
import type { LabClusterName } from '../../../lab/core/topology.js';
import { REPO } from '../framework/lab.js';
import { outcomes } from '../trust/lib.js';
import { runPv } from '../trust/proc.js';

const run = promisify(execFile);
const ctx = loadLabContext({ log: () => {} });

async function kubectl(c: LabClusterName, args: string[]): Promise<string> {
  const r = await run(
    ctx.kubectl,
    ['--kubeconfig', ctx.paths.kubeconfig, '--context', ctx.clusters[c].context, ...args],
    { env: ctx.env, timeout: 60_000 },
  );
  return r.stdout;
}
const jsonpath = (c: LabClusterName, what: string[], expr: string) =>
  kubectl(c, ['get', ...what, '-o', `jsonpath=${expr}`]);

// what is changed: [cluster, what to read, jsonpath of the declared value]
const WATCHED: [LabClusterName, string[], string][] = [
  ['infra', ['-n', 'kube-system', 'deployment', 'coredns'], '{.spec.replicas}/{.status.readyReplicas}'],
  ['infra', ['-n', 'kube-system', 'pdb', 'coredns'], '{.spec.minAvailable}{.spec.maxUnavailable}'],
  ['apps', ['storageclass', 'rook-ceph-block'], '{.provisioner}'],
  ['apps', ['gatewayclass', 'cilium'], '{.spec.controllerName}'],
  ['infra', ['-n', 'rook-ceph', 'cephcluster', 'rook-ceph'], '{.status.ceph.health}'],
];

describe('lab reset restores the declared state', () => {
  it(
    'after kubectl scaled, deleted and patched objects, and the catalogue is green',
    { timeout: 600_000 },
    async () => {
      const before = await Promise.all(WATCHED.map(([c, what, expr]) => jsonpath(c, what, expr)));
      expect(before[0], 'coredns is rolled out before the change').toMatch(/^([1-9]\d*)\/\1$/);
      expect(before[4]).toBe('HEALTH_OK');

      await kubectl('infra', ['-n', 'kube-system', 'scale', 'deployment', 'coredns', '--replicas=0']);
      await kubectl('infra', ['-n', 'kube-system', 'delete', 'pdb', 'coredns', '--wait=false']);
      await kubectl('apps', ['delete', 'storageclass', 'rook-ceph-block', '--wait=false']);
      await kubectl('apps', ['delete', 'gatewayclass', 'cilium', '--wait=false']);
      await kubectl('infra', [
        '-n',
        'rook-ceph',
        'patch',
        'cephcluster',
        'rook-ceph',
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status: { ceph: { health: 'HEALTH_ERR' } } }),
      ]);
      // the change is real: each watched value differs (or the object is gone)
      const changed = await Promise.all(
        WATCHED.map(([c, what, expr]) => jsonpath(c, what, expr).catch(() => '(absent)')),
      );
      changed.forEach((v, i) => expect(v, WATCHED[i]!.join(' ')).not.toBe(before[i]));

      const t0 = Date.now();
      const reset = await run('pnpm', ['lab', 'reset'], { cwd: REPO, timeout: 240_000 }).catch(
        (e: { stdout?: string; stderr?: string }) => {
          throw new Error(`pnpm lab reset failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
        },
      );
      const seconds = (Date.now() - t0) / 1000;
      console.log(`lab reset took ${seconds.toFixed(1)} s`);
      expect(reset.stdout + reset.stderr).toMatch(/declared state restored/);
      const after = await Promise.all(WATCHED.map(([c, what, expr]) => jsonpath(c, what, expr)));
      expect(after).toEqual(before);

      // the whole catalogue on the reset lab, against the baseline the reset recorded (issue 17: a
      // reset lab is a new healthy state, so NET-CILIUM-005 compares and passes on the first run)
      expect(reset.stdout + reset.stderr).toMatch(/zero-disruption and IPAM baselines recorded/);
      const r = await runPv(['--env', 'lab'], {});
      expect(r.runDir, r.stdout.slice(-2000)).toBeDefined();
      const results = outcomes(r.runDir!);
      const failed = Object.entries(results).filter(([, s]) => s === 'failed');
      expect(failed, r.stdout.slice(-3000)).toEqual([]);
      expect(results['infra:NET-CILIUM-005']).toBe('passed');
      expect(results['apps:NET-CILIUM-005']).toBe('passed');
      expect(r.code).toBe(0);
    },
  );
});
