/**
 * `pnpm gate --push-metrics` against the lab's real VictoriaMetrics (/api/v1/import/prometheus):
 * after a passing run PromQL returns the run's series with its values; after a failing run the
 * status series of that check says failed and the decision says FAIL.
 * Needs the lab up (`pnpm lab up`).   npx vitest run --project lab test/lab/lab/gate-metrics.test.ts
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { labPaths } from '../../../lab/core/paths.js';
import { createProcessManager } from '../../../lab/core/process.js';
import { procName } from '../../../lab/services/runtime.js';
import { query, VM_IMPORT } from '../framework/vm.js';
import { writeRun, type CaseSpec } from '../../unit/gate/builder.js';
import { gatePushing, tmp } from '../../unit/gate/helpers.js';

// a fresh env label per test run: earlier runs' series cannot answer for this one
const ENV = `labtest-${randomBytes(3).toString('hex')}`;

beforeAll(() => {
  const procs = createProcessManager(labPaths().run, labPaths().logs);
  if (!procs.isRunning(procName('victoria-metrics')))
    throw new Error('lab service victoria-metrics is not running (run `pnpm lab up`)');
});

async function pushRun(runId: string, cases: CaseSpec[]) {
  const root = tmp();
  const dir = writeRun(join(root, 'evidence'), { runId, env: ENV, cases });
  const res = await gatePushing(dir, join(root, 'gates'), VM_IMPORT);
  expect(res.stderr).not.toMatch(/metrics push/);
  expect(res.stdout).toMatch(/metrics: \d+ samples pushed/);
  return res;
}

/** Imported samples become searchable within about a second: poll, bounded. */
const statusBecomes = (check: string, cluster: string, want: string) =>
  expect
    .poll(
      async () =>
        (await query(`pv_check_status{env="${ENV}",check="${check}",cluster="${cluster}"} == 1`))[0]?.metric[
          'status'
        ],
      { timeout: 30_000, interval: 1000 },
    )
    .toBe(want);

describe('gate metrics in the real VictoriaMetrics', () => {
  it('a passing run, then a failing one: PromQL reads the status, values and decision of each', async () => {
    const first = await pushRun('20261204T030000Z-00vm01', [
      { id: 'NET-COREDNS-002', priority: 'P1', cluster: 'infra', time: 0.25, metrics: { p95_ms: [8, 50] } },
      { id: 'DB-PG-001', priority: 'P0', cluster: 'apps' },
    ]);
    expect(first.code).toBe(0);
    await statusBecomes('DB-PG-001', 'apps', 'passed');
    expect(
      (await query(`pv_check_measured_value{env="${ENV}",check="NET-COREDNS-002",metric="p95_ms"}`))[0]
        ?.value,
    ).toBe(8);
    expect((await query(`pv_check_target_value{env="${ENV}",check="NET-COREDNS-002"}`))[0]?.value).toBe(50);
    expect((await query(`pv_check_duration_seconds{env="${ENV}",check="NET-COREDNS-002"}`))[0]?.value).toBe(
      0.25,
    );
    expect((await query(`pv_gate_decision{env="${ENV}"} == 1`))[0]?.metric['decision']).toBe('PASS');

    const second = await pushRun('20261204T040000Z-00vm02', [
      { id: 'NET-COREDNS-002', priority: 'P1', cluster: 'infra', metrics: { p95_ms: [9, 50] } },
      { id: 'DB-PG-001', priority: 'P0', cluster: 'apps', outcome: 'failed', message: 'connection refused' },
    ]);
    expect(second.code).toBe(1);
    await statusBecomes('DB-PG-001', 'apps', 'failed');
    expect((await query(`pv_gate_decision{env="${ENV}"} == 1`))[0]?.metric['decision']).toBe('FAIL');
  });
});
