// Check metadata against the trace catalogue (helpers/trace): `story`, `ac` and `risks` must name
// stories, items and risks that exist, or the check is refused at collection like an unknown tag.
import { describe, expect, it } from 'vitest';
import { CheckDefinitionError, parseCheckMeta } from '../../../helpers/check/meta.js';

const FILE = 'suites/x/refs.test.ts';
const meta = (extra: Record<string, unknown>) => ({
  id: 'REF-001',
  title: 'refs',
  priority: 'P1',
  component: 'cilium',
  clusters: ['infra'],
  story: 'STORY-VALIDATE-NETWORKING',
  ...extra,
});
const parse = (extra: Record<string, unknown>) => parseCheckMeta(meta(extra), FILE);

/** The single-line error parseCheckMeta throws for these metadata. */
function refusal(extra: Record<string, unknown>): string {
  try {
    parse(extra);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckDefinitionError);
    return (e as Error).message;
  }
  throw new Error(`accepted: ${JSON.stringify(meta(extra))}`);
}

describe('check metadata refs against the trace catalogue', () => {
  it('rejects an unknown story, naming it, the file and the known stories', () => {
    const m = refusal({ story: 'STORY-SELFTEST' });
    expect(m).toMatch(/^suites\/x\/refs\.test\.ts: check REF-001: story: "STORY-SELFTEST" is unknown/);
    expect(m).toMatch(/expected one of STORY-VALIDATE-NETWORKING \(NET\), STORY-BOOT-CORE \(BOOT\)/);
    expect(m.split('\n')).toHaveLength(1);
  });

  it('rejects an unknown item of its own story, naming the ref, the story and the file', () => {
    const m = refusal({ ac: ['AC2.8', 'AC2'] });
    expect(m).toMatch(/^suites\/x\/refs\.test\.ts: check REF-001: /);
    expect(m).toMatch(
      /ac: "AC2" is not an item of STORY-VALIDATE-NETWORKING \(helpers\/trace\/stories\); known: AC1\.1, /,
    );
    expect(m).not.toMatch(/"AC2\.8"/); // the known one is not a problem
  });

  it('rejects an unknown risk of its story profile, naming the ref and the file', () => {
    const m = refusal({ risks: ['R1', 'TECH-001'] });
    expect(m).toMatch(/^suites\/x\/refs\.test\.ts: check REF-001: /);
    expect(m).toMatch(/risks: "TECH-001" is not a risk of STORY-VALIDATE-NETWORKING .*known: R1, R2, /);
    expect(m).not.toMatch(/"R1"/);
  });

  it('rejects a qualified ref to an unknown story, naming the ref, the story and the file', () => {
    const m = refusal({ ac: ['NOPE:AC1'] });
    expect(m).toMatch(/^suites\/x\/refs\.test\.ts: check REF-001: ac: "NOPE:AC1" names unknown story NOPE/);
    expect(refusal({ risks: ['STORY-SELFTEST:R1'] })).toMatch(
      /^suites\/x\/refs\.test\.ts: check REF-001: risks: "STORY-SELFTEST:R1" names unknown story STORY-SELFTEST/,
    );
  });

  it('rejects a qualified ref to an item the other story lacks', () => {
    expect(refusal({ ac: ['BOOT:AC2.8'] })).toMatch(/ac: "BOOT:AC2\.8" is not an item of STORY-BOOT-CORE/);
    expect(refusal({ risks: ['BOOT:R1'] })).toMatch(/risks: "BOOT:R1" is not a risk of STORY-BOOT-CORE/);
  });

  it('names every bad ref in the one error', () => {
    const m = refusal({ ac: ['AC99', 'CILIUM:NOPE'], risks: ['X-1'] });
    expect(m).toMatch(/"AC99"/);
    expect(m).toMatch(/"CILIUM:NOPE" is not an item of STORY-NET-CILIUM-CORE-GITOPS/);
    expect(m).toMatch(/"X-1" is not a risk/);
  });

  it('accepts its own refs and qualifies them by the story id', () => {
    const m = parse({ ac: ['AC2.8', 'P1-1'], risks: ['R7'] });
    expect(m.story).toBe('STORY-VALIDATE-NETWORKING');
    expect(m.ac).toEqual(['STORY-VALIDATE-NETWORKING:AC2.8', 'STORY-VALIDATE-NETWORKING:P1-1']);
    expect(m.risks).toEqual(['STORY-VALIDATE-NETWORKING:R7']);
    expect(m.stories).toEqual(['STORY-VALIDATE-NETWORKING']);
  });

  it('accepts an alias as story and refs of other stories by alias or id, crediting each story', () => {
    const m = parse({
      story: 'BOOT',
      ac: ['AC2b', 'NET:AC2.8', 'STORY-NET-CILIUM-CORE-GITOPS:Test.1'],
      risks: ['TECH-001', 'DRAGONFLY:SEC-002', 'GITSYNC:RISK-T001'],
    });
    expect(m.story).toBe('STORY-BOOT-CORE');
    expect(m.ac).toEqual([
      'STORY-BOOT-CORE:AC2b',
      'STORY-VALIDATE-NETWORKING:AC2.8',
      'STORY-NET-CILIUM-CORE-GITOPS:Test.1',
    ]);
    expect(m.risks).toEqual([
      'STORY-BOOT-CORE:TECH-001',
      'STORY-DB-DRAGONFLY-OPERATOR-CLUSTER:SEC-002',
      'RISKS-GITOPS-SYNC:RISK-T001',
    ]);
    expect(m.stories).toEqual([
      'STORY-BOOT-CORE',
      'STORY-VALIDATE-NETWORKING',
      'STORY-NET-CILIUM-CORE-GITOPS',
      'STORY-DB-DRAGONFLY-OPERATOR-CLUSTER',
      'RISKS-GITOPS-SYNC',
    ]);
  });

  it('credits another story only through its refs: NET:AC2.8 of a CILIUM check', () => {
    const m = parse({ story: 'STORY-NET-CILIUM-CORE-GITOPS', ac: ['NET:AC2.8'] });
    expect(m.ac).toEqual(['STORY-VALIDATE-NETWORKING:AC2.8']);
    expect(m.risks).toEqual([]);
    expect(m.stories).toEqual(['STORY-NET-CILIUM-CORE-GITOPS', 'STORY-VALIDATE-NETWORKING']);
  });
});
