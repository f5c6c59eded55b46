// Entry of the preflight child process that bin/launch.mjs starts before `pnpm test` loads anything
// heavy: it resolves the same selection as bin/test.ts (arguments, config, environment, projects),
// proves each selected cluster's identity and sweeps its expired leftovers (in parallel, each bounded),
// then prints one result line and exits. @kubernetes/client-node lives only in this short-lived
// process, never next to the workers in the main one. Any error here (bad input, a crash) just means
// no result: bin/test.ts then reports bad input itself, and globalSetup proves in-process.
import { newRunId } from '../helpers/run/ids.js';
import { setting } from '../helpers/config/settings.js';
import {
  PREFLIGHT_RESULT,
  preflightKey,
  proveAndSweep,
  type PreflightResult,
} from '../helpers/check/preflight.js';
import type { ImportTs } from '../helpers/config/load.js';
import { resolveSelection } from './selection.js';
import { mark } from './timings.mjs';

/** bin/launch.mjs's entry: one result line, then exit. */
export async function main(launch: { importTs?: ImportTs } = {}): Promise<never> {
  try {
    // exactly the validation bin/test.ts does: a selection it would reject touches no cluster here either
    const { env, projects } = await resolveSelection(process.argv.slice(2), { importTs: launch.importTs });
    mark('preflight: selection resolved');
    const clusters = projects.map((n) => env.clusters[n]!);
    // the run id of the whole run: the proof's API requests carry it (User-Agent), bin/test.ts reuses it
    process.env.PV_RUN_ID = setting('PV_RUN_ID') ?? newRunId();
    const results = await Promise.all(clusters.map((c) => proveAndSweep(c)));
    mark('preflight: identities proven, leftovers swept');
    const out: PreflightResult = { runId: process.env.PV_RUN_ID, clusters: {} };
    clusters.forEach(
      (c, i) => (out.clusters[c.name] = { key: preflightKey(c), outcome: results[i]!.outcome }),
    );
    process.stdout.write(`${PREFLIGHT_RESULT}${JSON.stringify(out)}\n`);
  } catch {
    // no result: bin/test.ts reports bad input with its own messages (and exits before any check)
  }
  process.exit(0); // keep-alive agents must not hold the child open
}
