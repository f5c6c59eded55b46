// DB-DRAGONFLY-006 (the denied-namespace test) on the lab, whose CNI is simulated and enforces no
// NetworkPolicy. With the lab's facts it is skipped, and says why. Told that the CNI enforces policy,
// it must fail: either the client reached Dragonfly, or its positive control (nc from the client pod
// to its own server) did not work, so a failed connection would prove nothing. It passed here before
// the control existed: nc is not installed on the lab machine (exit 127), and any non-zero exit was
// read as "denied".
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAB_KUBECONFIG, outcomes, tmpDir, writeLabConfig } from '../trust/lib.js';
import { runPv } from '../trust/proc.js';

const ID = 'apps:DB-DRAGONFLY-006';
const args = ['--env', 'lab', '--project', 'apps', '-t', 'DB-DRAGONFLY-006'];
const env = (config: string) => ({ PV_CONFIG: config, PV_SUITES: 'suites/databases/dragonfly.test.ts' });
const junitApps = (runDir: string) => fs.readFileSync(path.join(runDir, 'junit-apps.xml'), 'utf8');

describe('DB-DRAGONFLY-006 where NetworkPolicy is not enforced', () => {
  it('with the lab facts: skipped, with the reason in <skipped message>', async () => {
    const dir = tmpDir('pv-np-lab-');
    const r = await runPv(args, env(writeLabConfig(dir, LAB_KUBECONFIG, (n) => `lab-${n}`)), 300_000);
    expect(r.runDir, r.stdout.slice(-2000)).toBeDefined();
    expect(outcomes(r.runDir!)[ID]).toBe('skipped');
    expect(junitApps(r.runDir!)).toMatch(/<skipped message="facts\.cilium\.enforcesNetworkPolicy is false/);
  }, 320_000);

  it('claimed enforced (facts.cilium.enforcesNetworkPolicy: true): failed for the right reason, never passed', async () => {
    const dir = tmpDir('pv-np-claimed-');
    const config = writeLabConfig(
      dir,
      LAB_KUBECONFIG,
      (n) => `lab-${n}`,
      () => ({ cilium: { enforcesNetworkPolicy: true } }),
    );
    const r = await runPv(args, env(config), 300_000);
    expect(r.code, r.stdout.slice(-2000)).toBe(1);
    expect(outcomes(r.runDir!)[ID]).toBe('failed');
    expect(junitApps(r.runDir!)).toMatch(
      /<failure message="[^"]*(positive control: nc from [^"]+ exited \d+|reachable from denied namespace [^"]*dragonfly-\d)/,
    );
    expect(junitApps(r.runDir!)).toMatch(/attachments\/DB-DRAGONFLY-006\/apps\/denied-attempts\.json/);
  }, 320_000);
});
