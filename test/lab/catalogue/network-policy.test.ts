// DB-DRAGONFLY-006 (the denied-namespace test) on the lab, whose simulated datapath enforces
// NetworkPolicy (lab/cluster/policy-verdict.ts). With the lab's facts it runs and passes for the
// right reason: every nc to a Dragonfly pod timed out (a drop) and both positive controls connected.
// Where the facts say the CNI does not enforce policy it is skipped with the reason, never passed.
// (The fault, cilium-config enable-policy=never, is the matrix's policy-enforcement-off scenario.)
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAB_KUBECONFIG, outcomes, tmpDir, writeLabConfig } from '../trust/lib.js';
import { runPv } from '../trust/proc.js';

const ID = 'apps:DB-DRAGONFLY-006';
const args = ['--env', 'lab', '--project', 'apps', '-t', 'DB-DRAGONFLY-006'];
const env = (config: string) => ({ PV_CONFIG: config, PV_SUITES: 'suites/databases/dragonfly.test.ts' });
const junitApps = (runDir: string) => fs.readFileSync(path.join(runDir, 'junit-apps.xml'), 'utf8');

describe('DB-DRAGONFLY-006 on the lab datapath', () => {
  it('with the lab facts: passed, every attempt a timeout and both controls connected', async () => {
    const dir = tmpDir('pv-np-lab-');
    const r = await runPv(args, env(writeLabConfig(dir, LAB_KUBECONFIG, (n) => `lab-${n}`)), 300_000);
    expect(r.runDir, r.stdout.slice(-2000)).toBeDefined();
    expect(outcomes(r.runDir!)[ID], junitApps(r.runDir!).slice(0, 3000)).toBe('passed');
    const evidence = JSON.parse(
      fs.readFileSync(path.join(r.runDir!, 'attachments/DB-DRAGONFLY-006/apps/denied-attempts.json'), 'utf8'),
    ) as { controls: { exitCode: number }[]; attempts: { exitCode: number; output: string }[] };
    expect(evidence.controls.map((c) => c.exitCode)).toEqual([0, 0]);
    expect(evidence.attempts.length).toBeGreaterThan(0);
    for (const a of evidence.attempts) expect(a.output).toMatch(/timed out/);
  }, 320_000);

  it('told the CNI does not enforce (facts.cilium.enforcesNetworkPolicy: false): skipped with the reason', async () => {
    const dir = tmpDir('pv-np-off-');
    const config = writeLabConfig(
      dir,
      LAB_KUBECONFIG,
      (n) => `lab-${n}`,
      () => ({ cilium: { enforcesNetworkPolicy: false } }),
    );
    const r = await runPv(args, env(config), 300_000);
    expect(r.runDir, r.stdout.slice(-2000)).toBeDefined();
    expect(outcomes(r.runDir!)[ID]).toBe('skipped');
    expect(junitApps(r.runDir!)).toMatch(/<skipped message="facts\.cilium\.enforcesNetworkPolicy is false/);
  }, 320_000);
});
