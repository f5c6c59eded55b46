/**
 * The disruptive check on the lab (needs `pnpm lab up`): DB-DRAGONFLY-008 runs only with
 * --allow-disruptive; on the healthy lab it evicts one Dragonfly pod through the Eviction API (the
 * real apiserver applies the PDB, the real StatefulSet controller recreates the pod) and passes; with
 * the PDB loosened to maxUnavailable 2 the second (dry-run) eviction is allowed and the check fails for exactly
 * that reason. The PDB is restored in `finally` and both runs wait for the cache to be whole again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { adminHandle, outcomes } from '../trust/lib.js';
import { runPv } from '../trust/proc.js';

const ID = 'apps:DB-DRAGONFLY-008';
const NS = 'dragonfly-system';
const apps = adminHandle('apps');

async function allReady(): Promise<number> {
  const pods = await apps.core.listNamespacedPod({ namespace: NS, labelSelector: 'app=dragonfly' });
  return pods.items.filter((p) =>
    p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
}

function junitOf(runDir: string): string {
  return fs.readFileSync(path.join(runDir, 'junit-apps.xml'), 'utf8');
}

describe('disruptive checks on the lab', () => {
  afterAll(async () => {
    // the cache must be whole for whatever runs next (expect.poll is for tests, not hooks)
    const until = Date.now() + 120_000;
    while ((await allReady()) !== 3) {
      if (Date.now() > until) throw new Error(`${NS}: Dragonfly not back to 3 Ready pods within 120 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }, 130_000);

  it('are excluded by default and counted as excluded, never as passed', async () => {
    const r = await runPv(['--env', 'lab', '--project', 'apps', '--grep', 'dragonfly'], {}, 300_000);
    expect(r.runDir, r.stdout.slice(-2000)).toBeDefined();
    expect(outcomes(r.runDir!)[ID]).toBeUndefined();
    expect(r.stdout).toMatch(/1 disruptive excluded/);
  }, 320_000);

  it('DB-DRAGONFLY-008 passes on the healthy lab with --allow-disruptive: one eviction allowed, the second refused, PING throughout', async () => {
    const r = await runPv(['--env', 'lab', '--allow-disruptive', '--grep', 'disruptive'], {}, 300_000);
    expect(r.code, r.stdout.slice(-3000)).toBe(0);
    expect(outcomes(r.runDir!)[ID]).toBe('passed');
    const log = fs.readFileSync(
      path.join(r.runDir!, 'attachments', 'DB-DRAGONFLY-008', 'apps', 'disruption.txt'),
      'utf8',
    );
    expect(log).toMatch(/^evicted dragonfly-2 /m);
    expect(log).toMatch(/second eviction \(dragonfly-\d, dry run\) -> refused \(429\)/);
    expect(log).toMatch(/PING #1 -> PONG/);
    expect(await allReady()).toBe(3);
  }, 320_000);

  it('fails, naming the allowed second eviction, when the PDB no longer protects two pods', async () => {
    // the operator's PDB (dragonfly-operator >= v1.2.0, simulated): maxUnavailable 1 of 3
    const pdb = await apps.policy.readNamespacedPodDisruptionBudget({ namespace: NS, name: 'dragonfly' });
    const was = pdb.spec!.maxUnavailable!;
    expect(pdb.spec!.minAvailable, 'the operator PDB sets maxUnavailable only').toBeUndefined();
    const patch = (maxUnavailable: number | string) =>
      apps.policy.patchNamespacedPodDisruptionBudget(
        { namespace: NS, name: 'dragonfly', body: { spec: { maxUnavailable } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch), // only maxUnavailable changes
      );
    await patch(2);
    try {
      const uid = async (name: string) =>
        (await apps.core.readNamespacedPod({ namespace: NS, name })).metadata!.uid;
      const others = { 'dragonfly-0': await uid('dragonfly-0'), 'dragonfly-1': await uid('dragonfly-1') };
      const r = await runPv(['--env', 'lab', '--allow-disruptive', '--grep', 'disruptive'], {}, 300_000);
      expect(r.code, r.stdout.slice(-3000)).toBe(1);
      expect(outcomes(r.runDir!)[ID]).toBe('failed');
      expect(junitOf(r.runDir!)).toMatch(/a second eviction while dragonfly-2 was away[\s\S]*allowed/);
      // the second eviction was a dry run: the PDB allowed it, yet no second pod was evicted
      expect({ 'dragonfly-0': await uid('dragonfly-0'), 'dragonfly-1': await uid('dragonfly-1') }).toEqual(
        others,
      );
    } finally {
      await patch(was);
      await expect.poll(allReady, { timeout: 120_000, interval: 500 }).toBe(3);
    }
  }, 420_000);
});
