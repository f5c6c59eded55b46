// Issue 14: "Suite lines per check: median at most 25, none over 40 without a stated reason". A check
// is measured from its `x.check(` (or `check(`) line at column 0 to the first `);` at column 0 after
// it, both included, over suites/**/*.test.ts. A check that grows beyond 40 lines moves its mechanism
// into helpers/probes, or is listed in EXCEPTIONS with the reason it cannot.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const MEDIAN_MAX = 25;
const CHECK_MAX = 40;

/** Checks allowed over CHECK_MAX lines: id -> why its mechanism cannot move into helpers. */
const EXCEPTIONS: Record<string, string> = {};

interface Measured {
  id: string;
  /** file:line of the check( line, for the message */
  at: string;
  lines: number;
}

/** Every check of one suite file with its length in lines; throws on a check( without its `);`. */
function measureChecks(file: string, source: string): Measured[] {
  const lines = source.split('\n');
  const out: Measured[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^(\w+\.)?check\(/.test(lines[i]!)) continue;
    const end = lines.findIndex((l, j) => j > i && l === ');');
    if (end < 0) throw new Error(`${file}:${i + 1}: check( without a closing ');' at column 0`);
    const id = /\bid: '([^']+)'/.exec(lines.slice(i, end).join('\n'))?.[1];
    if (!id) throw new Error(`${file}:${i + 1}: check( without an id`);
    out.push({ id, at: `${file}:${i + 1}`, lines: end - i + 1 });
    i = end;
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function suiteFiles(): string[] {
  return (fs.readdirSync(path.join(ROOT, 'suites'), { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join('suites', f))
    .sort();
}

const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

describe('suite lines per check (issue 14)', () => {
  const checks = suiteFiles().flatMap((f) => measureChecks(f, read(f)));

  it('measures every check of the catalogue: each id of suites/ is a check( at column 0', () => {
    const ids = suiteFiles().flatMap((f) => [...read(f).matchAll(/^\s+id: '([^']+)'/gm)].map((m) => m[1]));
    expect(checks.map((c) => c.id).sort()).toEqual(ids.sort());
    expect(checks.length).toBeGreaterThan(40);
  });

  it(`median at most ${MEDIAN_MAX} lines`, () => {
    const m = median(checks.map((c) => c.lines));
    const longest = [...checks].sort((a, b) => b.lines - a.lines).slice(0, 5);
    expect(
      m,
      `median lines per check; longest: ${longest.map((c) => `${c.id} ${c.lines}`).join(', ')}`,
    ).toBeLessThanOrEqual(MEDIAN_MAX);
  });

  it(`no check over ${CHECK_MAX} lines without a stated reason`, () => {
    const over = checks
      .filter((c) => c.lines > CHECK_MAX && !EXCEPTIONS[c.id])
      .map((c) => `${c.id} (${c.at}): ${c.lines} lines`);
    expect(
      over,
      `checks over ${CHECK_MAX} lines: move the mechanism into helpers/probes, or state why in EXCEPTIONS`,
    ).toEqual([]);
  });

  it('every exception is still needed (its check exists and is over the limit) and says why', () => {
    const stale = Object.entries(EXCEPTIONS)
      .filter(([id, why]) => !why.trim() || !checks.some((c) => c.id === id && c.lines > CHECK_MAX))
      .map(([id]) => id);
    expect(stale, 'EXCEPTIONS entries without a reason, or whose check is gone or within the limit').toEqual(
      [],
    );
  });

  it('counts from the check( line to its `);` at column 0, both included', () => {
    const src = [
      "import { suite } from 'x';",
      'const s = suite({});',
      "s.check({ id: 'A-1' }, async () => {",
      '  f();',
      '});',
      ');',
      'check(',
      "  { id: 'B-2', title: 'x' },",
      '  body,',
      ');',
    ].join('\n');
    expect(measureChecks('x.test.ts', src)).toEqual([
      { id: 'A-1', at: 'x.test.ts:3', lines: 4 },
      { id: 'B-2', at: 'x.test.ts:7', lines: 4 },
    ]);
    expect(() => measureChecks('y.test.ts', "s.check({ id: 'C' }, b)")).toThrow(/y\.test\.ts:1: .*closing/);
    expect(median([23, 50, 1])).toBe(23);
    expect(median([22, 23, 1, 50])).toBe(22.5);
  });
});
