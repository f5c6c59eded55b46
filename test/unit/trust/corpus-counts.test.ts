// README states the sizes of the trust corpora; derived here from the corpus folders, so the sentence
// cannot go stale when a class or a vector is added.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../harness.js';

const fg = path.join(ROOT, 'test/fixtures/false-green');

export function corpusCounts(): { falseGreen: number; leak: number } {
  const runClasses = readdirSync(fg).filter((f) => f.endsWith('.test.ts')).length;
  const gateClasses = readdirSync(path.join(fg, 'gate')).filter(
    (f) => f.endsWith('.ts') && f !== 'types.ts',
  ).length;
  const src = readFileSync(path.join(ROOT, 'test/fixtures/leak/leak.test.ts'), 'utf8');
  const checks = [...src.matchAll(/check\(meta\('([A-Z0-9]+)'\)/g)].length;
  const table = src.slice(src.indexOf('const patterns'), src.indexOf('};', src.indexOf('const patterns')));
  const patterns = [...table.matchAll(/^ {2}([A-Z0-9]+): \(s\)/gm)].length;
  return { falseGreen: runClasses + gateClasses, leak: checks + patterns + 1 /* the kubeconfig run */ };
}

it('README states the corpus sizes as they are', () => {
  const { falseGreen, leak } = corpusCounts();
  expect(falseGreen).toBeGreaterThanOrEqual(30);
  expect(leak).toBeGreaterThanOrEqual(20);
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  expect(readme).toContain(`${falseGreen} false-green classes, 0 green; ${leak} leak vectors,`);
});
