// pnpm test end to end on fixture suites: metadata errors at collection, --grep/--project/disruptive
// selection, and the JUnit reporter (XSD in both modes, retries/flaky, evidence, redaction).
// Selection and reporter runs need checks that PASS, which needs a proven cluster identity: without
// the lab they use the bench-only PV_IDENTITY=skip (the checks here never touch a cluster). The
// identity guard itself is covered by no-false-green.test.ts and test/lab/framework/identity.test.ts.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  closedPort,
  prop,
  readJson,
  runPv,
  spawnPv,
  testcases,
  tmpDir,
  twoClusterConfig,
  walk,
  writeConfig,
  writeKubeconfig,
  JUNIT10_XSD,
  xmllint,
  type PvResult,
} from '../harness.js';

/** The default JUnit minus testcase-level <properties> (the one extension outside junit-10.xsd). */
function stripCaseProperties(xml: string): string {
  return xml.replace(/(<testcase [^>]*>)\s*<properties>[\s\S]*?<\/properties>/g, '$1');
}

describe('check metadata errors at collection', () => {
  let r: PvResult;
  beforeAll(async () => {
    r = await runPv([], {
      PV_CONFIG: await twoClusterConfig(),
      PV_SUITES: 'test/fixtures/suites/metadata/*.test.ts',
    });
  });

  it('fails the run', () => expect(r.code).toBe(1));

  it('duplicate id across two files names both files and the id', () => {
    expect(r.stdout).toMatch(
      /duplicate check id META-DUP-001: declared in test\/fixtures\/suites\/metadata\/dup-[ab]\.test\.ts and in test\/fixtures\/suites\/metadata\/dup-[ab]\.test\.ts/,
    );
    const xml = readFileSync(path.join(r.runDir!, 'junit-infra.xml'), 'utf8');
    expect(xml).toMatch(/<error message="duplicate check id META-DUP-001/);
  });

  it('unknown component tag and priority name the file and the check', () => {
    expect(r.stdout).toMatch(
      /test\/fixtures\/suites\/metadata\/bad-tag\.test\.ts: check META-TAG-001: component: component tag "nosuchcomponent" is unknown/,
    );
    expect(r.stdout).toMatch(
      /test\/fixtures\/suites\/metadata\/bad-priority\.test\.ts: check META-PRIO-001: priority: priority "P7" is unknown; expected one of P0, P1, P2/,
    );
  });

  it('a cluster the config lacks names the file, the check and the cluster', () => {
    expect(r.stdout).toMatch(
      /bad-cluster\.test\.ts: check META-CLU-001 names cluster\(s\) "edge" that environment "x" of .* does not define; expected any of: infra, apps/,
    );
    const xml = readFileSync(path.join(r.runDir!, 'junit-apps.xml'), 'utf8');
    expect(xml).toMatch(
      /<testcase name="\(collection\) test\/fixtures\/suites\/metadata\/bad-cluster\.test\.ts"[\s\S]*?<error /,
    );
  });
});

describe('worker teardown', () => {
  it('workers of two projects stop at once (no module fetched while vitest stops a worker)', async () => {
    const r = await runPv([], {
      PV_CONFIG: await twoClusterConfig(),
      PV_SUITES: 'test/fixtures/suites/teardown/*.test.ts',
      PV_IDENTITY: 'skip',
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/infra +6 passed, 0 failed/);
    expect(r.stdout).toMatch(/apps +6 passed, 0 failed/);
    // before: each worker switched between projects hung in its teardown until vitest gave up (60 s)
    expect(r.stdout + r.stderr).not.toMatch(/Timeout terminating|Failed to terminate/);
  });
});

describe('selection: --grep, --project, disruptive', () => {
  let cfg: string;
  beforeAll(async () => {
    cfg = await twoClusterConfig();
  });
  const env = () => ({
    PV_CONFIG: cfg,
    PV_SUITES: 'test/fixtures/suites/select/*.test.ts',
    PV_IDENTITY: 'skip',
  });
  const ids = (runDir: string, cluster: string) =>
    testcases(readFileSync(path.join(runDir, `junit-${cluster}.xml`), 'utf8'))
      .map((c) => c.name.split(' ')[0])
      .sort();

  it('--grep "P0 || P1" on both projects, disruptive excluded and counted, never passed', async () => {
    const r = await runPv(['--grep', 'P0 || P1'], env());
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toMatch(/PV_IDENTITY=skip/); // loud
    expect(ids(r.runDir!, 'infra')).toEqual(['SEL-001', 'SEL-002', 'SEL-004']);
    expect(ids(r.runDir!, 'apps')).toEqual(['SEL-001', 'SEL-002', 'SEL-004']);
    expect(r.stdout).toMatch(
      /infra +3 passed, 0 failed, 0 skipped, 1 disruptive excluded \(needs --allow-disruptive; not counted as passed\)/,
    );
    const run = readJson<{
      selection: { excludedDisruptive: number; grep: string };
      counts: { passed: number };
    }>(path.join(r.runDir!, 'run.json'));
    expect(run.selection).toMatchObject({ excludedDisruptive: 1, grep: 'P0 || P1' });
    expect(run.counts.passed).toBe(6);
  });

  it('--project infra --grep "dragonfly && P0"; --allow-disruptive runs the disruptive check', async () => {
    const r = await runPv(['--project', 'infra', '--grep', 'dragonfly && P0'], env());
    expect(r.code).toBe(0);
    expect(ids(r.runDir!, 'infra')).toEqual(['SEL-004']);
    expect(existsSync(path.join(r.runDir!, 'junit-apps.xml'))).toBe(false);

    const d = await runPv(['--project=infra', '--grep=P1', '--allow-disruptive'], env());
    expect(d.code).toBe(0);
    expect(ids(d.runDir!, 'infra')).toEqual(['SEL-002', 'SEL-005']);
    const dis = testcases(readFileSync(path.join(d.runDir!, 'junit-infra.xml'), 'utf8')).find((c) =>
      c.name.startsWith('SEL-005'),
    )!;
    expect(prop(dis.body, 'disruptive')).toEqual(['true']);
  });
});

describe('JUnit reporter', () => {
  let r: PvResult;
  let strict: PvResult;
  beforeAll(async () => {
    const { cfg } = await oneClusterConfig();
    const env = { PV_CONFIG: cfg, PV_SUITES: 'test/fixtures/suites/reporter/*.test.ts', PV_IDENTITY: 'skip' };
    r = await runPv([], env);
    strict = await runPv(['--strict-junit'], env);
  });

  it('exits non-zero when a check failed', () => {
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/infra +2 passed, 3 failed, 1 skipped, 1 flaky/);
  });

  it('a skipped check says why in <skipped message> (never counted as passed)', () => {
    const cases = testcases(readFileSync(path.join(r.runDir!, 'junit-infra.xml'), 'utf8'));
    const skipped = cases.find((c) => c.name.startsWith('REP-SKIP-001'))!;
    expect(skipped.body).toMatch(
      /<skipped message="facts\.cilium\.enforcesNetworkPolicy is false: negative test not run"\/>/,
    );
    expect(skipped.body).not.toMatch(/<failure/);
  });

  it('default output validates against the project schema (reports/junit/junit.xsd) as written', () => {
    const v = xmllint(path.join(r.runDir!, 'junit-infra.xml'));
    expect(v.ok, v.out).toBe(true);
  });

  it('--strict-junit output validates as written, has no testcase <properties> and still carries the properties', () => {
    const file = path.join(strict.runDir!, 'junit-infra.xml');
    const v = xmllint(file);
    expect(v.ok, v.out).toBe(true);
    const xml = readFileSync(file, 'utf8');
    expect(stripCaseProperties(xml)).toBe(xml);
    expect(xml).toMatch(/\[\[PROPERTY\|id=REP-PASS-001\]\]/);
  });

  // the Jenkins schema itself, where a developer checkout has it beside the repo (../shared)
  it.runIf(existsSync(JUNIT10_XSD))(
    'junit-10.xsd: strict output validates as written; default output once testcase <properties> are removed (and not before)',
    () => {
      const strictV = xmllint(path.join(strict.runDir!, 'junit-infra.xml'), JUNIT10_XSD);
      expect(strictV.ok, strictV.out).toBe(true);
      const file = path.join(r.runDir!, 'junit-infra.xml');
      expect(xmllint(file, JUNIT10_XSD).ok).toBe(false); // the testcase-level properties are the one extension
      const stripped = path.join(tmpDir(), 'stripped.xml');
      writeFileSync(stripped, stripCaseProperties(readFileSync(file, 'utf8')));
      const v = xmllint(stripped, JUNIT10_XSD);
      expect(v.ok, v.out).toBe(true);
    },
  );

  it('carries the check metadata, metrics and evidence paths as properties', () => {
    const cases = testcases(readFileSync(path.join(r.runDir!, 'junit-infra.xml'), 'utf8'));
    const pass = cases.find((c) => c.name.startsWith('REP-PASS-001'))!;
    expect(prop(pass.body, 'id')).toEqual(['REP-PASS-001']);
    expect(prop(pass.body, 'priority')).toEqual(['P0']);
    expect(prop(pass.body, 'cluster')).toEqual(['infra']);
    expect(prop(pass.body, 'component')).toEqual(['framework']);
    // every story credited (its own first), refs qualified by their story
    expect(prop(pass.body, 'story')).toEqual([
      'STORY-VALIDATE-NETWORKING,STORY-DB-DRAGONFLY-OPERATOR-CLUSTER',
    ]);
    expect(prop(pass.body, 'ac')).toEqual([
      'STORY-VALIDATE-NETWORKING:AC1.1,STORY-VALIDATE-NETWORKING:AC2.1',
    ]);
    expect(prop(pass.body, 'risks')).toEqual([
      'STORY-VALIDATE-NETWORKING:R1,STORY-DB-DRAGONFLY-OPERATOR-CLUSTER:TECH-002',
    ]);
    expect(prop(pass.body, 'attempts')).toEqual(['1']);
    expect(prop(pass.body, 'metric.dns_avg_ms')).toEqual(['12.5']);
    expect(prop(pass.body, 'target.dns_avg_ms')).toEqual(['50']);
    const ev = prop(pass.body, 'evidence');
    expect(ev).toEqual([
      'attachments/REP-PASS-001/infra/output.txt',
      'attachments/REP-PASS-001/infra/object.json',
    ]);
    for (const e of ev) expect(existsSync(path.join(r.runDir!, e))).toBe(true);
  });

  it('failure: expected/actual in the message, evidence and suggested action in the body', () => {
    const cases = testcases(readFileSync(path.join(r.runDir!, 'junit-infra.xml'), 'utf8'));
    const fail = cases.find((c) => c.name.startsWith('REP-FAIL-001'))!;
    expect(fail.body).toMatch(
      /<failure message="ready replicas: expected 1 to be 3[^"]*\(expected: 3; actual: 1\)" type="AssertionError">/,
    );
    expect(fail.body).toMatch(/attachments\/REP-FAIL-001\/infra\/command\.txt/);
    expect(fail.body).toMatch(/suggested action: kubectl get pods -A/);
    expect(fail.body).not.toMatch(/\[3\dm/); // no ANSI colour codes
  });

  it('retries are visible: passed on attempt 2 -> attempts=2, flaky=true, one <flakyFailure> with attempt 1', () => {
    const cases = testcases(readFileSync(path.join(r.runDir!, 'junit-infra.xml'), 'utf8'));
    const flaky = cases.find((c) => c.name.startsWith('REP-FLAKY-001'))!;
    expect(flaky.body).not.toMatch(/<failure|<rerunFailure/);
    expect(prop(flaky.body, 'attempts')).toEqual(['2']);
    expect(prop(flaky.body, 'flaky')).toEqual(['true']);
    const ff = [
      ...flaky.body.matchAll(/<flakyFailure message="([^"]*)" type="([^"]*)">([\s\S]*?)<\/flakyFailure>/g),
    ];
    expect(ff).toHaveLength(1);
    // the first attempt's error, redacted like everything else
    expect(ff[0]![1]).toBe('first attempt: upstream not ready (token ***REDACTED***)');
    expect(ff[0]![2]).toBe('Error');
    expect(ff[0]![3]).toMatch(
      /^<stackTrace>Error: first attempt: upstream not ready \(token \*\*\*REDACTED\*\*\*\)/,
    );
    // a check that passed first time has none
    const pass = cases.find((c) => c.name.startsWith('REP-PASS-001'))!;
    expect(pass.body).not.toMatch(/flakyFailure|rerunFailure/);
  });

  it('failed on every attempt: <failure> is the last attempt, <rerunFailure> the earlier one', () => {
    const cases = testcases(readFileSync(path.join(r.runDir!, 'junit-infra.xml'), 'utf8'));
    const rerun = cases.find((c) => c.name.startsWith('REP-RERUN-001'))!;
    expect(prop(rerun.body, 'attempts')).toEqual(['2']);
    expect(prop(rerun.body, 'flaky')).toEqual(['false']);
    expect(rerun.body).not.toMatch(/flakyFailure/);
    const failures = [...rerun.body.matchAll(/<failure message="([^"]*)"/g)].map((m) => m[1]);
    expect(failures).toEqual([
      expect.stringMatching(/^attempt 2 ready replicas: expected 2 to be 3.*\(expected: 3; actual: 2\)$/),
    ]);
    const reruns = [
      ...rerun.body.matchAll(/<rerunFailure message="([^"]*)" type="AssertionError"><stackTrace>/g),
    ].map((m) => m[1]);
    expect(reruns).toEqual([
      expect.stringMatching(/^attempt 1 ready replicas: expected 1 to be 3.*\(expected: 3; actual: 1\)$/),
    ]);
  });

  it('--strict-junit keeps <flakyFailure>/<rerunFailure> (junit-10.xsd declares them)', () => {
    const cases = testcases(readFileSync(path.join(strict.runDir!, 'junit-infra.xml'), 'utf8'));
    expect(cases.find((c) => c.name.startsWith('REP-FLAKY-001'))!.body).toMatch(
      /<flakyFailure message="first attempt: upstream not ready \(token \*\*\*REDACTED\*\*\*\)" type="Error">/,
    );
    expect(cases.find((c) => c.name.startsWith('REP-RERUN-001'))!.body).toMatch(
      /<rerunFailure message="attempt 1 /,
    );
  });

  it('secrets never reach stdout, attachments, JUnit or run.json', () => {
    const leaks = [
      'pv-s3cr3t-Value-91xq',
      'pv-b64-secret-77',
      'hunter2pw',
      'eyJabc.def.ghi',
      'pv-flaky-tok-5521',
    ];
    const files = walk(r.runDir!);
    expect(files.some((f) => f.endsWith('conn.txt'))).toBe(true);
    const all = [r.stdout, r.stderr, strict.stdout, ...files.map((f) => readFileSync(f, 'utf8'))].join('\n');
    for (const s of leaks) expect(all).not.toContain(s);
    expect(all).toContain('login failed for password ***REDACTED***'); // the failure itself still reads well
    expect(r.stdout).toMatch(
      /connecting with \*\*\*REDACTED\*\*\* and postgres:\/\/app:\*\*\*REDACTED\*\*\*@127\.0\.0\.1:5432\/db/,
    );
  });

  it('writes run.json with the run, its selection and outcome; latest points at the run', () => {
    const run = readJson<Record<string, unknown>>(path.join(r.runDir!, 'run.json'));
    expect(run).toMatchObject({
      runId: path.basename(r.runDir!),
      env: 'x',
      outcome: 'failed',
      counts: { passed: 2, failed: 3, skipped: 1, flaky: 1 },
      selection: { projects: ['infra'], grep: null, allowDisruptive: false },
      clusters: { infra: { context: 'c-infra', ok: true, identity: { expected: 'infra', skipped: true } } },
    });
    expect(run.runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect((run.git as { revision: string }).revision).toMatch(/^[0-9a-f]{40}$/);
    const latest = path.join(path.dirname(strict.runDir!), 'latest');
    expect(readFileSync(path.join(latest, 'run.json'), 'utf8')).toContain(path.basename(strict.runDir!));
  });
});

/** One cluster `infra` behind a closed port (the checks here never reach it: PV_IDENTITY=skip). */
async function oneClusterConfig(): Promise<{ dir: string; cfg: string }> {
  const dir = tmpDir();
  const kubeconfig = writeKubeconfig(dir, await closedPort(), ['c-infra']);
  const cfg = writeConfig(dir, {
    defaultEnv: 'x',
    evidenceDir: path.join(dir, 'evidence'),
    environments: { x: { clusters: { infra: { context: 'c-infra', kubeconfig } } } },
  });
  return { dir, cfg };
}

describe('Ctrl-C', () => {
  it('SIGINT cancels the run: exit 130, run.json outcome interrupted, JUnit written, within bounds', async () => {
    const { cfg } = await oneClusterConfig();
    const r = await runPv(
      [],
      { PV_CONFIG: cfg, PV_SUITES: 'test/fixtures/suites/slow/*.test.ts', PV_IDENTITY: 'skip' },
      150_000,
      { when: /RUN\s+v4/, signal: 'SIGINT', delayMs: 6_000 },
    );
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(r.stderr).toMatch(/SIGINT: stopping; run-owned resources are being removed/);
    expect(r.stdout).toMatch(/INTERRUPTED:/);
    expect(r.stdout).not.toMatch(/zero checks selected/);
    const run = readJson<{ outcome: string; counts: { passed: number } }>(path.join(r.runDir!, 'run.json'));
    expect(run.outcome).toBe('interrupted');
    expect(run.counts.passed).toBe(0); // the interrupted check is not a pass
    expect(existsSync(path.join(r.runDir!, 'junit-infra.xml'))).toBe(true);
    expect(r.ms).toBeLessThan(60_000); // the check alone would take 60 s
  });

  it("a CI runner's cancel (SIGINT, then SIGTERM seconds later) is one interruption, not a forced exit", async () => {
    const { cfg } = await oneClusterConfig();
    const { child, done } = spawnPv(
      [],
      { PV_CONFIG: cfg, PV_SUITES: 'test/fixtures/suites/slow-stop/*.test.ts', PV_IDENTITY: 'skip' },
      150_000,
      { when: /RUN\s+v4/, signal: 'SIGINT', delayMs: 6_000 },
    );
    child.stderr!.on('data', (d: Buffer) => {
      if (/SIGINT: stopping/.test(d.toString())) setTimeout(() => child.kill('SIGTERM'), 3_000);
    });
    const r = await done;
    expect(r.stderr).toMatch(/SIGTERM received/);
    expect(r.stdout + r.stderr).not.toMatch(/forced exit/);
    const run = readJson<{ outcome: string; reasons: string[] }>(path.join(r.runDir!, 'run.json'));
    expect(run.outcome).toBe('interrupted');
    expect(run.reasons.join(' ')).not.toMatch(/interrupted twice/);
  });
});

describe('a killed main process', () => {
  it('its worker runs its registered removals and exits (no orphan going on against the cluster)', async () => {
    const { dir, cfg } = await oneClusterConfig();
    const { child, done } = spawnPv(
      [],
      {
        PV_CONFIG: cfg,
        PV_SUITES: 'test/fixtures/suites/orphan/*.test.ts',
        PV_IDENTITY: 'skip',
        PV_FIXTURE_DIR: dir,
      },
      120_000,
    );
    const pidFile = path.join(dir, 'pid');
    await expect.poll(() => existsSync(pidFile), { timeout: 60_000, interval: 200 }).toBe(true);
    const worker = Number(readFileSync(pidFile, 'utf8'));
    child.kill('SIGKILL');
    await done;
    const alive = () => {
      try {
        process.kill(worker, 0);
        return true;
      } catch {
        return false;
      }
    };
    await expect.poll(alive, { timeout: 25_000, interval: 250 }).toBe(false);
    expect(existsSync(path.join(dir, 'removed')), 'the registered removal ran').toBe(true);
  });
});

describe('suite() file defaults', () => {
  it('a body gets its fixtures through vitest; an unmet requirement is a skip with its reason', async () => {
    const { cfg } = await oneClusterConfig();
    const r = await runPv([], {
      PV_CONFIG: cfg,
      PV_SUITES: 'test/fixtures/suites/idiom/*.test.ts',
      PV_IDENTITY: 'skip',
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const cases = testcases(readFileSync(path.join(r.runDir!, 'junit-infra.xml'), 'utf8'));
    expect(cases.find((c) => c.name.startsWith('IDIOM-001'))!.body).not.toMatch(/<failure|<skipped/);
    expect(cases.find((c) => c.name.startsWith('IDIOM-002'))!.body).toMatch(
      /<skipped message="facts\.kafka\.enabled is false"/,
    );
  });
});
