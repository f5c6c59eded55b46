// The gate rule on runs written in the reporter's format: every outcome and why.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../reports/gate/evaluate.js';
import { loadRuns } from '../../../reports/gate/run.js';
import { PLATFORM_STORY } from '../../../helpers/trace/catalogue.js';
import { loadWaivers, type Waiver } from '../../../reports/gate/waivers.js';
import { writeRun, type CaseSpec } from './builder.js';
import { tmp } from './helpers.js';

const NET = 'STORY-VALIDATE-NETWORKING';

function p0(id: string, extra: Partial<CaseSpec> = {}): CaseSpec {
  return { id, priority: 'P0', story: NET, ac: ['AC1.5'], ...extra };
}
function p1(id: string, extra: Partial<CaseSpec> = {}): CaseSpec {
  return { id, priority: 'P1', story: NET, ac: ['AC2.1'], ...extra };
}
function p2(id: string, extra: Partial<CaseSpec> = {}): CaseSpec {
  return { id, priority: 'P2', story: NET, ac: ['AC11.8'], ...extra };
}
const failed = (msg: string): Partial<CaseSpec> => ({
  outcome: 'failed',
  message: msg,
  evidence: { 'out.txt': `${msg}\n` },
});

function gateOf(cases: CaseSpec[], waivers: Waiver[] = [], runOpts: { runJson?: boolean } = {}) {
  const dir = writeRun(tmp(), { runId: '20261122T020000Z-000001', cases, ...runOpts });
  return evaluate(loadRuns([dir]), PLATFORM_STORY, waivers).decision;
}

const tenP1 = (failing: number) =>
  Array.from({ length: 10 }, (_, i) => p1(`NET-P1-${i}`, i < failing ? failed(`p1 ${i} broke`) : {}));

describe('gate rule', () => {
  it('PASS: all P0 pass, P1 100%, evidence complete', () => {
    const d = gateOf([p0('NET-A-001'), p0('NET-A-002', { cluster: 'apps' }), ...tenP1(0), p2('NET-B-001')]);
    expect(d.gate).toBe('PASS');
    expect(d.counts.P0).toMatchObject({ executed: 2, passed: 2 });
  });

  it("CONCERNS at exactly 90% P1 (9/10): the seed's GO needs more than 90%", () => {
    const d = gateOf([p0('NET-A-001'), ...tenP1(1)]);
    expect(d.gate).toBe('CONCERNS');
    expect(d.p1PassRate).toBeCloseTo(0.9);
    expect(d.reasons[0]).toMatch(/P1 pass rate 90% \(9\/10\) is not above 90%: NET-P1-0@infra failed/);
  });

  it('PASS above 90% P1 (19/20), with the failure still reported', () => {
    const d = gateOf([p0('NET-A-001'), ...tenP1(1), ...tenP1(0).map((c) => ({ ...c, id: `${c.id}-b` }))]);
    expect(d.gate).toBe('PASS');
    expect(d.open.map((c) => c.id)).toEqual(['NET-P1-0']);
    expect(d.reasons.join(' ')).toMatch(/within the 90% allowance: NET-P1-0@infra/);
  });

  it('CONCERNS when the P1 pass rate is below 90% (8/10)', () => {
    const d = gateOf([p0('NET-A-001'), ...tenP1(2)]);
    expect(d.gate).toBe('CONCERNS');
    expect(d.reasons[0]).toMatch(/P1 pass rate 80% \(8\/10\) is not above 90%/);
  });

  it("FAIL when a high risk's check failed, even a P2 one: the seed's NO-GO (critical risks not mitigated)", () => {
    const d = gateOf([p0('NET-A-001'), p2('PERF-DNS-001', { ...failed('slow'), risks: ['R6'] })]);
    expect(d.gate).toBe('FAIL');
    expect(d.reasons[0]).toBe(
      'High risk not mitigated, its check failed: STORY-VALIDATE-NETWORKING:R6 (high: Database connection failures).',
    );
    // a medium risk's failing P2 check stays CONCERNS
    expect(gateOf([p0('NET-A-001'), p2('PERF-DNS-001', { ...failed('slow'), risks: ['R10'] })]).gate).toBe(
      'CONCERNS',
    );
  });

  it('CONCERNS when a check of a high risk was skipped: not shown mitigated', () => {
    const d = gateOf([
      p0('NET-A-001', { risks: ['R6'] }),
      p1('NET-A-002', { outcome: 'skipped', risks: ['R6'] }),
    ]);
    expect(d.gate).toBe('CONCERNS');
    expect(d.reasons.join(' ')).toMatch(
      /High risk not shown mitigated, a check of it did not run: STORY-VALIDATE-NETWORKING:R6 .*NET-A-002@infra/,
    );
  });

  it('CONCERNS on any P2 failure', () => {
    const d = gateOf([p0('NET-A-001'), ...tenP1(0), p2('NET-GW-011', failed('p95 142 > 100'))]);
    expect(d.gate).toBe('CONCERNS');
    expect(d.reasons[0]).toBe('P2 check failed: NET-GW-011@infra.');
  });

  it('FAIL on any P0 failure, whatever else passed', () => {
    const d = gateOf([p0('STO-CEPH-001', failed('HEALTH_WARN')), p0('NET-A-001'), ...tenP1(0)]);
    expect(d.gate).toBe('FAIL');
    expect(d.reasons[0]).toBe('P0 check failed: STO-CEPH-001@infra.');
  });

  it('FAIL when nothing ran: no testcase at all', () => {
    const d = gateOf([], [], {});
    expect(d.gate).toBe('FAIL');
    expect(d.reasons[0]).toMatch(/^Nothing ran/);
  });

  it('FAIL when nothing ran: every check skipped (skips never count as passes)', () => {
    const d = gateOf([p0('NET-A-001', { outcome: 'skipped' }), p1('NET-A-002', { outcome: 'skipped' })]);
    expect(d.gate).toBe('FAIL');
    expect(d.reasons[0]).toBe('Nothing ran: all 2 selected checks were skipped.');
  });

  it('FAIL when run.json says a cluster was not proven', () => {
    const dir = writeRun(tmp(), {
      runId: '20261122T020000Z-000002',
      cases: [p0('NET-A-001')],
      clusterOverrides: { infra: { ok: false, error: 'context lab-infra points at cluster "apps"' } },
    });
    const d = evaluate(loadRuns([dir]), PLATFORM_STORY, []).decision;
    expect(d.gate).toBe('FAIL');
    expect(d.reasons[0]).toMatch(
      /Cluster infra was not proven \(context lab-infra points at cluster "apps"\)/,
    );
  });

  it('WAIVED when an active waiver names the only failure (by check id)', () => {
    const root = tmp();
    const wf = join(root, 'waivers.yml');
    writeFileSync(
      wf,
      'waivers:\n  - check: STO-CEPH-001\n    reason: OSD disk replacement scheduled\n    approved_by: Platform Lead\n    expires: 2099-01-31\n',
    );
    const w = loadWaivers(wf);
    const d = gateOf([p0('STO-CEPH-001', failed('HEALTH_WARN')), ...tenP1(0)], w.active);
    expect(d.gate).toBe('WAIVED');
    expect(d.waived[0]!.waiver).toMatchObject({
      reason: 'OSD disk replacement scheduled',
      approvedBy: 'Platform Lead',
    });
  });

  it('WAIVED by risk id covers every failing check of that risk', () => {
    const root = tmp();
    const wf = join(root, 'w.yml');
    writeFileSync(
      wf,
      '- risk: SEC-001\n  reason: accepted until NP lands\n  approved_by: Security Lead\n  expires: 2099-12-31\n',
    );
    const d = gateOf(
      [p1('DB-DF-003', { ...failed('reachable'), risks: ['SEC-001'] }), p0('NET-A-001')],
      loadWaivers(wf).active,
    );
    expect(d.gate).toBe('WAIVED');
  });

  it('an expired waiver is ignored with a warning: the P0 failure fails the gate', () => {
    const root = tmp();
    const wf = join(root, 'w.yml');
    writeFileSync(
      wf,
      '- check: STO-CEPH-001\n  reason: old\n  approved_by: Someone\n  expires: 2020-01-01\n',
    );
    const w = loadWaivers(wf);
    expect(w.active).toEqual([]);
    expect(w.warnings[0]).toMatch(/waiver #1 for check STO-CEPH-001 expired 2020-01-01: ignored/);
    expect(gateOf([p0('STO-CEPH-001', failed('HEALTH_WARN'))], w.active).gate).toBe('FAIL');
  });

  it('a waiver does not hide a P2 failure it does not name (CONCERNS, waiver recorded)', () => {
    const root = tmp();
    const wf = join(root, 'w.yml');
    writeFileSync(wf, '- check: STO-CEPH-001\n  reason: r\n  approved_by: A\n  expires: 2099-01-01\n');
    const d = gateOf(
      [p0('STO-CEPH-001', failed('HEALTH_WARN')), p2('NET-GW-011', failed('slow'))],
      loadWaivers(wf).active,
    );
    expect(d.gate).toBe('CONCERNS');
    expect(d.waived).toHaveLength(1);
  });

  it('CONCERNS when a failure has no evidence on disk (evidence incomplete)', () => {
    const d = gateOf([
      p0('NET-A-001'),
      p2('NET-B-001', {
        outcome: 'failed',
        message: 'x',
        danglingEvidence: ['attachments/NET-B-001/gone.txt'],
      }),
    ]);
    expect(d.gate).toBe('CONCERNS');
    expect(d.evidence.problems).toContain(
      'NET-B-001@infra: evidence attachments/NET-B-001/gone.txt is missing on disk',
    );
  });

  it('insufficient evidence is NO-GO (FAIL): a failure without attachment, no run.json', () => {
    const d = gateOf([p0('NET-A-001'), ...tenP1(1).map((c) => ({ ...c, evidence: undefined }))], [], {
      runJson: false,
    });
    expect(d.gate).toBe('FAIL');
    expect(d.reasons.join('\n')).toMatch(/Evidence insufficient: .*no run\.json/);
    expect(d.evidence.problems.join('\n')).toMatch(/no run\.json/);
    expect(d.evidence.problems.join('\n')).toMatch(/NET-P1-0@infra failed without an evidence attachment/);
  });

  it('a metric without a target is a measurement, not incomplete evidence', () => {
    const d = gateOf([
      p0('NET-A-001'),
      p2('NET-DNS-001', { metrics: { dns_lookup_avg_ms: [3.8, undefined] } }),
    ]);
    expect(d.gate).toBe('PASS');
    expect(d.evidence.complete).toBe(true);
  });

  it("accepts the reporter's run.json nulls and FAILs a run that never finished", () => {
    const dir = writeRun(tmp(), {
      runId: '20261122T020000Z-000003',
      cases: [p0('NET-A-001')],
      outcome: 'running' as 'passed',
      clusters: ['infra', 'apps'],
      clusterOverrides: { apps: { ok: null, identity: { expected: 'apps' } } },
    });
    const d = evaluate(loadRuns([dir]), PLATFORM_STORY, []).decision;
    expect(d.gate).toBe('FAIL');
    expect(d.reasons).toEqual(['Run 20261122T020000Z-000003 never finished (run.json still says running).']);
  });

  it('CONCERNS when a selected P0 check was skipped (all P0 must pass; a skip is not a pass)', () => {
    const d = gateOf([p0('NET-A-001'), p0('NET-A-002', { outcome: 'skipped' }), ...tenP1(0)]);
    expect(d.gate).toBe('CONCERNS');
    expect(d.reasons[0]).toBe('P0 check skipped, so not shown to pass: NET-A-002@infra.');
  });

  it('performance NFR: a baseline check that failed before measuring is "not measured", not reliability', () => {
    const dir = writeRun(tmp(), {
      runId: '20261122T020000Z-000004',
      cases: [
        p0('NET-A-001'),
        p2('PERF-HTTP-001', { ...failed('tunnel failed'), metrics: { http_p95_ms: [undefined, 100] } }),
        p2('PERF-DNS-001', { metrics: { dns_avg_ms: [3.1, 10] } }),
      ],
    });
    const e = evaluate(loadRuns([dir]), PLATFORM_STORY, []);
    expect(e.nfr.performance.status).toBe('CONCERNS');
    expect(e.nfr.performance.notes).toBe(
      '1/2 baseline checks passed. Failed: PERF-HTTP-001@infra (P2). Not measured: http_p95_ms@infra (target <= 100). Measured: dns_avg_ms@infra 3.1 (target <= 10).',
    );
    expect(e.nfr.reliability.notes).toBe('1/1 reliability checks passed.');
  });
});
