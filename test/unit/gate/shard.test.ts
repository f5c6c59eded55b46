// A real sharded run gives the same gate as the unsharded run. `pnpm test` (the same launcher,
// bin/launch.mjs + bin/test.ts) runs the fixture catalogue test/fixtures/suites/shard (4 files,
// clusters infra and apps, passing and failing checks with story/AC/risk metadata) unsharded, then
// as vitest `--shard=1/2` + `--shard=2/2`, and as the CI examples do it (`--project <cluster>
// --shard=<i>/2`, one job each), every run with the same PV_RUN_ID (one per pipeline) into its own
// evidence dir (one per CI job). `pnpm gate` on the unsharded run and on the merged shards must
// agree; a shard alone must not.
//
// How vitest 4.1 shards projects: the specs are (project, file) pairs; `--shard=i/n` sorts them by
// the sha1 of the file path (the project is not part of the key) and runs the i-th of n contiguous
// slices. So every (project, file) pair, hence every check@cluster, runs in exactly one shard; the
// specs of one file in two projects are adjacent and usually, not always, land in the same shard.
//
// No lab: the checks never touch a cluster, so the runs use the bench-only PV_IDENTITY=skip against a
// kubeconfig whose server is a closed port (as runner.test.ts does). The gate must then call the
// evidence incomplete (identities not checked), never PASS.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closedPort,
  readJson,
  runPv,
  tmpDir,
  twoClusterConfig,
  writeKubeconfig,
  type PvResult,
} from '../harness.js';
import { gate, readGate, type CliResult } from './helpers.js';

const RUN_ID = '20261123T020000Z-5a4d00';
const SUITES = 'test/fixtures/suites/shard/*.test.ts';
const GATE_FILES = ['platform.yml', 'story-boot-core.yml', 'story-validate-networking.yml'];

interface Outcome {
  key: string; // id@cluster
  file: string; // cluster: file (a vitest spec)
  outcome: 'passed' | 'failed' | 'skipped';
}

/** Every testcase of a run dir's junit-*.xml: check@cluster, its spec and its outcome. */
function outcomes(runDir: string): Outcome[] {
  const out: Outcome[] = [];
  for (const cluster of ['infra', 'apps']) {
    const file = path.join(runDir, `junit-${cluster}.xml`);
    if (!existsSync(file)) continue;
    const xml = readFileSync(file, 'utf8');
    for (const suite of xml.matchAll(/<testsuite name="([^"]+)"[^>]*>([\s\S]*?)<\/testsuite>/g)) {
      for (const tc of suite[2]!.matchAll(/<testcase name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
        const body = tc[2] ?? '';
        out.push({
          key: `${tc[1]!.split(' ')[0]}@${cluster}`,
          file: suite[1]!,
          outcome: /<(failure|error)[ >]/.test(body)
            ? 'failed'
            : /<skipped[ />]/.test(body)
              ? 'skipped'
              : 'passed',
        });
      }
    }
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

const keys = (os: Outcome[]) => os.map((o) => o.key);
const specs = (os: Outcome[]) => [...new Set(os.map((o) => o.file))].sort();
const byKey = (os: Outcome[]) => Object.fromEntries(os.map((o) => [o.key, o.outcome]));

interface Job {
  name: string;
  args: string[];
  evidence: string;
  result?: PvResult;
}

describe('sharded run vs unsharded run (real runner, fixture catalogue, no lab)', () => {
  const root = tmpDir('pv-shard-');
  let kubeconfig: string;
  const jobs: Record<string, Job> = {};
  const runDir = (name: string) => path.join(jobs[name]!.evidence, RUN_ID);
  const gates = (name: string) => path.join(root, 'gates', name);
  const gateRuns: Record<string, CliResult> = {};

  /** One `pnpm test` per CI job: its own config (evidence dir), the pipeline's run id. */
  async function job(name: string, args: string[]): Promise<void> {
    const evidence = path.join(root, 'jobs', name, 'evidence');
    mkdirSync(path.dirname(evidence), { recursive: true });
    const cfg = await twoClusterConfig({
      dir: path.dirname(evidence),
      env: 'ci',
      evidenceDir: evidence,
      kubeconfig,
    });
    jobs[name] = { name, args, evidence };
    jobs[name]!.result = await runPv(
      args,
      {
        PV_CONFIG: cfg,
        PV_SUITES: SUITES,
        PV_IDENTITY: 'skip',
        PV_RUN_ID: RUN_ID,
      },
      240_000,
    );
  }

  function gateOn(name: string, runs: string[]): CliResult {
    const r = gate([...runs.flatMap((d) => ['--run', runDir(d)]), '--gates-dir', gates(name), '--no-report']);
    gateRuns[name] = r;
    return r;
  }
  const gateFile = (name: string, file = 'platform.yml') => readGate(path.join(gates(name), file));

  beforeAll(async () => {
    kubeconfig = writeKubeconfig(root, await closedPort(), ['c-infra', 'c-apps']);
    // one after the other: 2 shared cores; parallel runs only slow each other down
    await job('whole', []);
    await job('s1', ['--shard', '1/2']);
    await job('s2', ['--shard=2/2']);
    await job('infra-1', ['--project', 'infra', '--shard=1/2']);
    await job('infra-2', ['--project', 'infra', '--shard=2/2']);
    await job('apps-1', ['--project', 'apps', '--shard=1/2']);
    await job('apps-2', ['--project', 'apps', '--shard=2/2']);
    await job('infra-5of5', ['--project', 'infra', '--shard=5/5']); // 4 infra files: nothing left
    gateOn('whole', ['whole']);
    gateOn('merged', ['s1', 's2']);
    gateOn('ci', ['infra-1', 'infra-2', 'apps-1', 'apps-2']);
    gateOn('s1', ['s1']);
    gateOn('s2', ['s2']);
    gateOn('apps', ['apps-1', 'apps-2']);
    gateOn('apps+empty', ['apps-1', 'apps-2', 'infra-5of5']);
  }, 900_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('every run ran (the runner, not a fixture JUnit): exit code and run.json follow its checks, each in its own dir', () => {
    for (const j of Object.values(jobs).filter((j) => j.name !== 'infra-5of5')) {
      const r = j.result!;
      expect(r.runDir, `${j.name}: ${r.stdout}\n${r.stderr}`).toBe(runDir(j.name));
      expect(r.stderr, j.name).toMatch(/PV_IDENTITY=skip/);
      const failed = outcomes(runDir(j.name)).some((o) => o.outcome === 'failed');
      expect(r.code, `${j.name}: ${r.stdout}`).toBe(failed ? 1 : 0);
      const run = readJson<{ runId: string; outcome: string }>(path.join(runDir(j.name), 'run.json'));
      expect(run).toMatchObject({ runId: RUN_ID, outcome: failed ? 'failed' : 'passed' });
    }
    // the fixture catalogue as designed: 16 check@cluster, three of them failing
    const whole = outcomes(runDir('whole'));
    expect(whole).toHaveLength(16);
    expect(whole.filter((o) => o.outcome === 'failed').map((o) => o.key)).toEqual([
      'SHD-DNS-001@apps',
      'SHD-FLUX-001@infra',
      'SHD-SEC-001@apps',
    ]);
    expect(specs(whole)).toHaveLength(8); // 4 files x 2 projects
  });

  it('--shard=1/2 and --shard=2/2 split the catalogue: disjoint, each a proper non-empty part, together the whole', () => {
    const whole = outcomes(runDir('whole'));
    for (const set of [
      ['s1', 's2'],
      ['infra-1', 'infra-2', 'apps-1', 'apps-2'],
    ]) {
      const parts = set.map((n) => outcomes(runDir(n)));
      for (const [i, p] of parts.entries()) {
        expect(p.length, set[i]).toBeGreaterThan(0);
        expect(p.length, `${set[i]} ran the whole catalogue: --shard ignored?`).toBeLessThan(whole.length);
      }
      // a spec (cluster: file) runs in exactly one shard; sharding is per file, never per check
      const allSpecs = parts.flatMap(specs);
      expect(new Set(allSpecs).size, `a spec ran in two shards of ${set.join('+')}`).toBe(allSpecs.length);
      expect(allSpecs.sort()).toEqual(specs(whole));
      const merged = parts.flat().sort((a, b) => a.key.localeCompare(b.key));
      expect(keys(merged)).toEqual(keys(whole));
      expect(byKey(merged)).toEqual(byKey(whole));
    }
    // --project X --shard: only X's JUnit
    expect(existsSync(path.join(runDir('infra-1'), 'junit-apps.xml'))).toBe(false);
    expect(outcomes(runDir('apps-2')).every((o) => o.key.endsWith('@apps'))).toBe(true);
    // counts in run.json add up
    type Counts = { counts: { passed: number; failed: number } };
    const c = (n: string) => readJson<Counts>(path.join(runDir(n), 'run.json')).counts;
    expect(c('s1').passed + c('s2').passed).toBe(c('whole').passed);
    expect(c('s1').failed + c('s2').failed).toBe(c('whole').failed);
  });

  it('the gate on the merged shards equals the gate on the unsharded run (vitest --shard and the CI matrix)', () => {
    expect(gateRuns.whole!.code, gateRuns.whole!.stderr).toBe(1); // FAIL: a P0 failed
    for (const name of ['merged', 'ci']) {
      expect(gateRuns[name]!.code, gateRuns[name]!.stderr).toBe(gateRuns.whole!.code);
      const decision = (s: string) => s.split('\n').filter((l) => !l.includes('gate file:'));
      expect(decision(gateRuns[name]!.stdout)).toEqual(decision(gateRuns.whole!.stdout));
      for (const f of GATE_FILES) {
        const a = gateFile('whole', f);
        const b = gateFile(name, f);
        for (const k of ['story', 'gate', 'status_reason', 'top_issues', 'waiver', 'nfr_validation', 'trend'])
          expect(b[k], `${name} ${f} ${k}`).toEqual(a[k]);
        for (const k of [
          'tests_reviewed',
          'tests_skipped',
          'risks_identified',
          'complete',
          'problems',
          'trace',
        ])
          expect(b.evidence[k], `${name} ${f} evidence.${k}`).toEqual(a.evidence[k]);
        expect(b.evidence.risk_coverage, `${name} ${f} risk_coverage`).toEqual(a.evidence.risk_coverage);
        // the shards of one run are that run once in the history
        expect(b.history.at(-1).run).toBe(RUN_ID);
      }
    }
    const g = gateFile('whole');
    expect(g.gate).toBe('FAIL');
    expect(g.top_issues.map((i: { id: string; cluster: string }) => `${i.id}@${i.cluster}`)).toEqual([
      'SHD-FLUX-001@infra',
      'SHD-SEC-001@apps',
      'SHD-DNS-001@apps',
    ]);
    expect(g.top_issues.map((i: { severity: string }) => i.severity)).toEqual(['high', 'medium', 'low']);
    const core = gateFile('whole', 'story-boot-core.yml');
    // per item x cluster: AC2a names both clusters, and its check ran on infra only
    expect(core.evidence.trace.ac_covered).toEqual(['AC1b', 'AC2c', 'AC4a']);
    expect(core.evidence.trace.gap_reasons).toMatchObject({ AC2a: 'not run on apps' });
    expect(core.evidence.trace.ac_gaps).toContain('RF-P1c');
    expect(Object.keys(core.evidence.risk_coverage)).toEqual(['TECH-001', 'OPS-002', 'SEC-001']);
    expect(core.evidence.risk_coverage['SEC-001'].status).toBe('failed');
    // the skipped identities are a gap in the evidence in every form of the run
    expect(g.evidence.complete).toBe(false);
    expect(g.evidence.problems).toEqual([
      `run.json of ${RUN_ID}: identity of cluster "apps" was not checked (PV_IDENTITY=skip)`,
      `run.json of ${RUN_ID}: identity of cluster "infra" was not checked (PV_IDENTITY=skip)`,
    ]);
  });

  it('a shard alone (a dropped shard) is FAIL naming the shard the gate was not given', () => {
    const whole = gateFile('whole');
    for (const [n, missing] of [
      ['s1', '2/2'],
      ['s2', '1/2'],
    ] as const) {
      const g = gateFile(n);
      expect(g.gate, n).toBe('FAIL');
      expect(g.status_reason, n).toContain(`shard(s) ${missing} of cluster`);
      expect(g.evidence.tests_reviewed).toBeLessThan(whole.evidence.tests_reviewed);
    }
    expect(gateFile('s1').evidence.tests_reviewed + gateFile('s2').evidence.tests_reviewed).toBe(
      whole.evidence.tests_reviewed,
    );
    // a story gate over one shard is never green either
    const core = ['s1', 's2'].map((n) => gateFile(n, 'story-boot-core.yml'));
    expect(core.map((c) => c.gate)).toEqual(['FAIL', 'FAIL']);
  });

  it('an empty shard (more shards than files) is an error, never a silent gap: the merged gate says FAIL', () => {
    const r = jobs['infra-5of5']!.result!;
    expect(r.code, r.stdout).toBe(1);
    const run = readJson<{ outcome: string; reasons: string[] }>(path.join(runDir('infra-5of5'), 'run.json'));
    expect(run.outcome).toBe('error');
    expect(run.reasons.join('\n')).toMatch(/zero checks selected/);
    // the apps shards alone already FAIL (identities skipped, a high risk's check failed); with the
    // empty infra shard the gate also names the shard that ended in error
    expect(gateRuns.apps!.code, gateRuns.apps!.stdout).toBe(1);
    expect(gateFile('apps').status_reason).not.toMatch(/ended in error/);
    expect(gateRuns['apps+empty']!.code, gateRuns['apps+empty']!.stdout).toBe(1);
    expect(gateFile('apps+empty').status_reason).toMatch(/ended in error: zero checks selected/);
  });
});
