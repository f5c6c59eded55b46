// The project's JUnit schema (reports/junit/junit.xsd) against a rejection corpus: every shape the
// Jenkins junit-10.xsd rejects, ours rejects too, for the reason each file names; where a developer
// checkout has junit-10.xsd beside it (../shared), the corpus is also held against that schema, so
// the corpus is proven to be junit-10's shape and not only our reading of it.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { JUNIT10_XSD, ROOT, xmllint } from '../harness.js';

const CORPUS = path.join(ROOT, 'test/fixtures/junit-corpus');
const files = (dir: string) =>
  readdirSync(path.join(CORPUS, dir))
    .filter((f) => f.endsWith('.xml'))
    .map((f) => path.join(CORPUS, dir, f));
/** the schema error the file's comment says it must fail with */
const reason = (file: string) => /rejected with: (.*?) -->/.exec(readFileSync(file, 'utf8'))![1]!;
const hasJunit10 = existsSync(JUNIT10_XSD);

describe('reports/junit/junit.xsd', () => {
  it('accepts the base every corpus file changes in one place', () => {
    const v = xmllint(path.join(CORPUS, 'accept-minimal.xml'));
    expect(v.ok, v.out).toBe(true);
  });

  it('the corpus is not trivially small', () => {
    expect(files('reject').length).toBeGreaterThanOrEqual(15);
    expect(files('stricter').length).toBeGreaterThanOrEqual(4);
  });

  describe.each(['reject', 'stricter'])('%s/', (dir) => {
    it.each(files(dir).map((f) => [path.basename(f), f]))('rejects %s, for the named reason', (_n, file) => {
      const v = xmllint(file);
      expect(v.ok).toBe(false);
      expect(v.out).not.toMatch(/parser error/); // a schema verdict, not malformed XML
      expect(v.out).toContain(reason(file));
    });
  });

  describe.runIf(hasJunit10)('against the Jenkins junit-10.xsd (../shared)', () => {
    it('accepts the base', () =>
      expect(xmllint(path.join(CORPUS, 'accept-minimal.xml'), JUNIT10_XSD).ok).toBe(true));
    it.each(files('reject').map((f) => [path.basename(f), f]))('rejects reject/%s too', (_n, file) => {
      const v = xmllint(file, JUNIT10_XSD);
      expect(v.ok).toBe(false);
      expect(v.out).not.toMatch(/parser error/);
    });
    it.each(files('stricter').map((f) => [path.basename(f), f]))(
      'accepts stricter/%s (ours is stricter)',
      (_n, file) => expect(xmllint(file, JUNIT10_XSD).ok).toBe(true),
    );
  });
});
