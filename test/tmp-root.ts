/**
 * globalSetup of the unit and lab projects: one temporary root per run, under which every test's
 * temporary directory is made (test/tmp.ts), removed when the run ends, passed or failed. Without it
 * each run left its directories behind in the system's temp directory (some 60 per unit run).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'pv-test-'));
  // the workers (and what they spawn) inherit it
  process.env.PV_TEST_TMP = root;
  return () => rmSync(root, { recursive: true, force: true });
}
