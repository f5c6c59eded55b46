// A temporary directory for one test: under the run's root (test/tmp-root.ts), removed with it.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function testTmpDir(prefix: string): string {
  return mkdtempSync(join(process.env.PV_TEST_TMP ?? tmpdir(), prefix));
}
