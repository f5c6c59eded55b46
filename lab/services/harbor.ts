/**
 * Starts the lab's harbor-core (lab/services/harbor/core.ts, a documented simulation) with the
 * ports of the real registry, the harbor pooler and dragonfly-0 it probes, and the registry's storage
 * root (its repository API reads and deletes repositories there).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentialsFile } from './credentials.js';
import { servicePorts } from './ports.js';
import { probeHttp } from './probes.js';
import { procName, serviceDir, type ServicesContext } from './runtime.js';

const CORE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'harbor', 'core.ts');

export async function startHarborCore(ctx: ServicesContext): Promise<void> {
  const p = servicePorts();
  await ctx.procs.start({
    name: procName('harbor-core'),
    command: process.execPath,
    args: ['--import', 'tsx', CORE],
    cwd: ctx.paths.repo,
    env: {
      ...process.env,
      PV_HARBOR_CORE_PORT: String(p.harborCore),
      PV_REGISTRY_PORT: String(p.registry),
      PV_HARBOR_POOLER_PORT: String(p.pgbouncer.harbor),
      PV_DRAGONFLY_PORT: String(p.redis[0]),
      PV_LAB_CREDENTIALS: credentialsFile(ctx.paths.root),
      // the registry's filesystem rootdirectory (lab/services/registry.ts)
      PV_REGISTRY_STORAGE: path.join(serviceDir(ctx, 'harbor-registry'), 'data'),
      NODE_OPTIONS: '--max-old-space-size=64',
    },
    ports: [p.harborCore],
    group: 'services',
    ready: async () => (await probeHttp(`http://127.0.0.1:${p.harborCore}/api/v2.0/ping`, [200], 2_000)).ok,
    readyTimeoutMs: 30_000,
  });
}

export async function stopHarborCore(ctx: ServicesContext): Promise<void> {
  await ctx.procs.stop(procName('harbor-core'), 5_000);
}
