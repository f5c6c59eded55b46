// `pnpm gate`: QA gate decision from a run's JUnit. Exit 0 PASS/WAIVED, 1 FAIL, 2 CONCERNS, 3 bad input.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeReport } from '../html/index.js';
import { evaluate, storiesInRun, type Evaluation } from './evaluate.js';
import { redact } from '../../helpers/evidence/redact.js';
import { finding, writeGateFile } from './gatefile.js';
import { buildTrend, notableTrends, trendString } from './history.js';
import { GateInputError, type GateStatus } from './model.js';
import { loadRuns } from './run.js';
import { findStory, PLATFORM_STORY, storySlug } from '../../helpers/trace/catalogue.js';
import { pushMetrics, runMetrics } from './metrics.js';
import { DEFAULT_QAGATE, parseQAGateRef, publishGate, type QAGateRef } from './publish.js';
import { markdownSummary } from './summary.js';
import { loadWaivers, type WaiverSet } from './waivers.js';
import { setting } from '../../helpers/config/settings.js';

export const EXIT: Record<GateStatus, number> = { PASS: 0, WAIVED: 0, FAIL: 1, CONCERNS: 2 };
export const EXIT_BAD_INPUT = 3;
/** The decision was made but could not be written to every cluster's QAGate (--publish). */
export const EXIT_NOT_PUBLISHED = 5;

const USAGE = `usage: pnpm gate [--run <dir>]... [--story <id>] [--waivers <file>] [--reviewer <name>] [--history <n>]
                 [--gates-dir <dir>] [--out <dir>] [--no-report] [--summary <file>]
                 [--push-metrics <url>] [--publish [--publish-to <ns>/<name>] [--publish-kubeconfig <file>]]
  --run <dir>       run dir with junit-*.xml and run.json (default docs/qa/evidence/latest);
                    repeat for the shards of one run (vitest --shard): they are merged
  --story <id>      gate one story (e.g. STORY-VALIDATE-NETWORKING); default: the whole run
                    (docs/qa/gates/platform.yml) plus one gate file per story the checks name
  --waivers <file>  YAML list of {check|risk, reason, approved_by, expires[, cluster]}
  --reviewer <name> reviewer recorded in the gate file (default $PV_REVIEWER or "pnpm gate")
  --history <n>     runs in the per-check trend, this one included (default 10)
  --history-dir <d> where past runs are (default: the parent of the (first) run dir); a subdir
                    with junit-*.xml is a run, one whose subdirs have them is a sharded run
  --gates-dir <dir> where gate files go (default docs/qa/gates)
  --out <dir>       where report.html goes (default: the (first) run dir)
  --no-report       do not write report.html
  --summary <file>  write the decision as Markdown (CI job summary, GitLab artifact); when
                    $GITHUB_STEP_SUMMARY is set it is also appended there
  --push-metrics <url>  POST the run as Prometheus metrics (per check x cluster status, duration,
                    attempts, value/target, last pass; the gate decision) to a Pushgateway job URL
                    or VictoriaMetrics' /api/v1/import/prometheus (default $PV_METRICS_URL)
  --publish         write the decision to each cluster the run reached, as the status of a QAGate
                    (deploy/gate/), so Flux can hold the next layer on it; the one opt-in write
  --publish-to <ns>/<name>  the QAGate (default ${DEFAULT_QAGATE})
  --publish-kubeconfig <file>  the publisher identity's kubeconfig (same context names as the
                    config's; default: each cluster's kubeconfig from the run's config)
exit: 0 PASS or WAIVED, 1 FAIL, 2 CONCERNS, 3 bad input (flag, file, XML, waiver),
      5 decided but not published on every cluster (--publish)`;

interface Options {
  runs: string[];
  story?: string;
  waivers?: string;
  reviewer: string;
  history: number;
  historyDir?: string;
  gatesDir: string;
  out?: string;
  report: boolean;
  summary?: string;
  /** GitHub's job summary file ($GITHUB_STEP_SUMMARY): appended to, as GitHub expects. */
  stepSummary?: string;
  metricsUrl?: string;
  publish?: { target: QAGateRef; kubeconfig?: string };
}

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): Options | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        run: { type: 'string', multiple: true },
        story: { type: 'string' },
        waivers: { type: 'string' },
        reviewer: { type: 'string' },
        history: { type: 'string' },
        'history-dir': { type: 'string' },
        'gates-dir': { type: 'string' },
        out: { type: 'string' },
        'no-report': { type: 'boolean' },
        summary: { type: 'string' },
        'push-metrics': { type: 'string' },
        publish: { type: 'boolean' },
        'publish-to': { type: 'string' },
        'publish-kubeconfig': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new GateInputError(`${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) return 'help';
  const history = values.history === undefined ? 10 : Number(values.history);
  if (!Number.isInteger(history) || history < 1 || history > 1000) {
    throw new GateInputError(
      `--history ${values.history}: expected a whole number of runs between 1 and 1000`,
    );
  }
  return {
    runs: values.run?.length ? values.run : ['docs/qa/evidence/latest'],
    story: values.story,
    waivers: values.waivers,
    reviewer: values.reviewer ?? setting('PV_REVIEWER', env) ?? 'pnpm gate',
    history,
    historyDir: values['history-dir'],
    gatesDir: values['gates-dir'] ?? 'docs/qa/gates',
    out: values.out,
    report: !values['no-report'],
    summary: values.summary,
    stepSummary: env['GITHUB_STEP_SUMMARY'] || undefined,
    metricsUrl: metricsUrl(values['push-metrics'] ?? setting('PV_METRICS_URL', env)),
    publish: publishOption(values),
  };
}

function publishOption(values: {
  publish?: boolean;
  'publish-to'?: string;
  'publish-kubeconfig'?: string;
}): Options['publish'] {
  if (!values.publish) {
    const stray =
      values['publish-to'] !== undefined
        ? '--publish-to'
        : values['publish-kubeconfig'] !== undefined
          ? '--publish-kubeconfig'
          : undefined;
    if (stray) throw new GateInputError(`${stray} is given without --publish`);
    return undefined;
  }
  return {
    target: parseQAGateRef(values['publish-to'] ?? DEFAULT_QAGATE),
    kubeconfig: values['publish-kubeconfig'],
  };
}

function metricsUrl(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new GateInputError(`--push-metrics ${raw}: expected an http(s) URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new GateInputError(`--push-metrics ${raw}: expected an http(s) URL, got ${u.protocol}`);
  return raw;
}

function rel(p: string): string {
  const r = relative(process.cwd(), p);
  return r.startsWith('..') ? p : r;
}

function printEvaluation(e: Evaluation, gateFile: string, log: (s: string) => void) {
  const d = e.decision;
  log(`QA gate ${e.story}: ${d.gate}`);
  for (const r of d.reasons) log(`  - ${r}`);
  const c = d.counts;
  log(
    `  checks: ${d.executed} executed, ${d.skipped} skipped | P0 ${c.P0.passed}/${c.P0.executed}, P1 ${c.P1.passed}/${c.P1.executed}, P2 ${c.P2.passed}/${c.P2.executed}` +
      (d.waived.length ? ` | ${d.waived.length} waived` : ''),
  );
  log(
    `  trace: ${e.trace.covered.length} AC covered, ${e.trace.gaps.length} gaps${e.trace.gaps.length ? ` (${e.trace.gaps.join(', ')})` : ''}`,
  );
  log(`  gate file: ${rel(gateFile)}`);
}

function printIssues(e: Evaluation, log: (s: string) => void) {
  const issues = [...e.decision.open, ...e.decision.waived.map((w) => w.check)];
  if (!issues.length) return;
  log(`top issues:`);
  for (const c of issues.slice(0, 10)) {
    const waived = e.decision.waived.some((w) => w.check === c) ? ' (waived)' : '';
    log(`  [${c.priority}] ${c.id}@${c.cluster}${waived}: ${finding(c)}`);
    if (c.suggestedAction) log(`       action: ${redact(c.suggestedAction)}`);
  }
  if (issues.length > 10) log(`  ... ${issues.length - 10} more in the gate file`);
}

export async function main(argv: string[], log = console.log, warn = console.error): Promise<number> {
  try {
    const parsed = parseOptions(argv[0] === '--' ? argv.slice(1) : argv);
    if (parsed === 'help') {
      log(USAGE);
      return 0;
    }
    const opts: Options = parsed;
    const run = loadRuns(opts.runs);
    let waivers: WaiverSet = { active: [], expired: [], warnings: [] };
    if (opts.waivers) waivers = loadWaivers(opts.waivers);
    for (const w of waivers.warnings) warn(`gate: warning: ${w}`);

    let scopes: string[];
    const story = opts.story;
    if (story) {
      const known = story.toLowerCase() === PLATFORM_STORY || !!findStory(story);
      const inRun = storiesInRun(run.checks).some((s) => s.toUpperCase() === story.toUpperCase());
      if (!known && !inRun) {
        const present = storiesInRun(run.checks);
        throw new GateInputError(
          `--story ${story}: no check of this run names it and it is not in reports/gate/stories.ts` +
            ` (stories in this run: ${present.length ? present.join(', ') : 'none'})`,
        );
      }
      scopes = [story.toLowerCase() === PLATFORM_STORY ? PLATFORM_STORY : story];
    } else {
      scopes = [PLATFORM_STORY, ...storiesInRun(run.checks)];
    }

    const trend = buildTrend(
      run.runs,
      run.checks,
      waivers.active,
      opts.history,
      opts.historyDir ? resolve(opts.historyDir) : undefined,
    );
    for (const w of trend.warnings) warn(`gate: warning: ${w}`);

    // one gate file per scope: a story whose file name is platform.yml's, or two stories with one
    // file name, would overwrite a gate a QA lead signs
    const slugs = new Map<string, string>();
    for (const sc of scopes) {
      const slug = storySlug(sc);
      const other = slugs.get(slug);
      if (
        (slug === storySlug(PLATFORM_STORY) && sc !== PLATFORM_STORY) ||
        (other !== undefined && other !== sc)
      ) {
        throw new GateInputError(
          `story "${sc}" would write ${slug}.yml, the gate file of ${other === undefined || other === PLATFORM_STORY ? 'the platform gate' : `story "${other}"`}; rename the story in the checks' metadata`,
        );
      }
      slugs.set(slug, sc);
    }
    const now = new Date();
    const evaluations = scopes.map((s) => evaluate(run, s, waivers.active));
    let report: string | undefined;
    if (opts.report) {
      const platform = evaluations[0]!;
      report = await writeReport(run.runs[0]!.dir, {
        loaded: run,
        waivers: waivers.active,
        outDir: opts.out ? resolve(opts.out) : undefined,
        trend,
        evaluation: platform,
      });
    }
    let exitCode = 0;
    const gateFiles: string[] = [];
    evaluations.forEach((e, i) => {
      const file = join(resolve(opts.gatesDir), `${storySlug(e.story)}.yml`);
      gateFiles.push(file);
      const { warnings } = writeGateFile(file, {
        evaluation: e,
        run,
        waivers,
        reviewer: opts.reviewer,
        now,
        trend,
        report: report ? rel(report) : undefined,
      });
      for (const w of warnings) warn(`gate: warning: ${w}`);
      printEvaluation(e, file, log);
      if (i === 0) exitCode = EXIT[e.decision.gate];
    });
    printIssues(evaluations[0]!, log);
    const scopeKeys = new Set(evaluations[0]!.checks.map((c) => `${c.id}@${c.cluster}`));
    const notable = notableTrends(trend).filter((t) => scopeKeys.has(t.key));
    if (notable.length && trend.runs.length > 1) {
      log(
        `trend over ${trend.runs.length} runs (oldest first; P pass, F fail, W waived, S skipped, - absent):`,
      );
      for (const t of notable.slice(0, 15)) log(`  ${trendString(t)}  ${t.key} [${t.priority}]`);
      if (notable.length > 15) log(`  ... ${notable.length - 15} more in the report`);
    }
    if (report) log(`report: ${rel(report)}`);
    if (opts.summary || opts.stepSummary) {
      const md = markdownSummary({
        evaluations,
        waivers: waivers.active,
        gateFiles,
        report,
        cwd: process.cwd(),
      });
      if (opts.summary) {
        const file = resolve(opts.summary);
        try {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, md);
        } catch (e) {
          throw new GateInputError(`--summary ${opts.summary}: cannot write (${(e as Error).message})`);
        }
        log(`summary: ${rel(file)}`);
      }
      if (opts.stepSummary) {
        try {
          appendFileSync(opts.stepSummary, `${md}\n`);
        } catch (e) {
          warn(
            `gate: warning: GITHUB_STEP_SUMMARY ${opts.stepSummary}: cannot append (${(e as Error).message})`,
          );
        }
      }
    }
    if (opts.metricsUrl) {
      // a failed push does not change the decision; it is said, so stale dashboards are explained
      try {
        const n = await pushMetrics(opts.metricsUrl, runMetrics(run, evaluations[0]!, trend));
        log(`metrics: ${n} samples pushed`);
      } catch (e) {
        warn(`gate: warning: ${(e as Error).message}`);
      }
    }
    if (opts.publish) {
      const results = await publishGate({
        run,
        evaluation: evaluations[0]!,
        target: opts.publish.target,
        kubeconfig: opts.publish.kubeconfig,
        report: report ? rel(report) : undefined,
      });
      for (const r of results) (r.ok ? log : warn)(`publish ${r.cluster}: ${r.message}`);
      // FAIL keeps its 1; a decision that would let the pipeline on is not trusted unpublished
      if (results.some((r) => !r.ok) && exitCode !== EXIT.FAIL) exitCode = EXIT_NOT_PUBLISHED;
    }
    log(`decision: ${evaluations[0]!.decision.gate} (exit ${exitCode})`);
    return exitCode;
  } catch (e) {
    if (e instanceof GateInputError) {
      warn(`gate: error: ${e.message}`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`gate: internal error: ${(e as Error).stack ?? String(e)}`);
      process.exit(EXIT_BAD_INPUT + 1);
    },
  );
}
