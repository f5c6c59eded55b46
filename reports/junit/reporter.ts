// The project's JUnit reporter (vitest 4 reporters API). vitest's own JUnit reporter drops tags and
// merges projects; this one writes junit-<cluster>.xml per cluster with the check metadata, and
// run.json. It also finds duplicate check ids across files (each file is collected in its own worker).
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Reporter, TestCase, TestModule, TestSpecification, Vitest } from 'vitest/node';
import type { SerializedError } from 'vitest';
import { redact } from '../../helpers/evidence/redact.js';
import { evaluateTags, type TagNode } from '../../helpers/check/tag-expr.js';
import type { CleanupOutcome, PvIdentity } from '../../helpers/check/context.js';
import { clearCleanups, readCleanups } from '../../helpers/check/preflight.js';
import type { CaseRecord, ClusterReport, Counts, SuiteRecord } from './model.js';
import { junitXml } from './write-xml.js';
import { splitAttempts } from './attempts.js';
import { gitInfo, writeRunJson, type RunJson } from './run-json.js';
import { emptyManifest, reasonText, type Manifest, type NotSelectedReason } from './manifest.js';
import { writeFileNoFollow } from '../../helpers/evidence/safe-write.js';

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
  /** `-t`, positional file filters and the shard, as given (run.json selection, manifest) */
  testNamePattern?: string;
  fileFilters?: string[];
  shard?: { index: number; count: number };
  /** PV_SUITES, when it overrides the suites glob */
  suites?: string;
  /** Every cluster of the environment (a story gate names those --project left out) */
  environmentClusters?: string[];
}

export interface RunSummary {
  perCluster: Record<string, Counts>;
  totals: Counts;
  collectionErrors: string[];
  catalogueErrors: string[];
  unhandledErrors: string[];
  /** Failures vitest knows of that are not a failed check: hook errors, tests that never finished. */
  frameworkErrors: string[];
  junitFiles: string[];
  reason: string;
  manifest: Manifest;
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

/** run.json clusters[].swept/sweepError: the preflight's namespace sweep plus what checks swept. */
function sweepFields(
  namespaces: string[] | undefined,
  namespaceError: string | undefined,
  checks: { swept: string[]; errors: string[] } | undefined,
): { swept?: string[]; sweepError?: string } {
  const swept = [...(namespaces ?? []), ...(checks?.swept ?? [])];
  const errors = [...(namespaceError ? [namespaceError] : []), ...(checks?.errors ?? [])];
  return {
    ...(swept.length ? { swept } : {}),
    ...(errors.length ? { sweepError: errors.join('; ') } : {}),
  };
}

const emptyCounts = (): Counts => ({ passed: 0, failed: 0, skipped: 0, excludedDisruptive: 0, flaky: 0 });

export class PvJunitReporter implements Reporter {
  summary?: RunSummary;
  private ids = new Map<string, string>(); // `${cluster}\0${id}` -> file
  /** what checks swept of earlier runs' leftovers, per cluster (task meta swept/sweepErrors) */
  private checkSweeps = new Map<string, { swept: string[]; errors: string[] }>();
  private vitest?: Vitest;
  private readonly namePattern?: RegExp;
  /** cluster -> files of the whole catalogue (before sharding) / files this process runs */
  private allFiles = new Map<string, Set<string>>();
  private runFiles = new Map<string, Set<string>>();

  constructor(private readonly opts: PvReporterOptions) {
    if (opts.testNamePattern) this.namePattern = new RegExp(opts.testNamePattern);
  }

  /** Duplicate ids across files, found while collecting (an <error> case per cluster). */
  private catalogueErrors: string[] = [];
  /** Identity outcomes as the projects' globalSetup provided them (kept: vitest.close() clears them). */
  private identitiesSeen: Record<string, PvIdentity> = {};

  onInit(vitest: Vitest): void {
    this.vitest = vitest;
    clearCleanups(this.opts.runDir, Object.keys(this.opts.clusters));
  }

  /** Each selected cluster's identity outcome, read from its project's provided context. */
  identities(): Record<string, PvIdentity> {
    for (const p of this.vitest?.projects ?? []) {
      const id = p.name in this.opts.clusters ? p.getProvidedContext().pvIdentity : undefined;
      if (id) this.identitiesSeen[p.name] = id;
    }
    return { ...this.identitiesSeen };
  }

  /** The end-of-run cleanups the teardowns recorded (after vitest.close()). */
  cleanups(): Record<string, CleanupOutcome> {
    return readCleanups(this.opts.runDir, Object.keys(this.opts.clusters));
  }

  private rel(moduleId: string): string {
    return path.relative(this.opts.root, moduleId).split(path.sep).join('/');
  }

  async onTestRunStart(specs: ReadonlyArray<TestSpecification>): Promise<void> {
    for (const s of specs) {
      const c = s.project.name;
      if (!(c in this.opts.clusters)) continue;
      (this.runFiles.get(c) ?? this.runFiles.set(c, new Set()).get(c)!).add(this.rel(s.moduleId));
    }
    // the whole catalogue of the selected clusters, before --shard slices it (manifest: other shards)
    try {
      const all = (await this.vitest?.globTestSpecifications(this.opts.fileFilters ?? [])) ?? [];
      for (const s of all) {
        const c = s.project.name;
        if (!(c in this.opts.clusters)) continue;
        (this.allFiles.get(c) ?? this.allFiles.set(c, new Set()).get(c)!).add(this.rel(s.moduleId));
      }
    } catch {
      // without the glob, the manifest lists this process's files only (the gate then needs every shard's)
    }
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
        if (!this.catalogueErrors.includes(msg)) this.catalogueErrors.push(msg);
      } else this.ids.set(key, mod.moduleId);
    }
  }

  /**
   * Selected = matches --grep and -t; a disruptive check skipped without --allow-disruptive is
   * "excluded", not skipped. A test that ran (passed, failed, or never finished) is always reported.
   */
  private classify(t: TestCase): {
    cls: 'run' | 'excluded-disruptive' | 'not-selected';
    why?: NotSelectedReason;
  } {
    const tags = t.tags ?? [];
    const st = t.result().state;
    const ran = st !== 'skipped';
    if (this.opts.grepAst && !evaluateTags(this.opts.grepAst, tags))
      return ran
        ? { cls: 'run' }
        : { cls: 'not-selected', why: { kind: 'grep', detail: this.opts.grep ?? '' } };
    if (!this.opts.allowDisruptive && tags.includes('disruptive'))
      return ran ? { cls: 'run' } : { cls: 'excluded-disruptive', why: { kind: 'disruptive', detail: '' } };
    // -t: vitest marks every test whose full name does not match as mode "skip" at collection
    if (
      !ran &&
      this.namePattern &&
      t.options.mode === 'skip' &&
      !this.namePattern.test(t.fullName) &&
      !this.namePattern.test(t.name)
    )
      return {
        cls: 'not-selected',
        why: { kind: 'testNamePattern', detail: this.opts.testNamePattern ?? '' },
      };
    return { cls: 'run' };
  }

  private caseRecord(t: TestCase, cluster: string, rel: string): CaseRecord {
    const meta = t.meta();
    if (meta.swept?.length || meta.sweepErrors?.length) {
      const s = this.checkSweeps.get(cluster) ?? { swept: [], errors: [] };
      s.swept.push(...(meta.swept ?? []));
      s.errors.push(...(meta.sweepErrors ?? []));
      this.checkSweeps.set(cluster, s);
    }
    const pv = meta.pv;
    const r = t.result();
    const d = t.diagnostic();
    // attempts that failed before the verdict: the fixture counts them (also when the last attempt skipped)
    const priorFailures = meta.attemptErrors?.length ?? 0;
    const attempts =
      r.state === 'pending'
        ? 0
        : r.state === 'skipped'
          ? priorFailures
          : Math.max((d?.retryCount ?? 0) + 1, priorFailures + (r.state === 'passed' ? 1 : 0));
    const flaky = Boolean(d?.flaky) || (r.state === 'passed' && attempts > 1);
    const evidence = [...(meta.evidence ?? [])];
    const props: [string, string][] = [];
    const p = (n: string, v: string | undefined) => v !== undefined && props.push([n, redact(v)]);
    p('id', pv?.id ?? t.name);
    p('priority', pv?.priority);
    p('cluster', cluster);
    p('component', pv?.component);
    p('story', pv?.stories.join(','));
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
    if (r.state === 'pending') {
      // collected but never finished: its worker died, a hook above it hung, or the run was cut
      // short. Never a skip: nothing shows it passed.
      rec.state = 'error';
      const msg = `${pv?.id ?? t.name} did not finish: its worker exited or a hook never returned before the check ended (${rel})`;
      rec.failure = { message: msg, type: 'NotFinished', body: msg };
      return rec;
    }
    if (r.state === 'skipped' && priorFailures > 0) {
      // a retry that skips itself after a failed attempt: the failure stands
      rec.state = 'failed';
      const first = meta.attemptMessages?.[0] ?? 'see the earlier attempt';
      const msg = `${pv?.id ?? t.name}: attempt 1 of ${priorFailures + 1} failed (${first}); the next attempt skipped itself (${r.note ?? 'no reason given'}), which does not undo the failure`;
      rec.failure = { message: redact(msg), type: 'FailedThenSkipped', body: redact(msg) };
      return rec;
    }
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

  /** An <error> case for a failure of the framework or of vitest itself (no check behind it). */
  private errorCase(cluster: string, file: string, id: string, name: string, errs: TestError[]): CaseRecord {
    const msg = errs.map((e) => e.message ?? String(e)).join('\n') || name;
    return {
      name,
      classname: `${cluster}.${file}`,
      file,
      durationMs: 0,
      state: 'error',
      properties: [
        ['id', id],
        ['cluster', cluster],
      ],
      evidence: [],
      failure: {
        message: redact((msg.split('\n')[0] ?? msg).replace(ANSI, '')),
        type: errs[0]?.name ?? 'Error',
        body: redact(
          errs
            .map((e) => e.stack ?? e.message ?? '')
            .join('\n\n')
            .replace(ANSI, '') || msg,
        ),
      },
    };
  }

  async onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    unhandled: ReadonlyArray<SerializedError>,
    reason: string,
  ): Promise<void> {
    this.checkSweeps.clear();
    const reports = new Map<string, ClusterReport>();
    const perCluster: Record<string, Counts> = {};
    const collectionErrors: string[] = [];
    const frameworkErrors: string[] = [];
    const identities = this.identities();
    const manifest = emptyManifest(this.opts.shard ?? null, Object.keys(this.opts.clusters));
    for (const cluster of Object.keys(this.opts.clusters)) {
      const id = identities[cluster];
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
          ...(this.opts.shard
            ? ([['shard', `${this.opts.shard.index}/${this.opts.shard.count}`]] as [string, string][])
            : []),
        ],
      });
      perCluster[cluster] = emptyCounts();
      for (const f of this.allFiles.get(cluster) ?? [])
        manifest.files[cluster]![f] = { expectedTestcases: 0, shard: 'other' };
      for (const f of this.runFiles.get(cluster) ?? [])
        manifest.files[cluster]![f] = { expectedTestcases: 0, shard: 'this' };
    }
    const tally = (counts: Counts, rec: CaseRecord) => {
      if (rec.state === 'passed') counts.passed++;
      else if (rec.state === 'failed' || rec.state === 'error') counts.failed++;
      else counts.skipped++;
      if (rec.properties.some(([n, v]) => n === 'flaky' && v === 'true')) counts.flaky++;
    };

    for (const mod of modules) {
      const cluster = mod.project.name;
      const report = reports.get(cluster);
      if (!report) continue;
      const counts = perCluster[cluster]!;
      const rel = this.rel(mod.moduleId);
      const suite: SuiteRecord = { name: rel, file: rel, cases: [] };
      for (const t of mod.children.allTests()) {
        const { cls, why } = this.classify(t);
        const pv = t.meta().pv;
        manifest.checks.push({
          id: pv?.id ?? t.name,
          cluster,
          file: rel,
          priority: pv?.priority,
          component: pv?.component,
          story: pv?.stories.join(','),
          ac: pv?.ac,
          risks: pv?.risks,
          selected: cls === 'run',
          ...(why ? { why: reasonText(why) } : {}),
        });
        if (cls === 'not-selected') continue;
        if (cls === 'excluded-disruptive') {
          counts.excludedDisruptive++;
          continue;
        }
        const rec = this.caseRecord(t, cluster, rel);
        if (!pv && rec.state !== 'failed') {
          // a plain vitest test in a cluster project: no id, priority or cluster; it proves nothing
          const msg = `"${t.fullName}" in ${rel} is not declared through check() (no id, priority or cluster): a suite holds checks only`;
          rec.state = 'error';
          rec.failure = { message: msg, type: 'NotACheck', body: msg };
        }
        suite.cases.push(rec);
        tally(counts, rec);
        if (rec.state === 'error') frameworkErrors.push(`(${cluster}) ${rec.failure!.message}`);
      }
      // a hook of a describe block that threw: the tests under it are skipped by vitest, the file failed
      for (const s of mod.children.allSuites()) {
        const errs = s.errors() as TestError[];
        if (!errs.length) continue;
        const name = `(hook) ${rel} > ${s.fullName}`;
        const rec = this.errorCase(cluster, rel, `HOOK:${rel}>${s.fullName}`, name, errs);
        suite.cases.push(rec);
        tally(counts, rec);
        frameworkErrors.push(`(${cluster}) ${name}: ${rec.failure!.message}`);
      }
      // a file that failed to load / collect, or a top-level hook that threw: an <error> case, never silence
      const modErrors = mod.errors() as TestError[];
      if (modErrors.length) {
        const msg = modErrors.map((e) => e.message ?? String(e)).join('\n');
        collectionErrors.push(`(${cluster}) ${msg.includes(rel) ? msg : `${rel}: ${msg}`}`);
        const rec = this.errorCase(cluster, rel, `COLLECT:${rel}`, `(collection) ${rel}`, modErrors);
        rec.failure!.type = modErrors[0]?.name ?? 'CollectionError';
        suite.cases.push(rec);
        tally(counts, rec);
      }
      // vitest's own verdict of the file: failed, but nothing above says why (the next unknown path)
      if (!mod.ok() && !suite.cases.some((c) => c.state === 'failed' || c.state === 'error')) {
        const name = `(file) ${rel}`;
        const rec = this.errorCase(cluster, rel, `FILE:${rel}`, name, [
          {
            message: `vitest reports ${rel} as failed (state ${mod.state()}) with no failed check`,
            name: 'FileFailed',
          },
        ]);
        suite.cases.push(rec);
        tally(counts, rec);
        frameworkErrors.push(`(${cluster}) ${rec.failure!.message}`);
      }
      const f = manifest.files[cluster]!;
      f[rel] = { expectedTestcases: suite.cases.length, shard: 'this' };
      if (suite.cases.length) report.suites.push(suite);
    }

    // unhandled errors (a rejected promise nobody awaited, a worker that died): an <error> case in the
    // cluster whose file raised it, else in every selected cluster
    const unhandledErrors = unhandled.map((e) => redact((e.message ?? String(e)).replace(ANSI, '')));
    unhandled.forEach((e, i) => {
      const where = e as SerializedError & { VITEST_TEST_PATH?: string; VITEST_TEST_NAME?: string };
      const file = where.VITEST_TEST_PATH ? this.rel(where.VITEST_TEST_PATH) : '(run)';
      const targets = [...reports.keys()].filter(
        (c) => file === '(run)' || (manifest.files[c]?.[file]?.shard ?? '') === 'this',
      );
      for (const cluster of targets.length ? targets : [...reports.keys()]) {
        const name = `(unhandled) ${file}${where.VITEST_TEST_NAME ? ` > ${where.VITEST_TEST_NAME}` : ''} #${i + 1}`;
        const rec = this.errorCase(cluster, file, `UNHANDLED:${file}#${i + 1}`, name, [e as TestError]);
        const report = reports.get(cluster)!;
        let suite = report.suites.find((s) => s.file === file);
        if (!suite) report.suites.push((suite = { name: file, file, cases: [] }));
        suite.cases.push(rec);
        tally(perCluster[cluster]!, rec);
        const mf = manifest.files[cluster]!;
        mf[file] = { expectedTestcases: (mf[file]?.expectedTestcases ?? 0) + 1, shard: 'this' };
      }
    });

    // duplicate ids (across files): an <error> case in every selected cluster's file
    for (const msg of this.catalogueErrors) {
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
              properties: [
                ['id', `CATALOGUE:${msg.slice(0, 80)}`],
                ['cluster', cluster],
              ],
              evidence: [],
              failure: { message: msg, type: 'CatalogueError', body: msg },
            },
          ],
        });
        const mf = manifest.files[cluster]!;
        mf['(catalogue)'] = {
          expectedTestcases: (mf['(catalogue)']?.expectedTestcases ?? 0) + 1,
          shard: 'this',
        };
      }
    }

    // vitest says the run failed and nothing above explains it: say so rather than trust our counts
    const totalsSoFar = Object.values(perCluster).reduce((a, c) => a + c.failed, 0);
    if (reason === 'failed' && totalsSoFar === 0) {
      for (const [cluster, report] of reports) {
        const rec = this.errorCase(cluster, '(run)', 'VITEST:run-failed', '(vitest) run failed', [
          {
            message:
              'vitest reports the run as failed, with no failed check or error the reporter could attribute',
            name: 'RunFailed',
          },
        ]);
        report.suites.push({ name: '(run)', file: '(run)', cases: [rec] });
        tally(perCluster[cluster]!, rec);
        const mf = manifest.files[cluster]!;
        mf['(run)'] = { expectedTestcases: (mf['(run)']?.expectedTestcases ?? 0) + 1, shard: 'this' };
        frameworkErrors.push(`(${cluster}) ${rec.failure!.message}`);
      }
    }

    mkdirSync(this.opts.runDir, { recursive: true });
    const junitFiles: string[] = [];
    const timestamp = new Date().toISOString().replace(/\.\d{3}Z$/, '');
    for (const [cluster, report] of reports) {
      const file = path.join(this.opts.runDir, `junit-${cluster}.xml`);
      writeFileNoFollow(
        file,
        junitXml(report, { strict: this.opts.strict, timestamp, hostname: os.hostname() }),
      );
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
      catalogueErrors: [...this.catalogueErrors],
      unhandledErrors,
      frameworkErrors,
      junitFiles,
      reason,
      manifest,
    };
    this.writeRunJson(reason === 'interrupted' ? 'interrupted' : undefined);
  }

  /** run.json from what is known now; bin/test.ts calls it again with the final outcome. */
  writeRunJson(outcome?: RunJson['outcome'], reasons: string[] = []): string {
    const s = this.summary;
    const identities = this.identities();
    const cleanups = this.cleanups();
    const clusters: RunJson['clusters'] = {};
    for (const [name, c] of Object.entries(this.opts.clusters)) {
      const id = identities[name];
      clusters[name] = {
        context: c.context,
        server: id?.server,
        identity: { expected: c.expected, seen: id?.seen, ...(id?.skipped ? { skipped: true } : {}) },
        serverVersion: id?.serverVersion,
        ok: id ? id.ok : null,
        ...(id?.error ? { error: id.error } : {}),
        ...(cleanups[name] ? { cleanup: cleanups[name] } : {}),
        ...sweepFields(id?.swept, id?.sweepError, this.checkSweeps.get(name)),
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
        environmentClusters: this.opts.environmentClusters ?? this.opts.projects,
        grep: this.opts.grep ?? null,
        testNamePattern: this.opts.testNamePattern ?? null,
        fileFilters: this.opts.fileFilters ?? [],
        shard: this.opts.shard ?? null,
        suites: this.opts.suites ?? null,
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
      ...(s ? { manifest: s.manifest } : {}),
    });
  }
}
