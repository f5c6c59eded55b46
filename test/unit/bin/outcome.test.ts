// The run's verdict (bin/outcome.ts) is a pure function: each row is one branch of it.
import { describe, expect, it } from 'vitest';
import { decideOutcome, exitCode, type OutcomeInputs } from '../../../bin/outcome.js';
import type { RunSummary } from '../../../reports/junit/reporter.js';
import { emptyManifest } from '../../../reports/junit/manifest.js';

function summary(t: Partial<RunSummary['totals']> = {}, extra: Partial<RunSummary> = {}): RunSummary {
  const totals = { passed: 0, failed: 0, skipped: 0, excludedDisruptive: 0, flaky: 0, ...t };
  return {
    perCluster: { infra: totals },
    totals,
    collectionErrors: [],
    catalogueErrors: [],
    unhandledErrors: [],
    frameworkErrors: [],
    junitFiles: [],
    reason: 'passed',
    manifest: emptyManifest(null, ['infra']),
    ...extra,
  };
}

const proven = { ok: true, context: 'c', expected: 'e', seen: 'e' };
const base: OutcomeInputs = {
  interrupted: false,
  summary: summary({ passed: 2 }),
  identities: { infra: proven },
  cleanup: { infra: { ok: true, leftovers: [] } },
  vitestFailures: [],
  projects: ['infra'],
};

const rows: { name: string; in: Partial<OutcomeInputs>; outcome: string; reasons: RegExp[]; exit: number }[] =
  [
    {
      name: 'checks ran, none failed, all proven and cleaned: passed',
      in: {},
      outcome: 'passed',
      reasons: [],
      exit: 0,
    },
    {
      name: 'interrupted wins over everything else',
      in: { interrupted: true, startError: 'boom', summary: undefined },
      outcome: 'interrupted',
      reasons: [/^vitest failed: boom$/, /^interrupted$/, /no test run happened/],
      exit: 130,
    },
    {
      name: 'vitest could not start: error',
      in: { startError: 'bad config' },
      outcome: 'error',
      reasons: [/^vitest failed: bad config$/],
      exit: 1,
    },
    {
      name: 'no summary (the run never reached its end): error',
      in: { summary: undefined },
      outcome: 'error',
      reasons: [/^no test run happened/],
      exit: 1,
    },
    {
      name: 'zero checks ran: error naming the selection',
      in: { summary: summary({ skipped: 3, excludedDisruptive: 1 }), grep: 'P2' },
      outcome: 'error',
      reasons: [/^zero checks selected \(projects: infra, --grep "P2", 1 disruptive excluded\)$/],
      exit: 1,
    },
    {
      name: 'a failed check: failed',
      in: { summary: summary({ passed: 1, failed: 1 }) },
      outcome: 'failed',
      reasons: [/^1 check\(s\) failed$/],
      exit: 1,
    },
    {
      name: 'an unproven cluster: failed even when its checks passed',
      in: { identities: { infra: { ...proven, ok: false, error: 'ECONNREFUSED' } } },
      outcome: 'failed',
      reasons: [/^cluster infra: ECONNREFUSED$/],
      exit: 1,
    },
    {
      name: 'catalogue, collection, framework and unhandled errors each give a reason',
      in: {
        summary: summary(
          { passed: 1 },
          {
            catalogueErrors: ['dup'],
            collectionErrors: ['c'],
            frameworkErrors: ['f'],
            unhandledErrors: ['u'],
          },
        ),
      },
      outcome: 'failed',
      reasons: [/^dup$/, /^collection: c$/, /^framework: f$/, /^unhandled: u$/],
      exit: 1,
    },
    {
      name: 'vitest counts a failure the reporter missed: failed',
      in: { vitestFailures: ['suites/a.test.ts (infra) failed'] },
      outcome: 'failed',
      reasons: [/^vitest: suites\/a\.test\.ts \(infra\) failed$/],
      exit: 1,
    },
    {
      name: "vitest's failures are not repeated when the reporter already counts failed checks",
      in: { summary: summary({ failed: 1 }), vitestFailures: ['x failed'] },
      outcome: 'failed',
      reasons: [/^1 check\(s\) failed$/],
      exit: 1,
    },
    {
      name: 'cleanup that left resources: failed',
      in: { cleanup: { infra: { ok: false, leftovers: ['namespace pv-x'] } } },
      outcome: 'failed',
      reasons: [/^cleanup on infra failed; may be left: namespace pv-x$/],
      exit: 1,
    },
    {
      name: 'zero checks ran and a cluster unproven: error',
      in: { summary: summary(), identities: { infra: { ...proven, ok: false, error: 'no route' } } },
      outcome: 'error',
      reasons: [/^zero checks selected/, /^cluster infra: no route$/],
      exit: 1,
    },
  ];

describe('decideOutcome', () => {
  it.each(rows)('$name', (row) => {
    const v = decideOutcome({ ...base, ...row.in });
    expect(v.outcome).toBe(row.outcome);
    expect(v.reasons).toHaveLength(row.reasons.length);
    row.reasons.forEach((re, k) => expect(v.reasons[k]).toMatch(re));
    expect(exitCode(v.outcome, 130)).toBe(row.exit);
  });

  it('SIGTERM keeps its own exit code', () => {
    expect(exitCode('interrupted', 143)).toBe(143);
  });
});
