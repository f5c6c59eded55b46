// `pnpm gate --publish`: the QAGate status a decision becomes, and the CLI's refusals. Writing it to
// a real API server, and Flux's kustomize-controller waiting on it: test/lab/lab/gate-publish.test.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerSecret } from '../../../helpers/evidence/redact.js';
import type { Evaluation } from '../../../reports/gate/evaluate.js';
import type { CheckResult, GateStatus } from '../../../reports/gate/model.js';
import { parseQAGateRef, qaGateStatus } from '../../../reports/gate/publish.js';
import { twoClusterConfig } from '../harness.js';
import { writeRun } from './builder.js';
import { gateAsync, tmp } from './helpers.js';

function evaluation(gate: GateStatus, reasons: string[], checks: Partial<CheckResult>[] = []): Evaluation {
  return {
    story: 'platform',
    decision: { gate, reasons },
    checks: checks as CheckResult[],
  } as unknown as Evaluation;
}

const base = { runId: '20261206T020000Z-abc123', environment: 'lab', cluster: 'infra', generation: 3 };

describe('QAGate status of a decision', () => {
  it('FAIL is Ready=False, PASS/WAIVED/CONCERNS Ready=True, each with its reason and the generation seen', () => {
    const now = new Date('2026-12-06T14:00:00.123Z');
    const fail = qaGateStatus({
      ...base,
      evaluation: evaluation('FAIL', ['P0 check failed: NET-DNS-001@infra']),
      now,
    });
    expect(fail.decision).toBe('FAIL');
    expect(fail.conditions).toEqual([
      expect.objectContaining({
        type: 'Ready',
        status: 'False',
        reason: 'Failed',
        observedGeneration: 3,
        lastTransitionTime: '2026-12-06T14:00:00Z',
      }),
    ]);
    expect(fail.conditions[0]!.message).toMatch(
      /QA gate FAIL for run 20261206T020000Z-abc123.*NET-DNS-001@infra/,
    );
    expect(fail.observedGeneration).toBe(3);
    for (const [g, reason] of [
      ['PASS', 'Passed'],
      ['WAIVED', 'Waived'],
      ['CONCERNS', 'Concerns'],
    ] as const) {
      const s = qaGateStatus({ ...base, evaluation: evaluation(g, []), now });
      expect(s.conditions[0]).toMatchObject({ status: 'True', reason });
    }
  });

  it('moves lastTransitionTime only when Ready changes', () => {
    const first = qaGateStatus({
      ...base,
      evaluation: evaluation('PASS', []),
      now: new Date('2026-12-06T01:00:00Z'),
    });
    const again = qaGateStatus({
      ...base,
      evaluation: evaluation('CONCERNS', []),
      previous: first.conditions,
      now: new Date('2026-12-06T02:00:00Z'),
    });
    expect(again.conditions[0]!.lastTransitionTime).toBe('2026-12-06T01:00:00Z');
    const failed = qaGateStatus({
      ...base,
      evaluation: evaluation('FAIL', []),
      previous: again.conditions,
      now: new Date('2026-12-06T03:00:00Z'),
    });
    expect(failed.conditions[0]!.lastTransitionTime).toBe('2026-12-06T03:00:00Z');
  });

  it("counts this cluster's checks only and never carries a secret", () => {
    registerSecret('s3cr3t-publish-value');
    const s = qaGateStatus({
      ...base,
      evaluation: evaluation(
        'FAIL',
        ['check failed: password=s3cr3t-publish-value refused'],
        [
          { cluster: 'infra', outcome: 'passed' },
          { cluster: 'infra', outcome: 'failed' },
          { cluster: 'apps', outcome: 'failed' },
          { cluster: 'infra', outcome: 'skipped' },
        ],
      ),
      now: new Date(),
    });
    expect(s.counts).toEqual({ passed: 1, failed: 1, skipped: 1 });
    expect(JSON.stringify(s)).not.toContain('s3cr3t-publish-value');
  });

  it('takes <namespace>/<name> and refuses anything else, naming the flag', () => {
    expect(parseQAGateRef('platform-validation/platform')).toEqual({
      namespace: 'platform-validation',
      name: 'platform',
    });
    expect(() => parseQAGateRef('platform')).toThrow(/--publish-to platform: expected <namespace>\/<name>/);
    expect(() => parseQAGateRef('A/b')).toThrow(/expected <namespace>\/<name>/);
  });
});

describe('pnpm gate --publish', () => {
  const passing = () => {
    const root = tmp();
    const dir = writeRun(join(root, 'evidence'), {
      runId: '20261206T020000Z-0000p1',
      cases: [
        { id: 'NET-A-001', priority: 'P0', cluster: 'infra' },
        { id: 'NET-A-001', priority: 'P0', cluster: 'apps' },
      ],
    });
    return { dir, gates: join(root, 'gates') };
  };

  it('refuses --publish-to without --publish, and a malformed target, before anything is written', async () => {
    const r = passing();
    const a = await gateAsync([
      '--run',
      r.dir,
      '--gates-dir',
      r.gates,
      '--no-report',
      '--publish-to',
      'ns/x',
    ]);
    expect(a.code).toBe(3);
    expect(a.stderr).toMatch(/--publish-to is given without --publish/);
    const b = await gateAsync(['--run', r.dir, '--no-report', '--publish', '--publish-to', 'nope']);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/--publish-to nope: expected <namespace>\/<name> of a QAGate/);
  });

  it('refuses a run whose run.json names no config file (it cannot tell the clusters)', async () => {
    const r = passing();
    const res = await gateAsync(['--run', r.dir, '--gates-dir', r.gates, '--no-report', '--publish']);
    expect(res.code).toBe(3);
    expect(res.stderr).toMatch(/--publish: run\.json of .* names no environment and config file/);
  });

  it('a PASS that could not be published on every cluster exits 5, naming each cluster', async () => {
    const r = passing();
    const cfg = await twoClusterConfig({ env: 'lab' });
    const file = join(r.dir, 'run.json');
    const j = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...j, configFile: cfg }));
    const res = await gateAsync(['--run', r.dir, '--gates-dir', r.gates, '--no-report', '--publish']);
    expect(res.stdout).toMatch(/QA gate platform: PASS/);
    expect(res.stderr).toMatch(
      /publish infra: QAGate platform-validation\/platform: .*(ECONNREFUSED|connect)/,
    );
    expect(res.stderr).toMatch(/publish apps: QAGate platform-validation\/platform: /);
    expect(res.code).toBe(5);
  });
});
