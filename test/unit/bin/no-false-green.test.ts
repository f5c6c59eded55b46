// A run whose clusters cannot be reached, or named wrongly, must fail loudly, quickly, with a JUnit.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  closedPort,
  prop,
  readJson,
  runPv,
  testcases,
  tmpDir,
  twoClusterConfig,
  writeConfig,
  writeKubeconfig,
} from '../harness.js';

describe('no false greens', () => {
  it('closed port (via a KUBECONFIG list), missing context, missing kubeconfig: every check fails, JUnit + run.json written, bounded time', async () => {
    const dir = tmpDir();
    const port = await closedPort();
    const kc = writeKubeconfig(dir, port, ['c-infra', 'c-apps']);
    const ev = path.join(dir, 'evidence');
    const cfg = writeConfig(dir, {
      defaultEnv: 'x',
      evidenceDir: ev,
      environments: {
        x: {
          clusters: {
            infra: { context: 'c-infra' }, // no path: KUBECONFIG is read like kubectl (first file missing, second has it)
            apps: { context: 'c-typo', kubeconfig: kc },
            edge: { context: 'c-edge', kubeconfig: path.join(dir, 'missing-kubeconfig') },
          },
        },
      },
    });
    const r = await runPv([], {
      PV_CONFIG: cfg,
      PV_SUITES: 'test/fixtures/suites/nfg/*.test.ts',
      KUBECONFIG: [path.join(dir, 'absent'), kc].join(path.delimiter),
      PV_IDENTITY_TIMEOUT_MS: '15000',
    });
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.ms).toBeLessThan(90_000);
    expect(r.runDir).toBeDefined();
    const runDir = r.runDir!;

    const reasons: Record<string, RegExp> = {
      infra: new RegExp(`context "c-infra", server https://127\\.0\\.0\\.1:${port}\\).*ECONNREFUSED`),
      apps: /context "c-typo"/,
      edge: /missing-kubeconfig.*does not exist/,
    };
    for (const [cluster, reason] of Object.entries(reasons)) {
      const file = path.join(runDir, `junit-${cluster}.xml`);
      expect(existsSync(file), file).toBe(true);
      const cases = testcases(readFileSync(file, 'utf8'));
      expect(cases.map((c) => c.name).sort()).toEqual(['NFG-001 would pass', 'NFG-002 uses the cluster']);
      for (const c of cases) {
        expect(c.body).toMatch(/<failure /); // failed, never skipped or passed
        expect(c.body).toMatch(reason);
        expect(prop(c.body, 'cluster')).toEqual([cluster]);
      }
    }
    const run = readJson<{
      outcome: string;
      counts: { passed: number; failed: number };
      clusters: Record<string, { ok: boolean; error: string }>;
    }>(path.join(runDir, 'run.json'));
    expect(run.outcome).toBe('failed');
    expect(run.counts).toMatchObject({ passed: 0, failed: 6 });
    for (const c of ['infra', 'apps', 'edge']) expect(run.clusters[c]!.ok).toBe(false);
    expect(run.clusters.apps!.error).toMatch(/c-typo/);
    expect(r.stdout).toMatch(/FAILED:/);
    expect(r.stdout).not.toMatch(/\d+ passed, 0 failed/);
    // the kubeconfig's bearer token never reaches output
    expect(r.stdout + r.stderr + readFileSync(path.join(runDir, 'junit-infra.xml'), 'utf8')).not.toContain(
      'tok-3f9a7c1e5d',
    );
  });

  it('zero selected checks: non-zero exit with a message', async () => {
    const cfg = await twoClusterConfig();
    const r = await runPv(['--project', 'infra', '--grep', 'P2 && kafka'], {
      PV_CONFIG: cfg,
      PV_SUITES: 'test/fixtures/suites/select/*.test.ts',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/zero checks selected \(projects: infra, --grep "P2 && kafka"\)/);
    const run = readJson<{ outcome: string }>(path.join(r.runDir!, 'run.json'));
    expect(run.outcome).toBe('error');

    const none = await runPv([], {
      PV_CONFIG: cfg,
      PV_SUITES: 'test/fixtures/suites/does-not-exist/*.test.ts',
    });
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/zero checks selected/);
  });
});
