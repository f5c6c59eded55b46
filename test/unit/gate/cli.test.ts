// `pnpm gate` as a subprocess: exit codes, gate files, waivers, history, foreign and malformed
// JUnit, redaction, traceability, shard merging.
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeRun, type CaseSpec } from './builder.js';
import { copyFixture, FIXTURES, gate, NIGHTLY, readGate, tmp } from './helpers.js';

const NET = 'STORY-VALIDATE-NETWORKING';

function run(cases: CaseSpec[]): { dir: string; gates: string } {
  const root = tmp();
  return {
    dir: writeRun(join(root, 'evidence'), { runId: '20261122T020000Z-0000aa', cases }),
    gates: join(root, 'gates'),
  };
}
const ok = (id: string, priority: 'P0' | 'P1' | 'P2', ac = 'AC1'): CaseSpec => ({
  id,
  priority,
  story: NET,
  ac: [ac],
});
const bad = (id: string, priority: 'P0' | 'P1' | 'P2', message: string, ac = 'AC1'): CaseSpec => ({
  ...ok(id, priority, ac),
  outcome: 'failed',
  message,
  evidence: { 'seen.txt': message },
  suggestedAction: `fix ${id}`,
});

describe('pnpm gate exit codes', () => {
  it('0 on PASS', () => {
    const r = run([ok('NET-A-001', 'P0'), ok('NET-A-002', 'P1')]);
    const res = gate(['--run', r.dir, '--gates-dir', r.gates, '--no-report']);
    expect(res.stdout).toContain('QA gate platform: PASS');
    expect(res.code).toBe(0);
  });

  it('1 on FAIL (P0 failure), 2 on CONCERNS (P2 failure)', () => {
    const f = run([bad('STO-CEPH-001', 'P0', 'HEALTH_WARN'), ok('NET-A-002', 'P1')]);
    const fr = gate(['--run', f.dir, '--gates-dir', f.gates, '--no-report']);
    expect(fr.stdout).toContain('P0 check failed: STO-CEPH-001@infra.');
    expect(fr.code).toBe(1);
    const c = run([ok('NET-A-001', 'P0'), bad('NET-GW-011', 'P2', 'p95 142 ms > 100 ms')]);
    const cr = gate(['--run', c.dir, '--gates-dir', c.gates, '--no-report']);
    expect(cr.stdout).toContain('QA gate platform: CONCERNS');
    expect(cr.code).toBe(2);
  });

  it('1 when nothing ran (a run dir without any JUnit)', () => {
    const r = run([]);
    const res = gate(['--run', r.dir, '--gates-dir', r.gates, '--no-report']);
    expect(res.stdout).toContain('Nothing ran');
    expect(res.code).toBe(1);
  });

  it('0 on WAIVED, with reason and approver in the gate file; expired waivers warn', () => {
    const r = run([bad('STO-CEPH-001', 'P0', 'HEALTH_WARN'), ok('NET-A-002', 'P1')]);
    const wf = join(r.gates, '..', 'waivers.yml');
    writeFileSync(
      wf,
      [
        'waivers:',
        '  - check: STO-CEPH-001',
        '    reason: OSD replacement scheduled for the weekend',
        '    approved_by: Jane Doe (Platform Lead)',
        '    expires: 2099-06-30',
        '  - risk: SEC-009',
        '    reason: old',
        '    approved_by: Someone',
        '    expires: 2021-01-01',
      ].join('\n'),
    );
    const res = gate(['--run', r.dir, '--gates-dir', r.gates, '--waivers', wf, '--no-report']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('QA gate platform: WAIVED');
    expect(res.stderr).toContain('warning: waiver #2 for risk SEC-009 expired 2021-01-01: ignored');
    const g = readGate(join(r.gates, 'platform.yml'));
    expect(g.gate).toBe('WAIVED');
    expect(g.waiver).toMatchObject({
      active: true,
      reason: 'OSD replacement scheduled for the weekend',
      approved_by: 'Jane Doe (Platform Lead)',
    });
    expect(g.waiver.items[0].covers).toEqual(['STO-CEPH-001@infra']);
    expect(g.waiver.expired_ignored[0]).toMatchObject({ risk: 'SEC-009', expired: '2021-01-01' });
    expect(g.top_issues[0]).toMatchObject({ id: 'STO-CEPH-001', severity: 'high', waived: true });
  });

  it('3 with a clear message on a malformed waiver file naming the file and the entry', () => {
    const r = run([ok('NET-A-001', 'P0')]);
    const wf = join(r.gates, '..', 'w.yml');
    writeFileSync(
      wf,
      '- check: NET-A-001\n  reason: x\n  approved_by: y\n  expires: 2099-01-01\n- check: NET-B-002\n  reason: no approver\n  expires: 2099-01-01\n',
    );
    const res = gate(['--run', r.dir, '--gates-dir', r.gates, '--waivers', wf, '--no-report']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`${wf}: waiver #2 (NET-B-002): field "approved_by"`);
    writeFileSync(wf, '- check: NET-A-001\n  reason: x\n  approved_by: y\n  expires: next week\n');
    const res2 = gate(['--run', r.dir, '--gates-dir', r.gates, '--waivers', wf, '--no-report']);
    expect(res2.code).toBe(3);
    expect(res2.stderr).toMatch(/waiver #1 \(NET-A-001\): field "expires": expected a date like 2026-12-31/);
  });

  it('3 on malformed XML, naming the file and the line', () => {
    const dir = copyFixture('malformed/bad-run');
    const res = gate(['--run', dir, '--gates-dir', join(dir, 'gates'), '--no-report']);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain(`${join(dir, 'junit-infra.xml')}:12:7: invalid XML at line 12, column 7`);
    expect(res.stderr).toMatch(/closing tag 'property'/);
  });

  it('3 on a bad flag or a missing run dir', () => {
    expect(gate(['--history', 'ten']).stderr).toContain('--history ten: expected a whole number');
    const missing = gate(['--run', '/nonexistent/run', '--no-report']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('--run /nonexistent/run: run directory does not exist');
  });
});

describe('gate file', () => {
  it('follows the QA gate format, redacts secrets in findings, traces ACs and risks (nightly fixture)', () => {
    const ev = copyFixture('evidence');
    const gates = join(ev, '..', 'gates');
    const res = gate([
      '--run',
      join(ev, NIGHTLY),
      '--gates-dir',
      gates,
      '--reviewer',
      'Quinn (Test Architect)',
      '--no-report',
    ]);
    expect(res.code).toBe(1);
    const g = readGate(join(gates, 'story-validate-networking.yml'));
    expect(Object.keys(g).slice(0, 10)).toEqual([
      'schema',
      'story',
      'story_title',
      'gate',
      'status_reason',
      'reviewer',
      'updated',
      'top_issues',
      'waiver',
      'evidence',
    ]);
    expect(g).toMatchObject({ schema: 1, story: NET, gate: 'FAIL', reviewer: 'Quinn (Test Architect)' });
    expect(g.status_reason).toBe(
      'P0 check failed: STO-CEPH-001@infra. High risk not mitigated, its check failed: R5 (high: Storage provisioning failure); R6 (high: Database connection failures).',
    );
    expect(g.top_issues.map((i: { id: string; severity: string }) => `${i.id}:${i.severity}`)).toEqual([
      'STO-CEPH-001:high',
      'DB-DRAGONFLY-003:medium',
      'NET-GW-011:low',
    ]);
    expect(g.top_issues[0].suggested_action).toMatch(/ceph osd tree/);
    const text = readFileSync(join(gates, 'story-validate-networking.yml'), 'utf8');
    expect(text).not.toContain('hunter2');
    expect(g.top_issues[1].finding).toContain('redis://default:***REDACTED***@');
    // per item of the story's list (helpers/trace/stories), each with why it is a gap: AC3.1 has a
    // failing check, AC7.1 none, AC2.1's check was skipped; AC1.3 and AC12.4 are the framework's
    expect(g.evidence.trace.ac_covered).toEqual(['AC1.1', 'AC1.3', 'AC5.1', 'AC6.1', 'AC10.1', 'AC12.4']);
    expect(g.evidence.trace.items).toEqual({ total: 162, covered: 6, gaps: 156 });
    expect(g.evidence.trace.gap_reasons).toMatchObject({
      'AC2.1': 'skipped: NET-CILIUM-020@infra (disruptive: run with --allow-disruptive)',
      'AC3.1': 'failed: STO-CEPH-001@infra',
      'AC7.1': 'no check',
      'AC12.7': 'procedure or document: not verified by a run',
    });
    expect(g.evidence.risk_coverage.R5).toEqual({
      level: 'high',
      title: 'Storage provisioning failure',
      status: 'failed',
      checks: ['STO-CEPH-001@infra failed', 'STO-CEPH-002@infra passed'],
    });
    expect(g.evidence.tests_reviewed).toBe(20);
    expect(g.nfr_validation.performance.status).toBe('CONCERNS');
    expect(g.nfr_validation.performance.notes).toContain('http_p95_ms@apps 142.6 (target <= 100)');
    expect(g.nfr_validation.security.status).toBe('CONCERNS');
    expect(g.nfr_validation.reliability.status).toBe('FAIL');
    // per-check trend over the three nightly runs next to it
    expect(g.trend.checks).toMatchObject({ 'STO-CEPH-001@infra': 'PPF', 'NET-GW-011@apps': 'PFF' });
    // one file per story of the run plus the platform-wide one
    expect(existsSync(join(gates, 'platform.yml'))).toBe(true);
    expect(readGate(join(gates, 'story-boot-core.yml')).gate).toBe('PASS');
  });

  it('--story gates one story and its exit code; --history bounds the trend', () => {
    const ev = copyFixture('evidence');
    const gates = join(ev, '..', 'gates');
    const res = gate([
      '--run',
      join(ev, NIGHTLY),
      '--story',
      'STORY-BOOT-CORE',
      '--gates-dir',
      gates,
      '--history',
      '2',
      '--no-report',
    ]);
    expect(res.code).toBe(0);
    expect(existsSync(join(gates, 'platform.yml'))).toBe(false);
    expect(readGate(join(gates, 'story-boot-core.yml')).status_reason).toBe(
      'All 6 P0 checks passed, evidence complete. Not traced to a passing check: AC1a, AC1b, AC2b, AC2c, AC2d, AC2e and 21 more.',
    );
    const net = gate([
      '--run',
      join(ev, NIGHTLY),
      '--story',
      NET,
      '--gates-dir',
      gates,
      '--history',
      '2',
      '--no-report',
    ]);
    expect(net.code).toBe(1);
    expect(readGate(join(gates, 'story-validate-networking.yml')).trend.checks['STO-CEPH-001@infra']).toBe(
      'PF',
    );
    const unknown = gate(['--run', join(ev, NIGHTLY), '--story', 'STORY-NOPE', '--gates-dir', gates]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('--story STORY-NOPE: no check of this run names it');
  });

  it('defaults to docs/qa/evidence/latest (a symlink, or a file naming the run) and docs/qa/gates', () => {
    const root = tmp();
    const evidence = join(root, 'docs/qa/evidence');
    cpSync(join(FIXTURES, 'evidence'), evidence, { recursive: true });
    symlinkSync(NIGHTLY, join(evidence, 'latest'));
    const res = gate(['--no-report'], { cwd: root });
    expect(res.code).toBe(1);
    expect(readGate(join(root, 'docs/qa/gates/platform.yml')).evidence.runs[0].run_id).toBe(NIGHTLY);
    rmSync(join(evidence, 'latest'));
    writeFileSync(join(evidence, 'latest'), `${NIGHTLY}\n`);
    expect(gate(['--no-report'], { cwd: root }).code).toBe(1);
  });

  it("today's waiver marks today's run in the trend, not the past failures", () => {
    const ev = copyFixture('evidence');
    const wf = join(ev, 'w.yml');
    writeFileSync(wf, '- check: NET-GW-011\n  reason: tracked\n  approved_by: Lead\n  expires: 2099-01-01\n');
    gate(['--run', join(ev, NIGHTLY), '--gates-dir', join(ev, 'g'), '--waivers', wf, '--no-report']);
    expect(readGate(join(ev, 'g', 'platform.yml')).trend.checks['NET-GW-011@apps']).toBe('PFW');
  });

  it('appends to history on each run, bounded to the last 20', () => {
    const r = run([ok('NET-A-001', 'P0')]);
    for (let i = 0; i < 2; i++)
      expect(gate(['--run', r.dir, '--gates-dir', r.gates, '--no-report']).code).toBe(0);
    const g = readGate(join(r.gates, 'platform.yml'));
    expect(g.history).toHaveLength(2);
    expect(g.history[1]).toMatchObject({ gate: 'PASS', run: '20261122T020000Z-0000aa', checks: 'P0 1/1' });
    // a gate file with a long history keeps the newest 20
    g.history = Array.from({ length: 25 }, (_, i) => ({
      at: `2026-01-${String(i + 1).padStart(2, '0')}`,
      gate: 'FAIL',
    }));
    writeFileSync(join(r.gates, 'platform.yml'), JSON.stringify(g));
    gate(['--run', r.dir, '--gates-dir', r.gates, '--no-report']);
    const h = readGate(join(r.gates, 'platform.yml')).history;
    expect(h).toHaveLength(20);
    expect(h[0].at).toBe('2026-01-07');
    expect(h[19].gate).toBe('PASS');
  });

  it('reads foreign JUnit: priority from [P0] markers, unmarked as P1, and never PASS without run.json', () => {
    const dir = copyFixture('foreign/smoke-run');
    const gates = join(dir, 'gates');
    const res = gate(['--run', dir, '--gates-dir', gates, '--no-report']);
    // no run.json: no cluster's identity is proven, which is insufficient evidence (the seed's NO-GO)
    expect(res.code).toBe(1);
    const g = readGate(join(gates, 'platform.yml'));
    expect(g.status_reason).toMatch(/^Evidence insufficient: .*no run\.json/);
    // [P1] TLS check and the unmarked grafana check (default P1) failed: P1 0/2
    expect(res.stdout).toContain('P0 2/2, P1 0/2, P2 1/1');
    expect(g.top_issues.map((i: { severity: string }) => i.severity)).toEqual(['medium', 'medium']);
    expect(g.top_issues[0].finding).toContain('requests.exceptions.ReadTimeout');
    expect(g.evidence.problems[0]).toMatch(/no run\.json/);
  });
});

describe('shards', () => {
  it('merging vitest shard outputs yields the same gate as the unsharded run', () => {
    const ev = copyFixture('evidence');
    const shards = copyFixture('shards');
    const whole = gate(['--run', join(ev, NIGHTLY), '--gates-dir', join(ev, 'g'), '--no-report']);
    const merged = gate([
      '--run',
      join(shards, 'shard-1', NIGHTLY),
      '--run',
      join(shards, 'shard-2', NIGHTLY),
      '--gates-dir',
      join(shards, 'g'),
      '--no-report',
    ]);
    expect(merged.code).toBe(whole.code);
    const a = readGate(join(ev, 'g', 'platform.yml'));
    const b = readGate(join(shards, 'g', 'platform.yml'));
    for (const k of ['gate', 'status_reason', 'top_issues', 'waiver', 'nfr_validation'] as const)
      expect(b[k]).toEqual(a[k]);
    expect(b.evidence.trace).toEqual(a.evidence.trace);
    expect(b.evidence.risk_coverage).toEqual(a.evidence.risk_coverage);
    expect(b.evidence.tests_reviewed).toBe(a.evidence.tests_reviewed);
    // CI layout: docs/qa/evidence/<run-id>/<shard>/ ; an earlier sharded night beside it is one run in the trend
    const ci = join(tmp(), 'evidence');
    cpSync(join(shards, 'shard-1', NIGHTLY), join(ci, NIGHTLY, 'evidence-1'), { recursive: true });
    cpSync(join(shards, 'shard-2', NIGHTLY), join(ci, NIGHTLY, 'evidence-2'), { recursive: true });
    cpSync(join(ev, '20261121T020000Z-9c8b7a'), join(ci, '20261121T020000Z-9c8b7a', 'evidence-all'), {
      recursive: true,
    });
    const inCi = gate([
      '--run',
      join(ci, NIGHTLY, 'evidence-1'),
      '--run',
      join(ci, NIGHTLY, 'evidence-2'),
      '--history-dir',
      ci,
      '--gates-dir',
      join(ci, '..', 'g'),
      '--out',
      join(ci, NIGHTLY),
    ]);
    expect(inCi.code).toBe(1);
    expect(existsSync(join(ci, NIGHTLY, 'report.html'))).toBe(true);
    const c = readGate(join(ci, '..', 'g', 'platform.yml'));
    expect(c.trend.runs).toEqual(['20261121T020000Z-9c8b7a', NIGHTLY]);
    expect(c.trend.checks['STO-CEPH-001@infra']).toBe('PF');
    // the same shard twice is an input error, not a double count
    const twice = gate([
      '--run',
      join(shards, 'shard-1', NIGHTLY),
      '--run',
      join(shards, 'shard-1', NIGHTLY),
      '--no-report',
    ]);
    expect(twice.code).toBe(3);
  });
});
