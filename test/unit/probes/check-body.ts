// A check's own body (suites/**/*.test.ts) on fakes, for the checks whose failing assertion is in the
// suite file rather than in a probe: check() is replaced by a collector while the suite file loads, so
// a unit test hands the real body a fake cluster and reads the failure the JUnit would show.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { vi } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { CheckContext } from '../../../helpers/check/index.js';
import { fakeEvidence, fakeRun } from './fake-run.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

type Body = (ctx: CheckContext) => unknown;

/** The bodies a suite file declares, by check id (as suite() wraps them: requirements included). */
export async function checkBodies(suiteFile: string): Promise<Map<string, Body>> {
  const bodies = new Map<string, Body>();
  const index = path.join(ROOT, 'helpers/check/index.ts');
  vi.resetModules();
  vi.doMock(index, async (orig) => ({
    ...(await orig<object>()),
    check: (meta: { id: string }, fn: Body) => bodies.set(meta.id, fn),
  }));
  try {
    await import(path.join(ROOT, suiteFile));
  } finally {
    vi.doUnmock(index);
  }
  return bodies;
}

/**
 * Runs check `id` of `suiteFile` on `cluster` (a fake handle: only what the body reads) with the
 * default facts of `clusterName`, changed by `edit`. Resolves with the attachments; a skip rejects.
 */
export async function runCheck(
  suiteFile: string,
  id: string,
  cluster: unknown,
  opts: { clusterName?: 'infra' | 'apps'; edit?: (f: Facts) => void } = {},
) {
  const body = (await checkBodies(suiteFile)).get(id);
  if (!body) throw new Error(`${suiteFile} declares no check ${id}`);
  const facts = structuredClone(factsDefaults(opts.clusterName ?? 'infra')) as Facts;
  opts.edit?.(facts);
  const { evidence, attached } = fakeEvidence();
  // the events of an object a check attaches on a finding (the real one lists them from the cluster)
  Object.assign(evidence, {
    events: async (_k: unknown, namespace: string, o: { kind: string; name: string }) =>
      (attached[`events ${o.kind} ${namespace}/${o.name}`] = []),
  });
  const skip = (why: string) => {
    throw new Error(`skipped: ${why}`);
  };
  await body({ cluster, facts, evidence, run: fakeRun().run, skip } as unknown as CheckContext);
  return attached;
}
