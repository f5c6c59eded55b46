import { describe, expect, it } from 'vitest';
import { findStory, type StoryInfo } from '../../../helpers/trace/catalogue.js';
import type { CheckResult } from '../../../reports/gate/model.js';
import { traceStories, type TraceContext } from '../../../reports/gate/trace.js';

const NET = findStory('NET')!;
const BOOT = findStory('BOOT')!;
const ctx = (over: Partial<TraceContext> = {}): TraceContext => ({
  clusters: ['apps', 'infra'],
  declared: [],
  runProblems: [],
  ...over,
});

function result(
  id: string,
  cluster: string,
  outcome: CheckResult['outcome'],
  refs: Partial<CheckResult>,
): CheckResult {
  return {
    id,
    title: id,
    cluster,
    priority: 'P0',
    prioritySource: 'property',
    story: NET.id,
    stories: [NET.id],
    ac: [],
    risks: [],
    attempts: 1,
    flaky: false,
    disruptive: false,
    evidence: [],
    baselines: [],
    outcome,
    durationMs: 1,
    foreign: false,
    runDir: '/tmp',
    source: 'junit.xml',
    ...refs,
  };
}

const item = (t: ReturnType<typeof traceStories>, ac: string) => t.acs.find((a) => a.ac === ac)!;
const one = (s: StoryInfo, cs: CheckResult[], c = ctx()) => traceStories([s], cs, [], c);

describe('trace per item x cluster', () => {
  it('every item of the story appears; an item no check names is a gap with the reason of its kind', () => {
    const t = one(NET, []);
    expect(t.acs.filter((a) => !a.na)).toHaveLength(
      NET.items.filter((i) => !['n/a', 'gate'].includes(i.kind)).length,
    );
    expect(item(t, 'AC2.8').gap).toBe('no check');
    expect(item(t, 'AC2.10').gap).toMatch(/^needs an external system/);
    expect(item(t, 'AC12.7').gap).toMatch(/^procedure/);
    // the framework's own items (the API reachable on both clusters) hold when the run proved its clusters
    expect(item(t, 'AC1.3').covered).toBe(true);
    expect(item(one(NET, [], ctx({ runProblems: ['cluster apps was not proven'] })), 'AC1.3').gap).toBe(
      'framework: cluster apps was not proven',
    );
  });

  it('a "both clusters" item passed on one cluster only is a gap naming the other', () => {
    const ac = [`${NET.id}:AC2.1`];
    expect(NET.items.find((i) => i.id === 'AC2.1')!.scope).toBe('both');
    const t = one(NET, [result('NET-CILIUM-001', 'infra', 'passed', { ac })]);
    expect(item(t, 'AC2.1')).toMatchObject({ covered: false, gap: 'not run on apps' });
    const both = one(NET, [
      result('NET-CILIUM-001', 'infra', 'passed', { ac }),
      result('NET-CILIUM-001', 'apps', 'passed', { ac }),
    ]);
    expect(item(both, 'AC2.1').covered).toBe(true);
  });

  it('an item named by several checks needs all of them: one failing or skipped is a gap', () => {
    const ac = [`${NET.id}:P0-4`];
    const pass = (id: string, cl: string) => result(id, cl, 'passed', { ac });
    const t = one(NET, [pass('STO-CLASS-001', 'infra'), result('STO-CEPH-001', 'infra', 'failed', { ac })]);
    expect(item(t, 'P0-4').gap).toBe('failed: STO-CEPH-001@infra');
    const s = one(NET, [
      pass('STO-CLASS-001', 'infra'),
      result('STO-CEPH-001', 'infra', 'skipped', { ac, skipReason: 'facts.storage.ceph.enabled is false' }),
    ]);
    expect(item(s, 'P0-4').gap).toBe('skipped: STO-CEPH-001@infra (facts.storage.ceph.enabled is false)');
  });

  it('a check the catalogue declares but the run did not select leaves its item uncovered, with why', () => {
    const ac = [`${NET.id}:AC3.4`];
    const t = one(NET, [result('STO-CEPH-001', 'infra', 'passed', { ac })], {
      ...ctx(),
      declared: [
        { id: 'STO-CEPH-001', cluster: 'infra', file: 'f', ac, selected: true },
        { id: 'STO-CEPH-002', cluster: 'infra', file: 'f', ac, selected: false, why: '--grep P1' },
      ],
    });
    expect(item(t, 'AC3.4').gap).toBe('not selected: STO-CEPH-002@infra (--grep P1)');
  });

  it('a check credits the items of another story it names (one check, several stories)', () => {
    const c = result('BOOT-CORE-001', 'infra', 'passed', {
      story: BOOT.id,
      stories: [BOOT.id, NET.id],
      ac: [`${BOOT.id}:AC2a`, `${NET.id}:AC1.1`],
    });
    expect(item(one(NET, [c]), 'AC1.1').covered).toBe(true);
    expect(item(one(BOOT, [c]), 'AC2a').gap).toBe('not run on apps');
  });

  it('a ref the catalogue does not know never covers anything and is named in the note', () => {
    const t = one(NET, [result('X-001', 'infra', 'passed', { ac: [`${NET.id}:AC2`] })]);
    expect(item(t, 'AC2')).toMatchObject({ covered: false, gap: expect.stringMatching(/not an item of/) });
    expect(t.note).toMatch(/STORY-VALIDATE-NETWORKING:AC2/);
  });
});

describe('trace per risk', () => {
  const risks = [`${NET.id}:R5`];
  const risk = (t: ReturnType<typeof traceStories>, id: string) => t.risks.find((r) => r.risk === id)!;

  it('every risk of the profile appears, with its level; one with no check is "no-check"', () => {
    const t = one(NET, []);
    expect(t.risks.map((r) => r.risk)).toEqual(NET.risks.map((r) => r.id));
    expect(risk(t, 'R7')).toMatchObject({
      status: 'no-check',
      level: 'medium',
      title: 'BGP peering failure',
    });
  });

  it('"passed" needs all its checks passed, not any: a skipped one leaves it not-run', () => {
    const pass = result('STO-CEPH-001', 'infra', 'passed', { risks });
    expect(risk(one(NET, [pass]), 'R5').status).toBe('passed');
    const t = one(NET, [pass, result('STO-CEPH-002', 'infra', 'skipped', { risks })]);
    expect(risk(t, 'R5').status).toBe('not-run');
    expect(risk(one(NET, [pass, result('STO-CEPH-002', 'apps', 'failed', { risks })]), 'R5').status).toBe(
      'failed',
    );
  });

  it('risk ids are namespaced by profile: SEC-001 of one profile is not SEC-001 of another', () => {
    const c = result('DB-DRAGONFLY-006', 'apps', 'failed', {
      story: 'STORY-DB-DRAGONFLY-OPERATOR-CLUSTER',
      risks: ['STORY-DB-DRAGONFLY-OPERATOR-CLUSTER:SEC-001'],
    });
    expect(risk(one(BOOT, [c]), 'SEC-001').status).toBe('no-check');
  });
});
