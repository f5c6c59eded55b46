/**
 * pnpm lab up | down [--purge] | status | scenario <name> | reset | build
 *
 * up: build what is missing, start both control planes (infra, apps) with KWOK nodes, write
 * .lab/kubeconfig, start the pod runtime, then lab/services startServices(ctx) and lab/sim
 * seed(ctx, scenarioFaults) when those modules exist (the scenarios' faults reach sim from here:
 * lab/sim does not import lab/scenarios), then lab/sim verifyOperators(ctx): one operator pass after
 * seeding, failing on its reconcile errors (reset too). Idempotent. down: stopServices(ctx), then every
 * process the lab recorded; fails if a lab port still listens.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildAll, BuildError } from './build/index.js';
import type { LabContext } from './core/context.js';
import { loadLabContext } from './core/index.js';
import { labPaths, type LabPaths } from './core/paths.js';
import { createProcessManager, sessionRssKiB, tail } from './core/process.js';
import { LAB_CLUSTERS, TOPOLOGY } from './core/topology.js';
import { readVersions } from './core/versions.js';
import { controlPlaneUp, leftoverListeners, stopAll } from './cluster/up.js';
import { recordDisruptionBaseline } from './cluster/baseline.js';
import { makeKubectl } from './cluster/seed.js';
import { scenarioFaults } from './scenarios/registry.js';
import { formatSimError, operatorsStateFile, readOperatorPass } from './sim/sim-errors.js';

const log = (m: string) => process.stderr.write(`${m}\n`);

class UsageError extends Error {}

/** import lab/<dir>/index.ts if it exists (other parts of the lab may not be there yet) */
async function optionalModule(paths: LabPaths, dir: string): Promise<Record<string, unknown> | undefined> {
  const file = path.join(paths.repo, 'lab', dir, 'index.ts');
  if (!fs.existsSync(file)) return undefined;
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

async function hook(paths: LabPaths, dir: string, fn: string, ...args: unknown[]): Promise<unknown> {
  const mod = await optionalModule(paths, dir);
  const f = mod?.[fn];
  if (typeof f !== 'function') {
    log(`  (lab/${dir}/index.ts ${mod ? `does not export ${fn}` : 'not present'}; skipped)`);
    return undefined;
  }
  const t0 = Date.now();
  const out: unknown = await (f as (...a: unknown[]) => unknown)(...args);
  log(`  lab/${dir} ${fn}() done (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  return out;
}

function activeScenario(paths: LabPaths): string {
  try {
    return fs.readFileSync(paths.scenarioFile, 'utf8').trim() || '(none)';
  } catch {
    return '(none)';
  }
}

/**
 * Build what is missing from the versioned cache: the control planes' binaries and the services'
 * side by side (a cold machine: the longest chain, not the sum). `lab up` starts with it.
 */
async function build(): Promise<void> {
  const paths = labPaths();
  const t0 = Date.now();
  const services = await optionalModule(paths, 'services');
  const buildServices = services?.buildServices as
    | ((ctx: { paths: { cache: string } }, opts: { progress: (m: string) => void }) => Promise<void>)
    | undefined;
  const results = await Promise.allSettled([
    buildAll(paths.cache, readVersions(), log),
    buildServices
      ? buildServices({ paths }, { progress: (m) => log(`services build: ${m}`) })
      : Promise.resolve(),
  ]);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) throw new BuildError(failed.map((f) => (f.reason as Error).message).join('\n\n'));
  log(`lab build: done in ${Math.round((Date.now() - t0) / 1000)} s`);
}

async function up(): Promise<void> {
  await build();
  const t0 = Date.now();
  const paths = labPaths();
  log(`lab up: state in ${paths.root}, cache in ${paths.cache}`);
  await controlPlaneUp(paths, readVersions(), log);
  const ctx = loadLabContext({ log });
  if (activeScenario(paths) === 'healthy' || activeScenario(paths) === '(none)') {
    // independent on a healthy lab (sim's operator loop routes pods that appear later), and
    // together they are most of a warm `lab up`; run them side by side
    const results = await Promise.allSettled([
      hook(paths, 'services', 'startServices', ctx),
      hook(paths, 'sim', 'seed', ctx, scenarioFaults),
    ]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed.length) throw new Error(failed.map((f) => (f.reason as Error).message).join('\n'));
  } else {
    // a fault scenario is applied by seed() on top of running services: keep the order
    await hook(paths, 'services', 'startServices', ctx);
    await hook(paths, 'sim', 'seed', ctx, scenarioFaults);
  }
  // a refused simulated write fails `lab up` (not only a line in sim-operators.log: issue 13)
  await hook(paths, 'sim', 'verifyOperators', ctx);
  // the real Flux and cert-manager controllers watch kinds whose CRDs seeding installs
  await hook(paths, 'services', 'startControllers', ctx);
  if (!fs.existsSync(paths.scenarioFile)) fs.writeFileSync(paths.scenarioFile, 'healthy\n');
  if (activeScenario(paths) === 'healthy') await recordDisruptionBaseline(paths, log);
  log(`lab up: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(
    `kubeconfig: ${paths.kubeconfig} (contexts ${LAB_CLUSTERS.map((c) => TOPOLOGY[c].context).join(', ')})`,
  );
  console.log(
    `kubectl:    ${ctx.kubectl}   e.g. ${ctx.kubectl} --kubeconfig ${paths.kubeconfig} --context lab-apps get nodes`,
  );
}

async function down(purge: boolean): Promise<void> {
  const paths = labPaths();
  const procs = createProcessManager(paths.run, paths.logs);
  const extraPorts = procs.list().flatMap((r) => r.ports);
  if (fs.existsSync(paths.kubeconfig)) {
    try {
      await hook(paths, 'services', 'stopServices', loadLabContext({ log }));
    } catch (e) {
      log(`  stopServices failed (continuing with the recorded processes): ${(e as Error).message}`);
    }
  }
  await stopAll(procs, log);
  const left = leftoverListeners(extraPorts);
  if (purge) {
    for (const d of [paths.data, paths.run, paths.logs, paths.pki, paths.shims, paths.bin]) {
      fs.rmSync(d, { recursive: true, force: true });
    }
    for (const f of [paths.kubeconfig, paths.scenarioFile]) fs.rmSync(f, { force: true });
    log('  purged .lab/ state (data, pki, logs, kubeconfig)');
  }
  if (left.length > 0) {
    throw new Error(
      `lab down: ports still listening: ${left
        .map((l) => `${l.address}:${l.port}${l.process ? ` (${l.process} pid ${l.pid})` : ''}`)
        .join(', ')}. They were not started by this lab's records; stop them by pid.`,
    );
  }
  log('lab down: no lab process or port left');
}

async function status(): Promise<number> {
  const paths = labPaths();
  const procs = createProcessManager(paths.run, paths.logs);
  const records = procs.list();
  let ok = true;
  console.log(
    `kubeconfig: ${fs.existsSync(paths.kubeconfig) ? paths.kubeconfig : `${paths.kubeconfig} (absent: lab is not up)`}`,
  );
  console.log(`scenario:   ${activeScenario(paths)}`);
  console.log('clusters:');
  const kubectl = path.join(paths.bin, 'kubectl');
  const k =
    fs.existsSync(kubectl) && fs.existsSync(paths.kubeconfig)
      ? makeKubectl(kubectl, paths.kubeconfig, process.env)
      : undefined;
  for (const c of LAB_CLUSTERS) {
    const t = TOPOLOGY[c];
    let line = `  ${c.padEnd(6)} context ${t.context}  https://127.0.0.1:${t.apiserverPort}  `;
    try {
      if (!k) throw new Error('not up');
      const out = await k(c, [
        'get',
        'nodes',
        '--request-timeout=5s',
        '-o',
        'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}',
      ]);
      const ready = out.split(' ').filter((s) => s === 'True').length;
      line += `nodes Ready ${ready}/${t.nodes.length}`;
      if (ready < t.nodes.length) ok = false;
    } catch (e) {
      line += `DOWN (${(e as Error).message.split('\n')[0]})`;
      ok = false;
    }
    console.log(line);
  }
  console.log('processes:');
  if (records.length === 0) console.log('  (none)');
  let totalKiB = 0;
  for (const r of records.sort((a, b) => a.group.localeCompare(b.group) || a.name.localeCompare(b.name))) {
    const running = procs.isRunning(r.name);
    if (!running) ok = false;
    const rss = running ? sessionRssKiB(r.pid) : 0;
    totalKiB += rss;
    console.log(
      `  ${r.name.padEnd(28)} ${running ? 'running' : 'STOPPED'} pid ${String(r.pid).padEnd(7)} ${r.group.padEnd(14)} ${`${Math.round(rss / 1024)} MiB`.padStart(8)}  ${r.ports.length ? `ports ${r.ports.join(',')}` : ''}`,
    );
    if (!running) console.log(`    last log lines (${r.log}):\n${tail(r.log, 3).replace(/^/gm, '      ')}`);
  }
  if (records.length > 0) {
    console.log(`  total RSS ${(totalKiB / 1024 / 1024).toFixed(2)} GiB (budget 5 GiB)`);
  }
  if (records.some((r) => r.name === 'sim-operators')) {
    const lines = simOperatorsStatus(paths, procs.isRunning('sim-operators'));
    if (!lines.ok) ok = false;
    console.log(lines.text);
  }
  if (fs.existsSync(paths.kubeconfig)) {
    const mod = await optionalModule(paths, 'services').catch(() => undefined);
    const fn = mod?.servicesStatus;
    console.log('services:');
    if (typeof fn !== 'function') {
      console.log('  (lab/services does not export servicesStatus)');
    } else {
      try {
        const rows = (await (fn as (ctx: LabContext) => unknown)(loadLabContext({ log }))) as Array<{
          name: string;
          ok: boolean;
          detail?: string;
        }>;
        for (const s of rows ?? []) {
          if (!s.ok) ok = false;
          console.log(`  ${s.name.padEnd(28)} ${s.ok ? 'ok' : 'FAILING'}${s.detail ? `  ${s.detail}` : ''}`);
        }
      } catch (e) {
        ok = false;
        console.log(`  servicesStatus failed: ${(e as Error).message}`);
      }
    }
  }
  return ok ? 0 : 1;
}

/** The last complete operator pass (lab/sim/sim-errors.ts): its errors are the lab's current ones. */
function simOperatorsStatus(
  paths: LabPaths,
  running: boolean,
  now = Date.now(),
): { ok: boolean; text: string } {
  const file = operatorsStateFile(paths.root);
  const p = readOperatorPass(file);
  if (!p) return { ok: !running, text: `sim operators: no complete pass recorded (${file})` };
  const age = Math.round((now - Date.parse(p.finishedAt)) / 1000);
  const stale = running && age > 60;
  const head = `sim operators: pass ${p.pass} finished ${p.finishedAt} (${age} s ago${stale ? ', STALE: no pass for over 60 s' : ''}${running ? '' : ', process not running'})`;
  if (!p.errors.length) return { ok: !stale, text: `${head}: no errors` };
  return {
    ok: !running,
    text: [`${head}: ${p.errors.length} ERROR(S)`, ...p.errors.map((e) => `  ${formatSimError(e)}`)].join(
      '\n',
    ),
  };
}

async function scenario(name: string | undefined): Promise<void> {
  const paths = labPaths();
  if (!name) throw new UsageError('lab scenario: missing <name>. Usage: pnpm lab scenario <name>');
  const mod = await optionalModule(paths, 'scenarios');
  if (!mod || typeof mod.applyScenario !== 'function') {
    throw new Error('lab scenario: lab/scenarios/index.ts with applyScenario(ctx, name) is not present yet');
  }
  const known = Array.isArray(mod.scenarioNames) ? (mod.scenarioNames as string[]) : undefined;
  if (known && !known.includes(name)) {
    throw new UsageError(`lab scenario: unknown scenario '${name}'. Known scenarios: ${known.join(', ')}`);
  }
  const ctx = loadLabContext({ log });
  const t0 = Date.now();
  await (mod.applyScenario as (c: LabContext, n: string) => Promise<unknown>)(ctx, name);
  fs.writeFileSync(paths.scenarioFile, `${name}\n`);
  log(`lab scenario: '${name}' active (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up':
      await up();
      return 0;
    case 'down':
      await down(rest.includes('--purge'));
      return 0;
    case 'status':
      return status();
    case 'scenario':
      await scenario(rest[0]);
      return 0;
    case 'reset': {
      // healthy services and status first, then the declared objects again (deleted ones come
      // back, drifted fields such as a scaled-down replica count are re-applied) and the rollout
      // wait: what a Flux reconcile of the lab's sources would do
      const t0 = Date.now();
      await scenario('healthy');
      const ctx = loadLabContext({ log });
      await hook(labPaths(), 'sim', 'seed', ctx, scenarioFaults);
      await hook(labPaths(), 'sim', 'verifyOperators', ctx);
      await hook(labPaths(), 'services', 'startControllers', ctx);
      await recordDisruptionBaseline(labPaths(), log);
      log(`lab reset: declared state restored in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return 0;
    }
    case 'build':
      await build();
      return 0;
    default:
      throw new UsageError(
        `${cmd ? `unknown command '${cmd}'. ` : ''}Usage: pnpm lab up | down [--purge] | status | scenario <name> | reset | build`,
      );
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    const err = e as Error;
    log(`${err instanceof UsageError || err instanceof BuildError ? '' : 'lab: error: '}${err.message}`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
