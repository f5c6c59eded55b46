/**
 * `lab scenario <name>` / `lab reset` (= `healthy`): bring the lab into a named state in seconds.
 * Order: real processes first (stop or start them, switch service faults), then the simulated
 * world (object status, pod readiness, cluster identity, toolbox answers), then the scenario's own
 * action; finally `.lab/scenario` records the name. Every step is idempotent, so applying a
 * scenario twice, or `healthy` from any state, converges.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LabContext } from '../core/context.js';
import { serviceCatalogue } from '../services/catalogue.js';
import { GATEWAY_SERVICE } from '../services/gateway.js';
import { procName } from '../services/runtime.js';
import { syncWorld } from '../sim/world.js';
import { SCENARIOS, getScenario, scenarioNames } from './registry.js';
import type { Scenario } from './types.js';

export { scenarioNames, SCENARIOS } from './registry.js';
export type { Scenario } from './types.js';

/** name, summary and expected failures of every scenario (for `lab scenario --list` and docs) */
export function listScenarios(): Pick<Scenario, 'name' | 'summary' | 'expect'>[] {
  return SCENARIOS.map(({ name, summary, expect }) => ({ name, summary, expect }));
}

export function activeScenario(ctx: Pick<LabContext, 'paths'>): string {
  try {
    return fs.readFileSync(ctx.paths.scenarioFile, 'utf8').trim() || 'healthy';
  } catch {
    return 'healthy';
  }
}

/**
 * Real processes to the scenario's state. Service fault switches are touched only when they
 * differ between the previous and this scenario, except for `healthy`, which forces every switch
 * off (so `reset` recovers from any state, including one left by an interrupted run).
 */
async function syncServices(ctx: LabContext, s: Scenario, prev: Scenario | undefined): Promise<void> {
  const svc = await import('../services/index.js');
  const stopped = new Set(s.services?.stopped ?? []);
  // the catalogue's services plus the Gateway data plane (not a catalogue workload: no pods)
  const known = new Set([...serviceCatalogue().map((e) => e.name), GATEWAY_SERVICE]);
  for (const name of stopped) {
    if (!known.has(name)) throw new Error(`scenario ${s.name}: unknown lab service '${name}'`);
  }
  // fault switches first, then stop what this scenario stops
  const want = (x: Scenario | undefined, f: string) => x?.services?.faults?.some((y) => y === f) ?? false;
  for (const f of svc.serviceFaults) {
    if (s.name === 'healthy' || !prev || want(prev, f) !== want(s, f))
      await svc.setServiceFault(ctx, f, want(s, f));
  }
  for (const name of stopped) await svc.stopService(ctx, name);
  // everything else runs: start what a previous scenario stopped (idempotent for running ones)
  for (const e of serviceCatalogue()) {
    if (stopped.has(e.name)) continue;
    if (e.kind === 'coredns' && !ctx.clusterNames.includes(e.cluster)) continue;
    if (!ctx.procs.isRunning(procName(e.name))) await svc.startService(ctx, e.name);
  }
  if (!stopped.has(GATEWAY_SERVICE) && !ctx.procs.isRunning(procName(GATEWAY_SERVICE)))
    await svc.startService(ctx, GATEWAY_SERVICE);
}

export async function applyScenario(ctx: LabContext, name: string): Promise<void> {
  const s = getScenario(name);
  const t0 = Date.now();
  const prev = activeScenario(ctx);
  await syncServices(ctx, s, scenarioNames.includes(prev) ? getScenario(prev) : undefined);
  for (const other of SCENARIOS) if (other.name !== s.name && other.revert) await other.revert(ctx);
  const t1 = Date.now();
  await syncWorld(ctx, s.name, s.faults);
  if (s.apply) await s.apply(ctx);
  ctx.log(
    `scenario ${s.name}: services ${((t1 - t0) / 1000).toFixed(1)} s, simulated world ${((Date.now() - t1) / 1000).toFixed(1)} s`,
  );
  fs.mkdirSync(path.dirname(ctx.paths.scenarioFile), { recursive: true });
  fs.writeFileSync(ctx.paths.scenarioFile, `${s.name}\n`);
  ctx.log(`scenario ${s.name} applied in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${s.summary}`);
}

export function isScenario(name: string): boolean {
  return scenarioNames.includes(name);
}
