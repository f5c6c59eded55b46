// False-green class: two runner processes writing into one run dir (two shards given the same
// PV_RUN_ID and evidence dir). One process's clean teardown must never stand in for the other's
// leftovers: each reads back only the cleanup outcome its own teardown recorded.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clearCleanups, readCleanups, recordCleanup } from '../../../helpers/check/preflight.js';

const PREFLIGHT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../helpers/check/preflight.ts',
);

/** Another process records `ok: true` for `cluster` in `runDir`. */
function otherProcessRecordsClean(runDir: string, cluster: string): void {
  const code = `const m = await import(${JSON.stringify(PREFLIGHT)}); m.recordCleanup(${JSON.stringify(runDir)}, ${JSON.stringify(cluster)}, { ok: true, leftovers: [] });`;
  execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: 'pipe' });
}

describe('cleanup records in a shared run dir', () => {
  it("another process's clean teardown does not hide this process's leftovers", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pv-cleanup-'));
    recordCleanup(dir, 'infra', { ok: false, leftovers: ['namespace pv-run-abc'] });
    otherProcessRecordsClean(dir, 'infra');
    expect(readCleanups(dir, ['infra'])).toEqual({
      infra: { ok: false, leftovers: ['namespace pv-run-abc'] },
    });
    clearCleanups(dir, ['infra']);
    expect(readCleanups(dir, ['infra'])).toEqual({});
  });
});
