// `pnpm test`: a thin wrapper over vitest's node API. Adds what vitest lacks for this project:
// --grep <tag expression> (-> tagsFilter), --env, --allow-disruptive, --strict-junit, a run id and
// evidence dir, run.json, and "no false greens" (zero checks, unreachable cluster -> non-zero).
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, lstatSync, renameSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import type { Vitest } from 'vitest/node';
import { REPO_ROOT } from '../helpers/config/index.js';
import { toTagsFilter } from '../helpers/check/tag-expr.js';
import { newRunId } from '../helpers/run/ids.js';
import { setting, unknownSettings } from '../helpers/config/settings.js';
import { defaultMaxWorkers } from '../helpers/check/workers.js';
import { clearCleanups, preflightOutcome, type PreflightResult } from '../helpers/check/preflight.js';
import type { ImportTs } from '../helpers/config/load.js';
import { redact, registerSecret } from '../helpers/evidence/redact.js';
import { SecretRedactionReporter, redactProcessOutput } from '../helpers/evidence/redaction-reporter.js';
import { openSecretSink, type SecretSink } from '../helpers/evidence/secret-channel.js';
import { writeFileNoFollow } from '../helpers/evidence/safe-write.js';
import { PvJunitReporter } from '../reports/junit/reporter.js';
import { resolveSelection, SelectionError, type Selection } from './selection.js';
import { decideOutcome, exitCode } from './outcome.js';
import { mark } from './timings.mjs';

const fail = (msg: string, code = 2): never => {
  process.stderr.write(`pnpm test: ${msg}\n`);
  process.exit(code);
};

/** docs/qa/evidence/latest -> <run-id> (relative, replaced atomically). */
function pointLatest(evidenceDir: string, runId: string): void {
  const link = path.join(evidenceDir, 'latest');
  const tmp = `${link}.${process.pid}`;
  try {
    rmSync(tmp, { force: true });
    symlinkSync(runId, tmp);
    renameSync(tmp, link);
  } catch {
    try {
      if (lstatSync(link, { throwIfNoEntry: false })) rmSync(link, { recursive: true, force: true });
      symlinkSync(runId, link);
    } catch (e) {
      process.stderr.write(`pnpm test: could not update ${link}: ${(e as Error).message}\n`);
    }
  }
}

/** What bin/launch.mjs hands over: loaded before this module, or by it. */
export interface Launch {
  /** vitest's node API, loaded natively */
  vitestNode: typeof import('vitest/node');
  /** loads our TypeScript (the platform config) from its compiled bundle (bin/compile.mjs) */
  importTs: ImportTs;
  /** the preflight child's result; absent: globalSetup proves the identities in-process */
  preflight?: PreflightResult;
}

export async function main(launch: Launch): Promise<number> {
  const { createVitest, parseCLI } = launch.vitestNode;
  const startedAt = new Date().toISOString();
  // 1. configuration and selection, all before any cluster is touched
  let sel: Selection;
  try {
    sel = await resolveSelection(process.argv.slice(2), {
      parseCLI,
      importTs: launch.importTs,
    });
  } catch (e) {
    if (e instanceof SelectionError) return fail(e.message);
    throw e;
  }
  mark('selection resolved');
  const { args, env, projects, grepAst } = sel;
  const unknown = unknownSettings();
  if (unknown.length) {
    process.stderr.write(
      `pnpm test: warning: ${unknown.join(', ')}: not a setting, ignored (README "Runtime settings" lists them)\n`,
    );
  }
  const cli = sel.cli!;

  // 2. the run: id, evidence dir, latest
  const runId = setting('PV_RUN_ID') ?? newRunId();
  const runDir = path.join(env.evidenceDir, runId);
  mkdirSync(path.join(runDir, 'attachments'), { recursive: true });
  pointLatest(env.evidenceDir, runId);
  Object.assign(process.env, {
    PV_ENV: env.env,
    PV_CONFIG: env.configFile,
    PV_RUN_ID: runId,
    PV_RUN_DIR: runDir,
    PV_ALLOW_DISRUPTIVE: args.allowDisruptive ? '1' : '0',
    PV_STRICT_JUNIT: args.strictJunit ? '1' : '0',
    // the shard's own run namespace (helpers/run/ids.ts): shards of one run never delete each other's
    PV_SHARD: args.shard ? `${args.shard.index}/${args.shard.count}` : '',
  });
  if (setting('PV_IDENTITY') === 'skip') {
    process.stderr.write(
      '\n!!! PV_IDENTITY=skip is set: cluster identities will NOT be proven. Benchmark use only. !!!\n\n',
    );
  }

  // identity (TECH-002) and the sweep of expired leftovers were done before this process loaded vitest,
  // in a short-lived child process, so client-node never stays here (globalSetup provides the outcomes
  // to the workers and proves in-process any cluster without one)
  // (bin/launch.mjs ran it; only outcomes for exactly the clusters resolved here are taken)
  const pvPreflight = Object.fromEntries(
    projects.flatMap((p) => {
      const o = preflightOutcome(launch.preflight, env.clusters[p]!);
      return o ? [[p, o] as const] : [];
    }),
  );

  // vitest.config.ts takes the environment resolved here rather than loading zod and the config again.
  // In a fresh 0700 temp dir, not the run dir: a process killed before vitest loaded its config must
  // not leave it among the evidence a CI job publishes; removed on any exit too.
  const envDir = mkdtempSync(path.join(os.tmpdir(), 'pv-env-'));
  const envFile = path.join(envDir, 'env.json');
  const removeEnvFile = () => rmSync(envDir, { recursive: true, force: true });
  process.once('exit', removeEnvFile);
  writeFileNoFollow(envFile, JSON.stringify(env));
  process.env.PV_ENV_FILE = envFile;
  const reporter = new PvJunitReporter({
    runId,
    runDir,
    env: env.env,
    configFile: env.configFile,
    root: REPO_ROOT,
    clusters: Object.fromEntries(
      projects.map((p) => [
        p,
        { context: env.clusters[p]!.context, expected: env.clusters[p]!.identity.expected },
      ]),
    ),
    projects,
    grep: args.grep,
    grepAst,
    allowDisruptive: args.allowDisruptive,
    strict: args.strictJunit,
    startedAt,
    testNamePattern: args.testNamePattern,
    fileFilters: args.fileFilters,
    shard: args.shard,
    suites: setting('PV_SUITES'),
    environmentClusters: Object.keys(env.clusters),
  });
  const userReporters = cli.options.reporters;
  // first: redacts in place (with what the workers registered, over the secret channel) before
  // vitest's own reporter prints and ours writes JUnit/run.json
  const reporters = [
    new SecretRedactionReporter(),
    ...(userReporters ? [userReporters].flat() : ['default']),
    reporter,
  ];

  // 3. vitest
  let vitest: Vitest | undefined;
  let interrupted = false;
  let firstSignalAt = 0;
  let firstSignal: NodeJS.Signals | undefined;
  // the shell convention, 128 + the signal's number: 130 after Ctrl-C, 143 after SIGTERM (a Job's pod)
  let interruptCode = 130;
  const onSignal = (sig: NodeJS.Signals) => {
    process.stderr.write(`\npnpm test: ${sig} received\n`);
    if (interrupted) {
      // a second Ctrl-C (not the echo of the first) forces the exit, still leaving a run.json. Another
      // signal is a CI runner's cancel sequence (GitHub: SIGINT, then SIGTERM ~7.5 s later), not a
      // person insisting: it forces only after 30 s, so the cleanup gets its time.
      const since = Date.now() - firstSignalAt;
      if (since < (sig === firstSignal ? 2_000 : 30_000)) return;
      try {
        reporter.writeRunJson('interrupted', ['interrupted twice: forced exit, cleanup may be incomplete']);
      } catch {
        // best effort
      }
      process.exit(interruptCode);
    }
    interrupted = true;
    interruptCode = 128 + (os.constants.signals[sig] ?? 2);
    firstSignalAt = Date.now();
    firstSignal = sig;
    process.stderr.write(
      `pnpm test: ${sig}: stopping; run-owned resources are being removed (again to force)\n`,
    );
    void vitest?.cancelCurrentRun('keyboard-input');
    // bounded: a check that ignores cancellation cannot keep the run (and its cleanup) hanging forever
    setTimeout(() => {
      process.stderr.write('pnpm test: run did not stop within 60 s after the signal; exiting\n');
      reporter.writeRunJson('interrupted', ['interrupted; the run did not stop within 60 s']);
      process.exit(interruptCode);
    }, 60_000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let startError: string | undefined;
  const vitestFailures: string[] = [];
  // workers inherit PV_SECRET_SINK and forward every secret they register before a result leaves them
  const secretSink: SecretSink = await openSecretSink(registerSecret);
  Object.assign(process.env, secretSink.env);
  // and everything this process prints from now on (vitest's reporter, a library's log)
  redactProcessOutput();
  try {
    vitest = await createVitest(
      'test',
      {
        ...cli.options,
        config: path.join(REPO_ROOT, 'vitest.config.ts'),
        root: REPO_ROOT,
        project: projects,
        maxWorkers: cli.options.maxWorkers ?? defaultMaxWorkers(projects.length),
        tagsFilter: toTagsFilter(args.grep, args.allowDisruptive),
        watch: false,
        run: true,
        passWithNoTests: true, // zero selected is judged below, with a clearer message
        reporters: reporters as never,
        provide: { pvPreflight }, // globalSetup takes its cluster's outcome from here
      },
      {},
      {},
    );
    mark('vitest created');
    removeEnvFile(); // the config is loaded
    delete process.env.PV_ENV_FILE;
    // vitest's logger exits the process on SIGINT/SIGTERM right away; ours cancels the run instead so
    // that the globalSetup teardowns remove run-owned resources and the JUnit/run.json are written
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      for (const l of process.listeners(sig)) if (l !== onSignal) process.off(sig, l as () => void);
    }
    const result = await vitest.start(cli.filter);
    mark('checks finished');
    // vitest's own verdict, read apart from the reporter: a failed file or an error it counted
    for (const m of result.testModules) {
      if (!m.ok()) vitestFailures.push(`${path.relative(REPO_ROOT, m.moduleId)} (${m.project.name}) failed`);
    }
    for (const e of result.unhandledErrors) {
      vitestFailures.push(`unhandled error: ${redact(String((e as Error)?.message ?? e))}`);
    }
  } catch (e) {
    removeEnvFile();
    startError = redact((e as Error).message ?? String(e));
    process.stderr.write(`pnpm test: vitest failed: ${startError}\n`);
  } finally {
    // closing runs the globalSetup teardowns: the end-of-run cleanup, recorded in the run dir
    await vitest?.close().catch((e: unknown) => {
      vitestFailures.push(`vitest close failed: ${redact(String((e as Error)?.message ?? e))}`);
    });
    await secretSink.close();
  }

  mark('vitest closed');
  // 4. verdict: no false greens
  const s = reporter.summary;
  const identities = reporter.identities();
  const { outcome, reasons } = decideOutcome({
    startError,
    interrupted,
    summary: s,
    identities,
    cleanup: reporter.cleanups(),
    vitestFailures,
    projects,
    grep: args.grep,
  });
  reporter.writeRunJson(outcome, reasons);
  clearCleanups(runDir, projects); // run.json holds them now
  const ran = s ? s.totals.passed + s.totals.failed : 0;

  // 5. summary
  const out: string[] = [
    '',
    `run ${runId}  env ${env.env}  projects ${projects.join(', ')}${args.grep ? `  grep "${args.grep}"` : ''}`,
  ];
  for (const [name, c] of Object.entries(s?.perCluster ?? {})) {
    const id = identities[name];
    const idText = !id
      ? 'not contacted'
      : id.skipped
        ? 'identity NOT CHECKED (PV_IDENTITY=skip)'
        : id.ok
          ? `identity ${id.seen} (${id.serverVersion ?? '?'})`
          : 'identity FAILED';
    out.push(
      `  ${name.padEnd(8)} ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped${c.flaky ? `, ${c.flaky} flaky` : ''}${c.excludedDisruptive ? `, ${c.excludedDisruptive} disruptive excluded (needs --allow-disruptive; not counted as passed)` : ''}  [${idText}]`,
    );
  }
  out.push(`  evidence: ${path.relative(process.cwd(), runDir) || runDir}`);
  if (outcome === 'passed') out.push(`PASSED: ${ran} check(s)`);
  else out.push(`${outcome.toUpperCase()}:`, ...reasons.map((r) => `  - ${redact(r)}`));
  process.stdout.write(`${out.join('\n')}\n`);
  mark('run.json and summary written');
  return exitCode(outcome, interruptCode);
}

/** bin/launch.mjs's entry: the run, then the process's exit with its code. */
export function run(launch: Launch): Promise<never> {
  return main(launch).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`pnpm test: ${redact((e as Error)?.stack ?? String(e))}\n`);
      process.exit(2);
    },
  );
}
