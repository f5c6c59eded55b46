/**
 * Run the lab services without clusters (development and debugging):
 *   npx tsx lab/services/dev.ts up | down | status | build
 * Uses the same .lab/ state and ProcessManager as `pnpm lab`. When the lab's clusters are up it
 * uses their LabContext (CoreDNS, pod routing too); otherwise CoreDNS and routing are skipped.
 */
import fs from 'node:fs';
import { loadLabContext, tcpOpen, TOPOLOGY } from '../core/index.js';
import { labPaths } from '../core/paths.js';
import { createProcessManager } from '../core/process.js';
import { buildServices, servicesStatus, startServices, stopServices, type ServicesContext } from './index.js';

const paths = labPaths();
const log = (m: string) => process.stderr.write(`${m}\n`);
// with running clusters: the full LabContext (CoreDNS, pod routing); otherwise services only
const clustersUp =
  fs.existsSync(paths.kubeconfig) &&
  (await tcpOpen(TOPOLOGY.apps.apiserverPort)) &&
  (await tcpOpen(TOPOLOGY.infra.apiserverPort));
const ctx: ServicesContext = clustersUp
  ? loadLabContext({ log })
  : { paths, procs: createProcessManager(paths.run, paths.logs), log };

const cmd = process.argv[2];
try {
  if (cmd === 'build') await buildServices(ctx, { progress: ctx.log });
  else if (cmd === 'up') await startServices(ctx);
  else if (cmd === 'down') await stopServices(ctx);
  else if (cmd === 'status') {
    const rows = await servicesStatus(ctx);
    for (const r of rows) console.log(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name.padEnd(22)} ${r.detail ?? ''}`);
    if (rows.some((r) => !r.ok)) process.exitCode = 1;
  } else {
    console.error(`usage: tsx lab/services/dev.ts up|down|status|build (got '${cmd ?? ''}')`);
    process.exitCode = 2;
  }
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  process.exitCode = 1;
}
