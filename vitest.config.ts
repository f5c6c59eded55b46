// One vitest project per cluster of the selected environment (each `provide`s its cluster), plus
// the framework's own `unit` and `lab` projects. Normally driven by bin/test.ts (pnpm test), which
// sets PV_ENV, PV_RUN_ID, PV_RUN_DIR, PV_ALLOW_DISRUPTIVE; PV_SUITES overrides the suites glob and
// PV_CONFIG the config file (self-tests).
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import type { ResolvedEnvironment } from './helpers/config/index.js';
import { tagDefinitions } from './helpers/check/tags.js';
import { newRunId } from './helpers/run/ids.js';
import { setting } from './helpers/config/settings.js';
import { vendoredClientNode } from './bin/compile.mjs';

const REPO_ROOT = path.dirname(fileURLToPath(import.meta.url));

// Loaded through tsx, not imported: vite's config bundler would otherwise bundle helpers/config (zod
// schemas and all) into this file for every run, also for `pnpm test`, which hands the environment
// over (~27 MB of main-process RSS: pnpm bench framework-overhead).
async function loadEnvironmentHere(): Promise<ResolvedEnvironment> {
  const { tsImport } = await import('tsx/esm/api');
  const mod = (await tsImport(
    pathToFileURL(path.join(REPO_ROOT, 'helpers/config/index.ts')).href,
    import.meta.url,
  )) as typeof import('./helpers/config/index.js');
  return mod.loadEnvironment();
}

/** The environment bin/test.ts resolved and validated (PV_ENV_FILE), so zod and the config load once. */
function handedEnvironment(): ResolvedEnvironment | undefined {
  const file = setting('PV_ENV_FILE');
  return file ? (JSON.parse(readFileSync(file, 'utf8')) as ResolvedEnvironment) : undefined;
}

export default defineConfig(async () => {
  // a bare `vitest` loads the config here
  const env = handedEnvironment() ?? (await loadEnvironmentHere());
  // reuse the run of bin/test.ts; a bare `vitest` gets its own
  const runId = (process.env.PV_RUN_ID = setting('PV_RUN_ID') ?? newRunId());
  const runDir = (process.env.PV_RUN_DIR = setting('PV_RUN_DIR') ?? path.join(env.evidenceDir, runId));
  const suites = (setting('PV_SUITES') ?? 'suites/**/*.test.ts').split(',');
  const heapMb = setting('PV_WORKER_HEAP_MB');
  const tags = tagDefinitions();
  const clusterNames = Object.keys(env.clusters);

  // every project imports @kubernetes/client-node as its single-file build (bin/compile.mjs): ~0.4 s
  // less CPU per worker; one copy per process, so instanceof ApiException holds across helpers
  const resolve = {
    alias: [{ find: /^@kubernetes\/client-node$/, replacement: await vendoredClientNode() }],
  };
  const clusterProjects: TestProjectInlineConfiguration[] = Object.values(env.clusters).map((c) => ({
    resolve,
    test: {
      name: c.name,
      root: REPO_ROOT,
      include: suites,
      tags,
      strictTags: true,
      // a stray test.only would silently skip every other check of its file
      allowOnly: false,
      // PV_WORKER_HEAP_MB bounds each worker's heap (a runaway check dies alone; the corpus's OOM case)
      execArgv: heapMb ? [`--max-old-space-size=${heapMb}`] : [],
      // one module graph per worker instead of per file: client-node, kafkajs, pg... are imported
      // once per worker, which was most of a run's wall time (vitest "import"). Safe here: vitest
      // never shares a worker between projects, so the worker-scoped cluster handle stays this
      // project's; check ids are per file (helpers/check) and cross-file duplicates the reporter's.
      isolate: setting('PV_ISOLATE'),
      globalSetup: [path.join(REPO_ROOT, 'helpers/check/global-setup.ts')],
      setupFiles: [path.join(REPO_ROOT, 'helpers/check/setup-worker.ts')],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      provide: {
        pvCluster: c.name,
        pvClusterConfig: c,
        pvEnv: { name: env.env, clusters: clusterNames, configFile: env.configFile },
        pvRun: {
          runId,
          runDir,
          allowDisruptive: setting('PV_ALLOW_DISRUPTIVE'),
          strictJunit: setting('PV_STRICT_JUNIT'),
        },
      },
    },
  }));
  mkdirSync(runDir, { recursive: true });

  return {
    test: {
      // vitest's own on-disk cache of transformed modules (keyed by each file's content, id and the
      // transform config): the suites' and helpers' TypeScript is transformed once, not at every
      // run (~1 s of CPU and ~70 MB of main-process RSS per run: pnpm bench framework-overhead)
      experimental: { fsModuleCache: true },
      projects: [
        ...clusterProjects,
        {
          resolve,
          test: {
            name: 'unit',
            root: REPO_ROOT,
            include: ['test/unit/**/*.test.ts'],
            globalSetup: [path.join(REPO_ROOT, 'test/tmp-root.ts')],
            testTimeout: 300_000,
            hookTimeout: 300_000,
          },
        },
        {
          resolve,
          test: {
            name: 'lab',
            root: REPO_ROOT,
            include: ['test/lab/**/*.test.ts'],
            globalSetup: [path.join(REPO_ROOT, 'test/tmp-root.ts')],
            testTimeout: 300_000,
            hookTimeout: 300_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
