/**
 * The `sim-operators` process (started by seed with ctx.procs.start, stopped by `lab down`):
 * the simulated operator loop of both clusters (lab/sim/operators.ts) and the Hubble relay gRPC
 * stubs. A pass runs on each change a watch sees (lab/sim/wake.ts) and every 5 s otherwise; each pass
 * is bounded by the apiserver client's timeouts. After each complete pass it replaces
 * .lab/sim/operators-errors.json (the pass's reconcile errors, lab/sim/sim-errors.ts), then the heartbeat.
 *   node --import tsx lab/sim/operators-main.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadLabContext } from '../core/index.js';
import { gitUrl, startGitServer } from './git.js';
import { serviceArtifacts } from '../build/services/artifacts.js';
import { encodeServerStatus, startHubbleRelay } from './hubble-relay.js';
import { kube } from './kube.js';
import { reconcileCluster } from './operators.js';
import { HUBBLE_RELAY_PORT, heartbeatFile } from './ports.js';
import { operatorsKickFile, operatorsStateFile, writeOperatorPass, type SimError } from './sim-errors.js';
import { startWaker } from './wake.js';
import { simStateFile } from './world.js';

const log = (m: string) => process.stdout.write(`${new Date().toISOString()} ${m}\n`);
const ctx = loadLabContext({ log });
const stateFile = simStateFile(ctx);
// the relay's answer is encoded by Cilium's own generated types (lab/build/services/cilium-status)
const ciliumStatus = serviceArtifacts(ctx.paths.cache).ciliumStatus.binary;
const servers: { close(): unknown }[] = await Promise.all(
  ctx.clusterNames.map((c) =>
    startHubbleRelay(
      HUBBLE_RELAY_PORT[c],
      () => ctx.clusters[c].nodes.length,
      (counters) => encodeServerStatus(ciliumStatus, counters),
    ),
  ),
);
servers.push(await startGitServer(ctx.paths.root));
log(`git remote ${gitUrl()}`);
log(
  `hubble relay stubs on ${ctx.clusterNames.map((c) => `${c}=127.0.0.1:${HUBBLE_RELAY_PORT[c]}`).join(' ')}`,
);

const state = Object.fromEntries(
  ctx.clusterNames.map((c) => [c, { execRouted: new Map<string, string>(), poolerPods: '', stateFile }]),
);
const clients = Object.fromEntries(ctx.clusterNames.map((c) => [c, kube(ctx.clusters[c].kc)]));
let stopping = false;
const stop = () => {
  stopping = true;
  for (const s of servers) s.close();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

const hb = heartbeatFile(ctx.paths.root);
const errorsFile = operatorsStateFile(ctx.paths.root);
fs.mkdirSync(path.dirname(hb), { recursive: true });
// a pass on every change the waker sees (at most 5 a second), else a resync every RESYNC_MS
const RESYNC_MS = 5_000;
const waker = startWaker(
  ctx.clusterNames.map((c) => ctx.clusters[c].kc),
  [stateFile, ctx.paths.scenarioFile, operatorsKickFile(ctx.paths.root)],
  log,
);
process.on('SIGTERM', () => waker.stop());
process.on('SIGINT', () => waker.stop());
let pass = 0;
while (!stopping) {
  await waker.next(RESYNC_MS);
  if (stopping) break;
  const started = Date.now();
  const errors: SimError[] = (
    await Promise.all(ctx.clusterNames.map((c) => reconcileCluster(ctx, c, clients[c]!, state[c]!, log)))
  ).flat();
  const finishedAt = new Date().toISOString();
  writeOperatorPass(errorsFile, {
    pid: process.pid,
    pass: ++pass,
    startedAt: new Date(started).toISOString(),
    finishedAt,
    errors,
  });
  fs.writeFileSync(hb, finishedAt);
  await new Promise((r) => setTimeout(r, Math.max(0, 200 - (Date.now() - started))));
}
log('stopped');
process.exit(0);
