// The preflight seam of `pnpm test`: identity outcomes proven before vitest starts are used only for
// the exact cluster access they were proven for; end-of-run cleanup reaches a cluster only when a
// worker marked that the run namespace may exist there (or the handle is in-process).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ResolvedCluster } from '../../../helpers/config/index.js';
import {
  cleanupCluster,
  markRunNamespace,
  preflightKey,
  preflightOutcome,
  type PreflightResult,
} from '../../../helpers/check/preflight.js';
import { closedPort, tmpDir, writeKubeconfig } from '../harness.js';

const cluster = (over: Partial<ResolvedCluster> = {}): ResolvedCluster =>
  ({
    name: 'infra',
    context: 'c-infra',
    kubeconfig: '/tmp/kc',
    identity: { expected: 'infra' },
    facts: {},
    ...over,
  }) as ResolvedCluster;

describe('preflightOutcome', () => {
  const proven = { ok: true, context: 'c-infra', expected: 'infra', seen: 'infra', serverVersion: 'v1.34.4' };
  const result: PreflightResult = {
    runId: '20261123T061500Z-abc123',
    clusters: { infra: { key: preflightKey(cluster()), outcome: proven } },
  };
  it('is used for the same cluster access and identity', () => {
    expect(preflightOutcome(result, cluster())).toEqual(proven);
  });
  it('is not used for another context, kubeconfig or identity, or without a result', () => {
    expect(preflightOutcome(result, cluster({ context: 'c-apps' }))).toBeUndefined();
    expect(preflightOutcome(result, cluster({ kubeconfig: '/other' }))).toBeUndefined();
    expect(preflightOutcome(result, cluster({ identity: { expected: 'apps' } as never }))).toBeUndefined();
    expect(preflightOutcome(result, cluster({ name: 'apps' }))).toBeUndefined();
    expect(preflightOutcome(undefined, cluster())).toBeUndefined();
  });
});

describe('cleanupCluster', () => {
  afterEach(() => vi.restoreAllMocks());
  const ok = { ok: true, context: 'c-infra', expected: 'infra', seen: 'infra', serverVersion: 'v1' };

  it('without a mark (nothing created by this run) it contacts no cluster', async () => {
    const err = vi.spyOn(process.stderr, 'write');
    const runDir = tmpDir();
    const kc = writeKubeconfig(runDir, await closedPort(), ['c-infra']);
    await cleanupCluster(cluster({ kubeconfig: kc }), ok, { runId: '20261123T061500Z-abc123', runDir });
    expect(err).not.toHaveBeenCalled();
  });

  it('with a mark it cleans up (here: the API server is down, so it says so) and never on an unproven cluster', async () => {
    const runDir = path.join(tmpDir(), 'run'); // markRunNamespace creates the run dir if needed
    const kc = writeKubeconfig(tmpDir(), await closedPort(), ['c-infra']);
    markRunNamespace(runDir, 'infra');
    expect(existsSync(path.join(runDir, '.pv-run-namespace-infra'))).toBe(true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const run = { runId: '20261123T061500Z-abc123', runDir };
    await cleanupCluster(cluster({ kubeconfig: kc }), { ...ok, ok: false }, run);
    expect(err).not.toHaveBeenCalled();
    await cleanupCluster(cluster({ kubeconfig: kc }), ok, run);
    expect(String(err.mock.calls.map((c) => c[0]).join(''))).toMatch(
      /\[pv\] infra: cleanup of run 20261123T061500Z-abc123 failed: .*ECONNREFUSED/,
    );
  });
});
