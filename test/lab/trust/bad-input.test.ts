// Bad input with the lab up: one clear error each, non-zero exit, and nothing created on either
// cluster (run-owned namespaces counted before/after). The fixture check (FIX-TRUST-003) would
// create its run namespace if it ran. Cluster-free variants (schema errors, unknown --env) are in
// test/unit/config/config.test.ts and test/unit/bin/no-false-green.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLUSTERS, LAB_KUBECONFIG, adminHandle, namespacesOfRun, tmpDir, writeLabConfig } from './lib.js';
import { runPv } from './proc.js';

const FIXTURE = 'test/fixtures/trust/reliability.test.ts';

describe('bad input touches no cluster', () => {
  const dir = tmpDir('pv-trust-bad-');
  const garbled = path.join(dir, 'garbled-kubeconfig');
  fs.writeFileSync(garbled, 'apiVersion: v1\nkind: Config\nclusters: [ {{ not yaml\n');
  const cases: {
    name: string;
    args: string[];
    config?: string;
    exit: number | 'nonzero';
    message: RegExp;
  }[] = [
    {
      name: 'malformed config (syntax error)',
      args: [],
      config: (() => {
        const f = path.join(dir, 'broken.config.ts');
        fs.writeFileSync(f, 'export default { environments: { lab: { clusters: {\n');
        return f;
      })(),
      exit: 2,
      message: /broken\.config\.ts/,
    },
    { name: 'unknown tag in --grep', args: ['--grep', 'P0 && no-such-tag'], exit: 2, message: /no-such-tag/ },
    { name: 'unknown project', args: ['--project', 'no-such-cluster'], exit: 2, message: /no-such-cluster/ },
    {
      name: 'missing kubeconfig',
      args: [],
      config: writeLabConfig(path.join(dir), path.join(dir, 'does-not-exist'), (n) => `lab-${n}`),
      exit: 'nonzero',
      message: /does-not-exist"? does not exist/,
    },
    {
      name: 'garbled kubeconfig',
      args: [],
      config: (() => {
        const d = tmpDir('pv-trust-bad-garbled-');
        return writeLabConfig(d, garbled, (n) => `lab-${n}`);
      })(),
      exit: 'nonzero',
      message: /cannot be read as a kubeconfig/,
    },
    {
      name: 'missing context',
      args: [],
      config: (() => {
        const d = tmpDir('pv-trust-bad-ctx-');
        return writeLabConfig(d, LAB_KUBECONFIG, (n) => `lab-${n}-missing`);
      })(),
      exit: 'nonzero',
      message: /lab-(infra|apps)-missing/,
    },
  ];

  for (const c of cases) {
    it(`${c.name}: one clear error, exit ${c.exit}, no run namespace on any cluster`, async () => {
      const marker = path.join(dir, `marker-${c.name.replace(/\W+/g, '-')}.json`);
      const r = await runPv(
        c.args,
        {
          PV_SUITES: FIXTURE,
          PV_TRUST_MODE: 'quick',
          PV_TRUST_MARKER: marker,
          ...(c.config ? { PV_CONFIG: c.config } : {}),
        },
        240_000,
      );
      const out = r.stdout + r.stderr;
      if (c.exit === 'nonzero') expect(r.code, out.slice(-2000)).not.toBe(0);
      else expect(r.code, out.slice(-2000)).toBe(c.exit);
      expect(out).toMatch(c.message);
      expect(out).not.toMatch(/FIX-TRUST-003[^\n]*✓/);
      expect(fs.existsSync(marker), 'the fixture check never ran').toBe(false);
      // the lab is shared: count only namespaces of this run (its id, when it got one)
      const runId = /^run (\S+)/m.exec(r.stdout)?.[1];
      if (runId) for (const n of CLUSTERS) expect(await namespacesOfRun(adminHandle(n), runId)).toEqual([]);
    }, 300_000);
  }
});
