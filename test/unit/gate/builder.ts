// Writes run dirs in the format of the framework's reporter (docs/ARCHITECTURE.md "Run, evidence,
// JUnit"): junit-<cluster>.xml with testcase properties, run.json, attachments/<check-id>/...
// Used by the gate tests and by test/fixtures/junit/generate.ts for the committed fixtures.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface CaseSpec {
  id: string;
  title?: string;
  cluster?: string;
  priority?: 'P0' | 'P1' | 'P2';
  component?: string;
  story?: string;
  ac?: string[];
  risks?: string[];
  attempts?: number;
  flaky?: boolean;
  disruptive?: boolean;
  suggestedAction?: string;
  /** attachment name -> content, written to attachments/<id>/<name> and listed as evidence. */
  evidence?: Record<string, string>;
  /** Evidence paths listed in JUnit but not written (to test "missing on disk"). */
  danglingEvidence?: string[];
  metrics?: Record<string, [value: number | undefined, target: number | string | undefined]>;
  outcome?: 'passed' | 'failed' | 'skipped';
  message?: string;
  body?: string;
  time?: number;
  /** Suite file (testsuite name / classname). */
  file?: string;
}

export interface RunSpec {
  runId: string;
  env?: string;
  startedAt?: string;
  cases: CaseSpec[];
  /** false: no run.json (a foreign run). */
  runJson?: boolean;
  clusters?: string[];
  clusterOverrides?: Record<string, Record<string, unknown>>;
  outcome?: 'passed' | 'failed' | 'interrupted' | 'error';
}

const xmlEsc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function prop(name: string, value: string): string {
  return `        <property name="${xmlEsc(name)}" value="${xmlEsc(value)}"/>`;
}

function testcase(c: CaseSpec, cluster: string): string {
  const props = [
    prop('id', c.id),
    prop('priority', c.priority ?? 'P1'),
    prop('cluster', cluster),
    prop('component', c.component ?? 'platform'),
    ...(c.story ? [prop('story', c.story)] : []),
    prop('ac', (c.ac ?? []).join(',')),
    prop('risks', (c.risks ?? []).join(',')),
    prop('attempts', String(c.attempts ?? 1)),
    prop('flaky', String(c.flaky ?? false)),
    prop('disruptive', String(c.disruptive ?? false)),
    ...(c.suggestedAction ? [prop('suggested_action', c.suggestedAction)] : []),
    ...Object.keys(c.evidence ?? {}).map((n) => prop('evidence', `attachments/${c.id}/${n}`)),
    ...(c.danglingEvidence ?? []).map((p) => prop('evidence', p)),
    ...Object.entries(c.metrics ?? {}).flatMap(([m, [v, t]]) => [
      ...(v === undefined ? [] : [prop(`metric.${m}`, String(v))]),
      ...(t === undefined ? [] : [prop(`target.${m}`, String(t))]),
    ]),
  ];
  const file = c.file ?? 'suites/platform/checks.test.ts';
  const head = `    <testcase classname="${xmlEsc(file)}" name="${xmlEsc(`${c.id} ${c.title ?? 'check'}`)}" time="${(c.time ?? 0.42).toFixed(3)}">\n      <properties>\n${props.join('\n')}\n      </properties>`;
  let tail = '';
  if (c.outcome === 'failed') {
    tail = `\n      <failure message="${xmlEsc(c.message ?? 'expected true, got false')}" type="AssertionError">${xmlEsc(c.body ?? c.message ?? '')}</failure>`;
  } else if (c.outcome === 'skipped') {
    tail = `\n      <skipped message="${xmlEsc(c.message ?? 'skipped')}"/>`;
  }
  return `${head}${tail}\n    </testcase>`;
}

export function junitXml(cases: CaseSpec[], cluster: string): string {
  const files = [...new Set(cases.map((c) => c.file ?? 'suites/platform/checks.test.ts'))];
  const suites = files.map((f) => {
    const cs = cases.filter((c) => (c.file ?? 'suites/platform/checks.test.ts') === f);
    const failures = cs.filter((c) => c.outcome === 'failed').length;
    const skipped = cs.filter((c) => c.outcome === 'skipped').length;
    const time = cs.reduce((s, c) => s + (c.time ?? 0.42), 0);
    return `  <testsuite name="${xmlEsc(f)}" tests="${cs.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time.toFixed(3)}">\n    <properties>\n  ${prop('cluster', cluster).trim()}\n    </properties>\n${cs.map((c) => testcase(c, cluster)).join('\n')}\n  </testsuite>`;
  });
  const total = cases.length;
  const failures = cases.filter((c) => c.outcome === 'failed').length;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="platform-validation ${xmlEsc(cluster)}" tests="${total}" failures="${failures}" errors="0">\n${suites.join('\n')}\n</testsuites>\n`;
}

export function writeRun(root: string, spec: RunSpec): string {
  const dir = join(root, spec.runId);
  mkdirSync(dir, { recursive: true });
  const clusters = spec.clusters ?? [...new Set(spec.cases.map((c) => c.cluster ?? 'infra'))];
  for (const cl of clusters) {
    writeFileSync(
      join(dir, `junit-${cl}.xml`),
      junitXml(
        spec.cases.filter((c) => (c.cluster ?? 'infra') === cl),
        cl,
      ),
    );
  }
  for (const c of spec.cases) {
    for (const [name, content] of Object.entries(c.evidence ?? {})) {
      const p = join(dir, 'attachments', c.id, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
  }
  if (spec.runJson !== false) {
    const startedAt = spec.startedAt ?? '2026-11-22T02:00:00.000Z';
    const failed = spec.cases.filter((c) => c.outcome === 'failed').length;
    const skipped = spec.cases.filter((c) => c.outcome === 'skipped').length;
    const runJson = {
      runId: spec.runId,
      env: spec.env ?? 'lab',
      clusters: Object.fromEntries(
        clusters.map((cl) => [
          cl,
          {
            context: `lab-${cl}`,
            server: 'https://127.0.0.1:6443',
            identity: { expected: cl, seen: cl },
            serverVersion: 'v1.34.1',
            ok: true,
            ...(spec.clusterOverrides?.[cl] ?? {}),
          },
        ]),
      ),
      git: { revision: '3f2c1e9a7b5d4c3e2f1a0b9c8d7e6f5a4b3c2d1e', dirty: false },
      selection: { projects: clusters, grep: null, allowDisruptive: false },
      startedAt,
      endedAt: new Date(Date.parse(startedAt) + 184_000).toISOString(),
      outcome: spec.outcome ?? (failed ? 'failed' : 'passed'),
      // what bin/test.ts writes for a run whose only problem is failed checks
      ...((spec.outcome ?? (failed ? 'failed' : 'passed')) === 'failed'
        ? { reasons: [`${failed} check(s) failed`] }
        : {}),
      counts: { passed: spec.cases.length - failed - skipped, failed, skipped },
      // an empty catalogue manifest: these runs are gate input, not a catalogue (no per-file counts)
      manifest: { shard: null, files: Object.fromEntries(clusters.map((cl) => [cl, {}])), checks: [] },
    };
    writeFileSync(join(dir, 'run.json'), `${JSON.stringify(runJson, null, 2)}\n`);
  }
  return dir;
}
