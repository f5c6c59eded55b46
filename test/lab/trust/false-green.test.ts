// The false-green corpus, against the lab's real API servers. Each class is one file:
//  - test/fixtures/false-green/<class>.test.ts: a fixture catalogue; its defect run must exit non-zero,
//    show the cause (header `@cause`) in its JUnit (or stdout/stderr, `@where`) and never gate
//    PASS/WAIVED; the same file with PV_FG_TWIN=1 (or `@twin-args`) is its twin and must exit 0 and
//    gate PASS, so a case cannot pass by failing for another reason.
//  - test/fixtures/false-green/gate/<class>.ts: input the gate must not read as PASS (partial, mixed,
//    altered), with its twin that gates PASS.
// README states the counts; test/unit/trust/corpus-counts.test.ts derives them from these folders.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubernetesObjectApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as gateMain } from '../../../reports/gate/cli.js';
import { runPv, type PvResult } from '../../unit/harness.js';
import { newRunId } from '../../../helpers/run/ids.js';
import type { GateCase, GateCtx, GateInput } from '../../fixtures/false-green/gate/types.js';
import { adminHandle, LAB_KUBECONFIG, REPO, writeLabConfig } from './lib.js';

const DIR = 'test/fixtures/false-green';

interface RunCase {
  name: string;
  file: string;
  klass: string;
  cause: RegExp;
  args: string[];
  twinArgs?: string[];
  where: 'junit' | 'stdout' | 'stderr';
  env: Record<string, string>;
}

function header(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path.join(REPO, file), 'utf8').split('\n')) {
    const m = /^\/\/ @([a-z-]+): (.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
    else if (!line.startsWith('//')) break;
  }
  return out;
}

const split = (s: string | undefined) => (s ? s.split(' ').filter(Boolean) : undefined);

export function runCases(): RunCase[] {
  return readdirSync(path.join(REPO, DIR))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => {
      const file = `${DIR}/${f}`;
      const h = header(file);
      if (!h['class'] || !h['cause']) throw new Error(`${file}: header needs // @class: and // @cause:`);
      const env = Object.fromEntries(
        (h['env'] ?? '')
          .split(' ')
          .filter(Boolean)
          .map((kv) => kv.split('=') as [string, string]),
      );
      return {
        name: f.replace(/\.test\.ts$/, ''),
        file,
        klass: h['class'],
        // dotall: a failure's message and its testcase's name sit on different lines of the JUnit
        cause: new RegExp(h['cause'], 's'),
        args: split(h['args']) ?? ['--project', 'infra'],
        twinArgs: split(h['twin-args']),
        where: (h['where'] ?? 'junit') as RunCase['where'],
        env,
      };
    });
}

async function gateCases(): Promise<{ name: string; c: GateCase }[]> {
  const files = readdirSync(path.join(REPO, DIR, 'gate'))
    .filter((f) => f.endsWith('.ts') && f !== 'types.ts')
    .sort();
  return Promise.all(
    files.map(async (f) => ({
      name: f.replace(/\.ts$/, ''),
      c: ((await import(path.join(REPO, DIR, 'gate', f))) as { default: GateCase }).default,
    })),
  );
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'pv-fg-'));

/** Each run writes under its own evidence dir: shards of one run id must not share a run dir. */
function pv(suites: string, args: string[], env: Record<string, string> = {}): Promise<PvResult> {
  const dir = mkdtempSync(path.join(scratch, 'run-'));
  const cfg = writeLabConfig(dir, LAB_KUBECONFIG, (n) =>
    env['PV_FG_INFRA_CONTEXT'] && n === 'infra' ? env['PV_FG_INFRA_CONTEXT'] : `lab-${n}`,
  );
  return runPv(args, { PV_CONFIG: cfg, PV_SUITES: suites, ...env }, 120_000);
}

interface Gated {
  code: number;
  gate?: string;
  out: string;
}

async function gate(input: GateInput): Promise<Gated> {
  const lines: string[] = [];
  const gatesDir = mkdtempSync(path.join(scratch, 'gates-'));
  const argv = [
    ...input.runs.flatMap((r) => ['--run', r]),
    '--gates-dir',
    gatesDir,
    '--no-report',
    '--history',
    '1',
  ];
  const code = await gateMain(
    [...argv, ...(input.args ?? [])],
    (s) => lines.push(s),
    (s) => lines.push(s),
  );
  const out = lines.join('\n');
  return { code, gate: /^decision: (\w+)/m.exec(out)?.[1], out };
}

function junitText(runDir: string | undefined): string {
  if (!runDir || !existsSync(runDir)) return '';
  return readdirSync(runDir)
    .filter((f) => /^junit-.*\.xml$/.test(f))
    .map((f) => readFileSync(path.join(runDir, f), 'utf8'))
    .join('\n');
}

/** The policy that makes the API server refuse the DELETE of one run's namespace (cleanup failure). */
async function denyDeleteOf(runId: string): Promise<() => Promise<void>> {
  const c = adminHandle('infra');
  const api = KubernetesObjectApi.makeApiClient(c.kc);
  const name = `pv-fg-deny-delete-${runId.slice(-6)}`;
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['DELETE'], resources: ['namespaces'] },
        ],
      },
      validations: [
        {
          expression: `oldObject.metadata.labels[?'platform-validation/run-id'].orValue('') != '${runId}'`,
          message: 'false-green corpus: DELETE of this run namespace refused',
        },
      ],
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name },
    spec: { policyName: name, validationActions: ['Deny'] },
  };
  await api.create(policy as never);
  await api.create(binding as never);
  // enforced a moment after it is stored: wait until a dry-run DELETE of a labelled namespace is refused
  const probe = `pv-fg-probe-${runId.slice(-6)}`;
  await c.core.createNamespace({
    body: { metadata: { name: probe, labels: { 'platform-validation/run-id': runId } } },
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await c.core.deleteNamespace({ name: probe, dryRun: 'All' });
    } catch {
      break; // refused: the policy is enforced
    }
    if (Date.now() > deadline) throw new Error(`policy ${name} not enforced within 30 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return async () => {
    await api.delete(binding as never).catch(() => undefined);
    await api.delete(policy as never).catch(() => undefined);
    for (const ns of [probe, `pv-run-${runId.toLowerCase()}`]) {
      for (let i = 0; i < 50; i++) {
        try {
          await c.core.deleteNamespace({ name: ns });
          break;
        } catch (e) {
          if ((e as { code?: number }).code === 404) break;
          await new Promise((r) => setTimeout(r, 200)); // the policy's removal is seen a moment later
        }
      }
    }
  };
}

/** At most `n` at a time (2 cores: two runs side by side). */
async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) await fn(t);
    }),
  );
}

const cases = runCases();
const defects = new Map<string, { r: PvResult; g?: Gated; runId: string }>();
const twins = new Map<string, { r: PvResult; g?: Gated }>();
let sharedTwin: { r: PvResult; g?: Gated } | undefined;
const cleanups: (() => Promise<void>)[] = [];

describe('false-green corpus: run classes', () => {
  beforeAll(async () => {
    const plain = cases.filter((c) => !c.twinArgs);
    sharedTwin = {
      r: await pv(plain.map((c) => c.file).join(','), ['--project', 'infra'], { PV_FG_TWIN: '1' }),
    };
    if (sharedTwin.r.runDir) sharedTwin.g = await gate({ runs: [sharedTwin.r.runDir] });
    await pool(cases, 2, async (c) => {
      const runId = newRunId();
      const env: Record<string, string> = { ...c.env, PV_RUN_ID: runId };
      if (c.env['PV_FG_DENY_DELETE']) cleanups.push(await denyDeleteOf(runId));
      const r = await pv(c.file, c.args, env);
      defects.set(c.name, {
        r,
        runId,
        g: r.runDir && existsSync(r.runDir) ? await gate({ runs: [r.runDir] }) : undefined,
      });
      if (c.twinArgs) {
        const t = await pv(c.file, c.twinArgs, { PV_FG_TWIN: '1' });
        twins.set(c.name, { r: t, g: t.runDir ? await gate({ runs: [t.runDir] }) : undefined });
      }
    });
  }, 900_000);
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it(`the shared twin (every class without its defect) exits 0 and gates PASS`, () => {
    const t = sharedTwin!;
    expect(t.r.code, `${t.r.stdout}\n${t.r.stderr}`.slice(-3000)).toBe(0);
    expect(t.g?.gate, t.g?.out).toBe('PASS');
  });

  for (const c of cases) {
    it(`${c.name}: ${c.klass}`, () => {
      const d = defects.get(c.name)!;
      const all = `${d.r.stdout}\n${d.r.stderr}`;
      expect(d.r.code, `exit code of the defect run\n${all.slice(-3000)}`).not.toBe(0);
      const where =
        c.where === 'junit' ? junitText(d.r.runDir) : c.where === 'stdout' ? d.r.stdout : d.r.stderr;
      expect(where, `the cause in the ${c.where}`).toMatch(c.cause);
      if (d.g) expect(['PASS', 'WAIVED'], d.g.out).not.toContain(d.g.gate);
      else expect(d.r.code, 'no run dir: bad input, before anything ran').toBe(2);
      if (c.twinArgs) {
        const t = twins.get(c.name)!;
        expect(t.r.code, `twin ${c.twinArgs.join(' ')}\n${t.r.stdout}\n${t.r.stderr}`.slice(-3000)).toBe(0);
        expect(t.g?.gate, t.g?.out).toBe('PASS');
      } else {
        // the twin ran this class's checks, and they passed
        const xml = junitText(sharedTwin!.r.runDir);
        for (const id of readFileSync(path.join(REPO, c.file), 'utf8').matchAll(/fg\('([A-Z0-9-]+)'/g))
          expect(xml, `twin JUnit holds FG-${id[1]}`).toMatch(
            new RegExp(
              `name="FG-${id[1]} [^"]*"[^>]*>\\s*(<properties>[\\s\\S]*?</properties>\\s*)?</testcase>`,
            ),
          );
      }
    });
  }
});

describe('false-green corpus: gate classes', () => {
  const built = new Map<string, { c: GateCase; defect: Gated; twin: Gated }>();
  let names: string[] = [];
  beforeAll(async () => {
    const list = await gateCases();
    names = list.map((x) => x.name);
    const cache = new Map<string, Promise<string[]>>();
    const glob = `${DIR}/shards/[ab].test.ts`;
    const copy = (dir: string) => {
      const to = path.join(mkdtempSync(path.join(scratch, 'copy-')), path.basename(dir));
      cpSync(dir, to, { recursive: true });
      return to;
    };
    const once = (key: string, f: () => Promise<string[]>) => {
      if (!cache.has(key)) cache.set(key, f());
      return cache.get(key)!;
    };
    const runDirOf = async (suites: string, args: string[], env?: Record<string, string>) => {
      const r = await pv(suites, args, env);
      if (!r.runDir)
        throw new Error(`pnpm test ${args.join(' ')} wrote no run dir:\n${r.stdout}\n${r.stderr}`);
      return r.runDir;
    };
    const ctx: GateCtx = {
      twin: async () => copy((await once('twin', async () => [await runDirOf(glob, [])]))[0]!),
      shards: async () =>
        (
          await once('shards', async () => {
            const env = { PV_RUN_ID: newRunId() };
            return [
              await runDirOf(glob, ['--shard', '1/2'], env),
              await runDirOf(glob, ['--shard', '2/2'], env),
            ];
          })
        ).map(copy),
      run: async (suites, args, env) => copy(await runDirOf(suites, args, env)),
      copy,
      scratch: (name, content) => {
        const f = path.join(mkdtempSync(path.join(scratch, 's-')), name);
        writeFileSync(f, content);
        return f;
      },
    };
    await pool(list, 2, async ({ name, c }) => {
      const { defect, twin } = await c.build(ctx);
      built.set(name, { c, defect: await gate(defect), twin: await gate(twin) });
    });
  }, 900_000);

  it('has gate classes', () => expect(names.length).toBeGreaterThan(0));
  for (const f of readdirSync(path.join(REPO, DIR, 'gate'))
    .filter((x) => x.endsWith('.ts') && x !== 'types.ts')
    .sort()) {
    const name = f.replace(/\.ts$/, '');
    it(`gate: ${name}`, () => {
      const b = built.get(name)!;
      expect(b.twin.gate, `twin\n${b.twin.out}`).toBe('PASS');
      expect(b.twin.code).toBe(0);
      expect(b.defect.code, b.defect.out).not.toBe(0);
      expect(['PASS', 'WAIVED'], b.defect.out).not.toContain(b.defect.gate);
      expect(b.defect.out, b.c.klass).toMatch(b.c.cause);
    });
  }
});
