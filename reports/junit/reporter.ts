// The project's JUnit reporter (vitest 4 reporters API). vitest's own JUnit reporter drops tags and
// merges projects; this one writes junit-<cluster>.xml per cluster with the check metadata, and
// run.json. It also finds duplicate check ids across files (each file is collected in its own worker).
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';
import type { SerializedError } from 'vitest';
import { redact } from '../../helpers/evidence/redact.js';
import { evaluateTags, type TagNode } from '../../helpers/check/tag-expr.js';
import { runState } from '../../helpers/check/context.js';
import type { CaseRecord, ClusterReport, Counts, SuiteRecord } from './model.js';
import { junitXml } from './write-xml.js';
import { splitAttempts } from './attempts.js';
import { gitInfo, writeRunJson, type RunJson } from './run-json.js';

export interface PvReporterOptions {
  runId: string;
  runDir: string;
  env: string;
  configFile: string;
  root: string;
  /** cluster name -> context, for every selected cluster */
  clusters: Record<string, { context: string; expected: string }>;
  projects: string[];
  grep?: string;
  grepAst?: TagNode;
  allowDisruptive: boolean;
  strict: boolean;
  startedAt: string;
}

export interface RunSummary {
  perCluster: Record<string, Counts>;
  totals: Counts;
  collectionErrors: string[];
  catalogueErrors: string[];
  unhandledErrors: string[];
  junitFiles: string[];
  reason: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

type TestError = {
  message?: string;
  name?: string;
  stack?: string;
  expected?: string;
  actual?: string;
  diff?: string;
};

/** message (first error, with expected/actual), type and body (every error), redacted, no ANSI. */
function describeErrors(errs: TestError[]): { message: string; type: string; body: string } {
  const first = errs[0] ?? { message: 'failed without an error' };
  let message = first.message ?? String(first);
  if (first.expected !== undefined || first.actual !== undefined) {
    message += ` (expected: ${first.expected ?? '?'}; actual: ${first.actual ?? '?'})`;
  }
  const body = errs
    .flatMap((e) => [e.diff ? `${e.diff}\n` : '', e.stack ?? e.message ?? ''])
    .filter(Boolean)
    .join('\n');
  return {
    message: redact(message.replace(ANSI, '')),
    type: first.name ?? 'AssertionError',
    body: redact(body.replace(ANSI, '')),
  };
}

const emptyCounts = (): Counts => ({ passed: 0, failed: 0, skipped: 0, excludedDisruptive: 0, flaky: 0 });

export class PvJunitReporter implements Reporter {
  summary?: RunSummary;
  private ids = new Map<string, string>(); // `${cluster}\0${id}` -> file
  private vitest?: Vitest;

  constructor(private readonly opts: PvReporterOptions) {}

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
  }

  onTestModuleCollected(mod: TestModule): void {
    const cluster = mod.project.name;
    if (!(cluster in this.opts.clusters)) return;
    for (const t of mod.children.allTests()) {
      const id = t.meta().pv?.id;
      if (!id) continue;
      const key = `${cluster}\0${id}`;
      const prev = this.ids.get(key);
      if (prev && prev !== mod.moduleId) {
        const msg = `duplicate check id ${id}: declared in ${path.relative(this.opts.root, prev)} and in ${path.relative(this.opts.root, mod.moduleId)}`;
        if (!runState().catalogueErrors.includes(msg)) runState().catalogueErrors.push(msg);
      } else this.ids.set(key, mod.moduleId);
    }
  }

  /** Selected = matches --grep; a disruptive check skipped without --allow-disruptive is "excluded", not skipped. */
  private classify(t: TestCase): 'run' | 'excluded-disruptive' | 'not-selected' {
    const tags = t.tags ?? [];
    if (this.opts.grepAst && !evaluateTags(this.opts.grepAst, tags)) return 'not-selected';
    if (!this.opts.allowDisruptive && tags.includes('disruptive')) return 'excluded-disruptive';
    return 'run';
  }

  private caseRecord(t: TestCase, cluster: string, rel: string): CaseRecord {
    const meta = t.meta();
    const pv = meta.pv;
    const r = t.result();
    const d = t.diagnostic();
    const attempts = r.state === 'skipped' || r.state === 'pending' ? 0 : (d?.retryCount ?? 0) + 1;
    const flaky = Boolean(d?.flaky) || (r.state === 'passed' && attempts > 1);
    const evidence = [...(meta.evidence ?? [])];
    const props: [string, string][] = [];
    const p = (n: string, v: string | undefined) => v !== undefined && props.push([n, redact(v)]);
    p('id', pv?.id ?? t.name);
    p('priority', pv?.priority);
    p('cluster', cluster);
    p('component', pv?.component);
    p('story', pv?.story);
    p('ac', pv?.ac.join(','));
    p('risks', pv?.risks.join(','));
    p('attempts', String(attempts));
    p('flaky', String(flaky));
    p('disruptive', String(pv?.disruptive ?? false));
    p('suggested_action', pv?.suggestedAction);
    for (const e of evidence) p('evidence', e);
    for (const [k, v] of Object.entries(meta.metrics ?? {})) p(`metric.${k}`, String(v));
    for (const [k, v] of Object.entries(pv?.targets ?? {})) p(`target.${k}`, String(v));

    const rec: CaseRecord = {
      name: t.name,
      classname: `${cluster}.${rel}`,
      file: rel,
      durationMs: d?.duration ?? 0,
      state: r.state === 'passed' ? 'passed' : r.state === 'failed' ? 'failed' : 'skipped',
      properties: props,
      evidence,
    };
    if (r.state === 'skipped') rec.skipMessage = redact(r.note ?? 'skipped (no reason given)');
    // vitest keeps every attempt's errors in one list (also for a test that passed in the end)
    const failedAttempts = r.state === 'failed' ? attempts : r.state === 'passed' ? attempts - 1 : 0;
    const groups = splitAttempts((r.errors ?? []) as TestError[], failedAttempts, meta.attemptErrors);
    if (r.state === 'failed') {
      const last = groups[groups.length - 1] ?? [];
      const f = describeErrors(last);
      const body = [
        ...(evidence.length
          ? ['evidence (relative to the run directory):', ...evidence.map((e) => `  ${e}`), '']
          : []),
        ...(pv?.suggestedAction ? [`suggested action: ${pv.suggestedAction}`, ''] : []),
        f.body,
      ].join('\n');
      rec.failure = { message: f.message, type: f.type, body: redact(body.replace(ANSI, '')) };
    }
    // Surefire: a passed-after-retry case carries one <flakyFailure> per failed attempt; a case that
    // failed every attempt carries <rerunFailure> for the attempts before the last. (Surefire puts the
    // FIRST run in <failure>; here <failure> is the last attempt, the verdict that counts.)
    const earlier = r.state === 'failed' ? groups.slice(0, -1) : groups;
    if (earlier.length) {
      const kind = r.state === 'failed' ? 'rerunFailure' : 'flakyFailure';
      rec.reruns = earlier.map((errs) => ({ kind, ...describeErrors(errs) }));
    }
    return rec;
  }

  async onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    unhandled: ReadonlyArray<SerializedError>,
    reason: string,
  ): Promise<void> {
    const reports = new Map<string, ClusterReport>();
    const perCluster: Record<string, Counts> = {};
    const collectionErrors: string[] = [];
    const state = runState();
    for (const cluster of Object.keys(this.opts.clusters)) {
      const id = state.clusters[cluster];
      reports.set(cluster, {
        cluster,
        suites: [],
        suiteProperties: [
          ['run_id', this.opts.runId],
          ['env', this.opts.env],
          ['cluster', cluster],
          ['context', this.opts.clusters[cluster]!.context],
          ['identity_expected', this.opts.clusters[cluster]!.expected],
          ...(id?.seen ? ([['identity_seen', id.seen]] as [string, string][]) : []),
          ...(id?.serverVersion ? ([['server_version', id.serverVersion]] as [string, string][]) : []),
        ],
      });
      perCluster[cluster] = emptyCounts();
    }

    for (const mod of modules) {
      const cluster = mod.project.name;
      const report = reports.get(cluster);
      if (!report) continue;
      const counts = perCluster[cluster]!;
      const rel = path.relative(this.opts.root, mod.moduleId).split(path.sep).join('/');
      const suite: SuiteRecord = { name: rel, file: rel, cases: [] };
      for (const t of mod.children.allTests()) {
        const cls = this.classify(t);
        if (cls === 'not-selected') continue;
        const st = t.result().state;
        if (cls === 'excluded-disruptive' && st === 'skipped') {
          counts.excludedDisruptive++;
          continue;
        }
        const rec = this.caseRecord(t, cluster, rel);
        suite.cases.push(rec);
        if (rec.state === 'passed') counts.passed++;
        else if (rec.state === 'failed') counts.failed++;
        else counts.skipped++;
        if (rec.properties.some(([n, v]) => n === 'flaky' && v === 'true')) counts.flaky++;
      }
      // a file that failed to load / collect: an <error> case, never silence
      const modErrors = (mod as unknown as { errors(): TestError[] }).errors?.() ?? [];
      if (modErrors.length) {
        const msg = modErrors.map((e) => e.message ?? String(e)).join('\n');
        collectionErrors.push(`(${cluster}) ${msg.includes(rel) ? msg : `${rel}: ${msg}`}`);
        counts.failed++;
        suite.cases.push({
          name: `(collection) ${rel}`,
          classname: `${cluster}.${rel}`,
          file: rel,
          durationMs: 0,
          state: 'error',
          properties: [
            ['id', `COLLECT:${rel}`],
            ['cluster', cluster],
          ],
          evidence: [],
          failure: {
            message: redact(msg.split('\n')[0] ?? msg),
            type: modErrors[0]?.name ?? 'CollectionError',
            body: redact(modErrors.map((e) => e.stack ?? e.message ?? '').join('\n\n')),
          },
        });
      }
      if (suite.cases.length) report.suites.push(suite);
    }

    // duplicate ids (across files): an <error> case in every selected cluster's file
    for (const msg of state.catalogueErrors) {
      for (const [cluster, report] of reports) {
        perCluster[cluster]!.failed++;
        report.suites.push({
          name: '(catalogue)',
          file: '(catalogue)',
          cases: [
            {
              name: `(catalogue) ${msg}`,
              classname: `${cluster}.catalogue`,
              file: '(catalogue)',
              durationMs: 0,
              state: 'error',
              properties: [['cluster', cluster]],
              evidence: [],
              failure: { message: msg, type: 'CatalogueError', body: msg },
            },
          ],
        });
      }
    }

    mkdirSync(this.opts.runDir, { recursive: true });
    const junitFiles: string[] = [];
    const timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, '');
    for (const [cluster, report] of reports) {
      const file = path.join(this.opts.runDir, `junit-${cluster}.xml`);
      writeFileSync(file, junitXml(report, { strict: this.opts.strict, timestamp, hostname: os.hostname() }));
      junitFiles.push(file);
    }
    const totals = Object.values(perCluster).reduce((a, c) => {
      for (const k of Object.keys(a) as (keyof Counts)[]) a[k] += c[k];
      return a;
    }, emptyCounts());
    this.summary = {
      perCluster,
      totals,
      collectionErrors,
      catalogueErrors: [...state.catalogueErrors],
      unhandledErrors: unhandled.map((e) => redact(e.message ?? String(e))),
      junitFiles,
      reason,
    };
    this.writeRunJson(reason === 'interrupted' ? 'interrupted' : undefined);
    void this.vitest;
  }

  /** run.json from what is known now; bin/test.ts calls it again with the final outcome. */
  writeRunJson(outcome?: RunJson['outcome'], reasons: string[] = []): string {
    const s = this.summary;
    const state = runState();
    const clusters: RunJson['clusters'] = {};
    for (const [name, c] of Object.entries(this.opts.clusters)) {
      const id = state.clusters[name];
      clusters[name] = {
        context: c.context,
        server: id?.server,
        identity: { expected: c.expected, seen: id?.seen, ...(id?.skipped ? { skipped: true } : {}) },
        serverVersion: id?.serverVersion,
        ok: id ? id.ok : null,
        ...(id?.error ? { error: id.error } : {}),
      };
    }
    const failed =
      !s || s.totals.failed > 0 || s.unhandledErrors.length > 0 || s.totals.passed + s.totals.failed === 0;
    return writeRunJson(this.opts.runDir, {
      runId: this.opts.runId,
      env: this.opts.env,
      configFile: this.opts.configFile,
      clusters,
      git: gitInfo(this.opts.root),
      selection: {
        projects: this.opts.projects,
        grep: this.opts.grep ?? null,
        allowDisruptive: this.opts.allowDisruptive,
        excludedDisruptive: s?.totals.excludedDisruptive ?? 0,
      },
      startedAt: this.opts.startedAt,
      endedAt: new Date().toISOString(),
      outcome: outcome ?? (failed ? 'failed' : 'passed'),
      ...(reasons.length ? { reasons } : {}),
      counts: {
        passed: s?.totals.passed ?? 0,
        failed: s?.totals.failed ?? 0,
        skipped: s?.totals.skipped ?? 0,
        flaky: s?.totals.flaky ?? 0,
      },
    });
  }
}
