/**
 * The catalogue against every lab scenario: exactly the checks that should fail do fail (by id and
 * cluster), each failure names its cause and carries evidence, the others pass, and nothing a run
 * created remains afterwards (run namespaces on both clusters, Redis keys, Kafka topics, Schema
 * Registry subjects, registry repositories: test/lab/framework/leftovers.ts).
 *
 * Needs the lab up (`pnpm lab up`). Each scenario runs the full catalogue through `pnpm test --env
 * lab` in a subprocess and reads its JUnit. The zero-disruption baseline lives in a temporary
 * PV_BASELINE_DIR that the healthy run writes first, so the `cilium-agent-restarted` scenario is
 * compared with a baseline of this lab incarnation (and the repo's docs/qa/baselines is untouched).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../../../helpers/config/index.js';
import { leftoverRunResources } from '../framework/leftovers.js';
import { CASES } from './scenario-cases.js';
import { testTmpDir } from '../../tmp.js';

/** Checks that fail on the healthy lab because the lab lacks what they need (see the report). */
const LAB_GAPS = (process.env.PV_LAB_GAPS ?? '').split(',').filter(Boolean);

/**
 * A performance baseline may miss its AC11 latency target on a loaded machine (the lab shares 2
 * cores with the runner): tolerated only when the failure is the target comparison itself, never
 * an error, and reported. Any other failure of these checks is unexpected.
 */
const LATENCY_TARGET_MISS = /(DNS average|HTTP p95|produce p95) over \d+ .*\(target < [\d.]+ ms\)/;
const isLatencyMiss = (key: string, o: Outcome | undefined) =>
  /:PERF-[A-Z]+-\d+$/.test(key) && o?.status === 'failed' && LATENCY_TARGET_MISS.test(o.message);

const SETTLE_SCALE = '0.3';
const s1 = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      cmd,
      args,
      { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err ? ((err as { code?: number }).code ?? 1) : 0;
        resolve({ code: typeof code === 'number' ? code : 1, out: `${stdout}\n${stderr}` });
      },
    );
  });
}

interface Outcome {
  status: 'passed' | 'failed' | 'skipped';
  message: string;
  evidence: string[];
}

function readJunit(runDir: string): Map<string, Outcome> {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (n) => ['testsuite', 'testcase', 'property'].includes(n),
  });
  const out = new Map<string, Outcome>();
  for (const cluster of ['infra', 'apps']) {
    const file = path.join(runDir, `junit-${cluster}.xml`);
    if (!existsSync(file)) continue;
    const doc = parser.parse(readFileSync(file, 'utf8')) as {
      testsuites?: { testsuite?: { testcase?: Record<string, unknown>[] }[] };
    };
    for (const suite of doc.testsuites?.testsuite ?? []) {
      for (const tc of suite.testcase ?? []) {
        const props =
          (tc.properties as { property?: { name: string; value: string }[] } | undefined)?.property ?? [];
        const id = props.find((p) => p.name === 'id')?.value ?? String(tc.name).split(' ')[0];
        const failure = (tc.failure ?? tc.error) as
          { message?: string; '#text'?: string } | string | undefined;
        // the message attribute is clamped to two lines / 500 characters; the body has the whole text
        out.set(`${cluster}:${id}`, {
          status: failure ? 'failed' : tc.skipped !== undefined ? 'skipped' : 'passed',
          message:
            typeof failure === 'string'
              ? failure
              : [failure?.message ?? '', failure?.['#text'] ?? ''].filter(Boolean).join('\n'),
          evidence: props.filter((p) => p.name === 'evidence').map((p) => p.value),
        });
      }
    }
  }
  return out;
}

const labUp = existsSync(path.join(REPO_ROOT, '.lab', 'kubeconfig'));
const baselineDir = testTmpDir('pv-baseline-');

describe.skipIf(!labUp)('catalogue against the lab scenarios', () => {
  afterAll(async () => {
    await sh('pnpm', ['lab', 'reset'], {}, 300_000);
  });

  for (const c of CASES) {
    test(
      `scenario ${c.name}: exactly the expected checks fail, for the right reason, with evidence`,
      { timeout: 900_000 },
      async () => {
        const t0 = Date.now();
        const scen = await sh('pnpm', ['lab', 'scenario', c.name], {}, 120_000);
        expect(scen.code, `pnpm lab scenario ${c.name}\n${scen.out.slice(-2000)}`).toBe(0);
        const ts = new Date()
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d+Z$/, 'Z');
        const runId = `${ts}-${randomBytes(3).toString('hex')}`;
        const t1 = Date.now();
        // the scenario's fault is in place when `lab scenario` returns: no check needs its full
        // settle window to see it (healthy parts settled at the reset before)
        const run = await sh('pnpm', ['test', '--env', 'lab', ...(c.grep ? ['--grep', c.grep] : [])], {
          PV_RUN_ID: runId,
          PV_BASELINE_DIR: baselineDir,
          PV_SETTLE_SCALE: SETTLE_SCALE,
        });
        const t2 = Date.now();
        const runDir = path.join(REPO_ROOT, 'docs', 'qa', 'evidence', runId);
        const results = readJunit(runDir);
        expect(results.size, `JUnit testcases in ${runDir}\n${run.out.slice(-3000)}`).toBeGreaterThan(0);

        const failed = [...results].filter(([, o]) => o.status === 'failed').map(([k]) => k);
        const projectFailed = c.projectFails
          ? failed.filter((k) => k.startsWith(`${c.projectFails!.cluster}:`))
          : [];
        const expectedKeys = Object.keys(c.fail);
        const unexpected = failed.filter(
          (k) =>
            !expectedKeys.includes(k) &&
            !(c.mayFail ?? []).includes(k) &&
            !projectFailed.includes(k) &&
            !LAB_GAPS.includes(k) &&
            !isLatencyMiss(k, results.get(k)),
        );
        const tolerated = failed.filter((k) => !expectedKeys.includes(k) && isLatencyMiss(k, results.get(k)));
        if (tolerated.length) {
          console.warn(
            `scenario ${c.name}: latency target missed under load (tolerated): ${tolerated
              .map((k) => `${k}: ${results.get(k)!.message.split('\n')[0]}`)
              .join(' | ')}`,
          );
        }
        const missing = expectedKeys.filter((k) => results.get(k)?.status !== 'failed');
        expect({ unexpected, missing }, `scenario ${c.name}`).toEqual({ unexpected: [], missing: [] });
        for (const k of expectedKeys) {
          const o = results.get(k)!;
          expect(o.message, `${k} failure names the cause`).toMatch(c.fail[k]!);
          expect(o.evidence.length, `${k} has evidence attached`).toBeGreaterThan(0);
        }
        if (c.projectFails) {
          expect(
            projectFailed.length,
            `every ${c.projectFails.cluster} check fails at the identity guard`,
          ).toBeGreaterThan(0);
          for (const k of projectFailed) expect(results.get(k)!.message, k).toMatch(c.projectFails.message);
        }
        // the lab's datapath enforces NetworkPolicy: the denied-namespace test runs in every full
        // run (a --grep slice without it has no such testcase), never skipped
        if (!c.projectFails && (!c.grep || results.has('apps:DB-DRAGONFLY-006')))
          expect(results.get('apps:DB-DRAGONFLY-006')?.status, 'denied-namespace test in the lab').not.toBe(
            'skipped',
          );
        expect(run.code, 'pnpm test exit code reflects failures').toBe(failed.length ? 1 : 0);
        // back to healthy before reading the leftovers: under dragonfly-auth-wrong or
        // registry-auth-broken the lab's own credentials cannot read Redis or the registry either
        const reset = await sh('pnpm', ['lab', 'reset'], { PV_LAB_BASELINE: '0' }, 300_000);
        expect(reset.code, `pnpm lab reset\n${reset.out.slice(-2000)}`).toBe(0);
        // where the matrix's time goes, per scenario (the issue's budget is the whole matrix)
        console.log(
          `scenario ${c.name}: apply ${s1(t1 - t0)}, checks ${s1(t2 - t1)}, reset ${s1(Date.now() - t2)}`,
        );
        if (c.rebaseline) {
          // the scenario changed what the baseline records (a recreated agent cannot get its UID
          // back): re-baseline as an operator would after an intended change (the check's action)
          const rb = await sh('pnpm', ['test', '--env', 'lab', '--grep', c.rebaseline], {
            PV_BASELINE: 'write',
            PV_BASELINE_DIR: baselineDir,
          });
          expect(rb.code, `re-baseline run\n${rb.out.slice(-2000)}`).toBe(0);
        }
        // deletions the run started (namespace, topic) finish asynchronously: bounded poll
        await expect
          .poll(() => leftoverRunResources(runId), {
            timeout: 60_000,
            interval: 2_000,
            message: 'run-owned namespaces, keys, topics, subjects, repositories left behind',
          })
          .toEqual([]);
      },
    );
  }
});
