// The CI examples fail the pipeline on pnpm test's exit code, not only on the gate: a hook error, a
// dead worker or a cleanup that left resources must be visible even where the gate says CONCERNS.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../harness.js';

const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

describe('CI examples', () => {
  for (const f of ['ci/github/nightly.yml', 'ci/gitlab/.gitlab-ci.yml']) {
    it(`${f}: no pnpm test exit code is swallowed`, () => {
      const lines = read(f)
        .split('\n')
        .filter((l) => /pnpm test\b/.test(l) && !l.trim().startsWith('#'));
      expect(lines.length).toBeGreaterThan(0);
      for (const l of lines) expect(l, l).not.toMatch(/\|\|\s*(echo|true|:)/);
    });
  }
  it('GitLab: the job exits with the recorded code after moving the evidence', () => {
    expect(read('ci/gitlab/.gitlab-ci.yml')).toMatch(/\|\| code=\$\?\n(?:.*\n){1,3}\s*exit "\$code"/);
  });
});
