// "Every check names the fault that turns it red, and a test shows it failing for the right reason."
// The fault matrix: every check id of suites/**/*.test.ts has at least one proof that it goes red,
//   - a lab scenario that expects it to fail with a cause pattern (test/lab/catalogue/scenario-cases.ts
//     `fail`; `mayFail` is no proof), or
//   - a unit test whose title starts with the id(s) and "fails"/"fail", e.g. the titles
//     'DB-CNPG-001 fails: only 1 of 2 standbys streaming' or
//     'BOOT-CORE-005, BOOT-CORE-008 fail naming the Deployment ...', of a plain it( or test( in
//     test/unit/**/*.test.ts (it.skip, it.each, it.todo and commented-out tests are no proof).
// Read statically (nothing is run or written); a proof naming an id that is no check fails too.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CASES } from '../../lab/catalogue/scenario-cases.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Checks without a proof: id -> why its failing shape cannot be shown without a live system. */
const EXCEPTIONS: Record<string, string> = {};

const ID = '[A-Z][A-Z0-9]*-[A-Z0-9]+-\\d+';
/** A unit test title naming the checks it proves red: `<ID>[, <ID>...] fail(s)...`. */
const PROOF_TITLE = new RegExp(`^(${ID}(?:, ${ID})*) fails?\\b`);
/** Any title that starts like a check id (to catch a typo or a removed check). */
const ID_TITLE = new RegExp(`^(${ID}(?:, ${ID})*)\\b`);

const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
const testFiles = (dir: string) =>
  (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join(dir, f))
    .sort();

/** Check ids declared in suites/ (as suite-lines.test.ts reads them), with their file. */
function checkIds(): Map<string, string> {
  const ids = new Map<string, string>();
  for (const f of testFiles('suites'))
    for (const m of read(f).matchAll(/^\s+id: '([^']+)'/gm)) ids.set(m[1]!, f);
  return ids;
}

/** Titles of plain it(/test( calls in a test file, with their line and their body (to the next one). */
function titles(source: string): { title: string; line: number; body: string }[] {
  const out: { title: string; line: number; body: string }[] = [];
  // line comments blanked (lines kept): a commented-out test proves nothing
  source = source.replace(/^\s*\/\/.*$/gm, '');
  const found = [...source.matchAll(/(?<![.\w])(?:it|test)\(\s*(['"`])((?:(?!\1)[^\\]|\\.)*)\1/g)];
  found.forEach((m, i) => {
    const end = found[i + 1]?.index ?? source.length;
    out.push({
      title: m[2]!,
      line: source.slice(0, m.index).split('\n').length,
      body: source.slice(m.index + m[0].length, end),
    });
  });
  return out;
}

/**
 * A proof shows the cause, not just any failure: its body asserts on the failure's message or the
 * named objects (toMatch/toContain/toThrow, a rejects, toBe/toEqual of a string, list or object).
 * A test titled "<id> fails" that only expects something falsy proves nothing about the reason.
 */
export const ASSERTS_CAUSE =
  /\.(?:toMatch|toContain|toThrow|toThrowError|toMatchObject)\(|\.rejects\b|\.(?:toBe|toEqual|toStrictEqual)\(\s*['"`[{/]/;

interface Proof {
  id: string;
  /** file:line or scenario name */
  by: string;
}

function scenarioProofs(): Proof[] {
  return CASES.flatMap((c) =>
    Object.keys(c.fail).map((key) => ({ id: key.split(':')[1]!, by: `lab scenario ${c.name} (${key})` })),
  );
}

function unitProofs(): { proofs: Proof[]; stray: string[]; hollow: string[] } {
  const proofs: Proof[] = [];
  const stray: string[] = [];
  const hollow: string[] = [];
  for (const f of testFiles('test/unit')) {
    for (const { title, line, body } of titles(read(f))) {
      const at = `${f}:${line}`;
      const named = PROOF_TITLE.exec(title)?.[1];
      if (named && !ASSERTS_CAUSE.test(body)) hollow.push(`${at}: "${title}"`);
      else if (named) for (const id of named.split(', ')) proofs.push({ id, by: at });
      else if (ID_TITLE.test(title))
        stray.push(`${at}: "${title}" starts with a check id but not "<id> fails"`);
    }
  }
  return { proofs, stray, hollow };
}

describe('fault matrix: every check has a test that shows it red for the right reason', () => {
  const checks = checkIds();
  const scenarios = scenarioProofs();
  const { proofs: units, stray, hollow } = unitProofs();
  const proven = new Map<string, string[]>();
  for (const p of [...scenarios, ...units]) proven.set(p.id, [...(proven.get(p.id) ?? []), p.by]);

  it('reads the catalogue, the scenarios and the unit proofs', () => {
    expect(checks.size).toBeGreaterThan(40);
    expect(scenarios.length).toBeGreaterThan(10);
    expect(units.length).toBeGreaterThan(10);
  });

  it('every check has a proof (a lab scenario or a unit test titled "<id> fails"), or a stated exception', () => {
    const unproven = [...checks]
      .filter(([id]) => !proven.has(id) && !EXCEPTIONS[id])
      .map(([id, file]) => `${id} (${file})`);
    expect(
      unproven,
      'checks no test shows red: add a unit test titled "<id> fails: <reason>" on fakes, or a lab scenario',
    ).toEqual([]);
  });

  it('every proof and exception names a check of suites/, in the "<id> fails" form', () => {
    const unknown = [
      ...[...proven].filter(([id]) => !checks.has(id)).map(([id, by]) => `${id}: ${by.join(', ')}`),
      ...Object.keys(EXCEPTIONS)
        .filter((id) => !checks.has(id))
        .map((id) => `${id}: EXCEPTIONS`),
    ];
    expect(unknown, 'proofs naming an id that is not a check').toEqual([]);
    expect(stray, 'unit test titles starting with an id').toEqual([]);
  });

  it('a unit proof asserts the cause of the failure (its message), not only that something failed', () => {
    expect(hollow, 'tests titled "<id> fails" whose body never asserts on a message').toEqual([]);
    // the rule itself: a body that only checks a boolean is hollow, one matching the message is not
    const call = (body: string) => ['it', `('X-A-001 fails', () => { ${body} });`].join('');
    const [empty, real] = titles(`${call('expect(ok).toBe(false);')}\n${call('expect(m).toMatch(/x/);')}`);
    expect([ASSERTS_CAUSE.test(empty!.body), ASSERTS_CAUSE.test(real!.body)]).toEqual([false, true]);
  });

  it('an exception is only for a check without a proof', () => {
    expect(Object.keys(EXCEPTIONS).filter((id) => proven.has(id))).toEqual([]);
  });
});
