// Run-owned resources against the real lab: lazy namespace, labels/expiry, cleanup, sweep of leftovers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, type ClusterHandle } from '../../../helpers/cluster/index.js';
import {
  ANNOTATION_EXPIRES,
  LABEL_OWNED,
  LABEL_RUN_ID,
  cleanupRunReport,
  ensureRunNamespace,
  newRunId,
  registerCleanup,
  runNamespaceName,
  sweepExpired,
} from '../../../helpers/run/index.js';
import { labCluster } from './lab.js';

let c: ClusterHandle;
const extra: string[] = [];

beforeAll(async () => {
  c = await labCluster('apps');
});
afterAll(async () => {
  for (const name of extra) await c.core.deleteNamespace({ name }).catch(() => undefined);
});

async function gone(name: string): Promise<void> {
  await waitFor(
    `namespace ${name} deleted or terminating`,
    async () => {
      try {
        const ns = await c.core.readNamespace({ name });
        return ns.status?.phase === 'Terminating'
          ? { done: true, value: undefined }
          : { done: false, seen: ns.status?.phase };
      } catch {
        return { done: true, value: undefined };
      }
    },
    { timeoutMs: 20_000 },
  );
}

describe('run namespace', () => {
  it('created once with run labels and an expiry; cleanupRun runs cleanups and deletes it', async () => {
    const runId = newRunId();
    const name = runNamespaceName(runId);
    const before = await c.core.listNamespace({ labelSelector: `${LABEL_RUN_ID}=${runId}` });
    expect(before.items).toEqual([]); // nothing exists until first use
    const [a, b] = await Promise.all([ensureRunNamespace(c, runId), ensureRunNamespace(c, runId)]);
    expect(a).toBe(name);
    expect(b).toBe(name);
    const ns = await c.core.readNamespace({ name });
    expect(ns.metadata?.labels).toMatchObject({ [LABEL_RUN_ID]: runId, [LABEL_OWNED]: 'true' });
    const exp = Date.parse(ns.metadata?.annotations?.[ANNOTATION_EXPIRES] ?? '');
    expect(exp).toBeGreaterThan(Date.now());
    const ran: string[] = [];
    registerCleanup(c, 'first', () => ran.push('first'));
    registerCleanup(c, 'second', () => ran.push('second'));
    const report = await cleanupRunReport(c, runId);
    expect(ran).toEqual(['second', 'first']);
    expect(report.namespacesDeleted).toEqual([name]);
    await gone(name);
  });

  it('sweepExpired deletes only expired pv-run namespaces with both labels', async () => {
    const mk = async (name: string, labels: Record<string, string>, expiresAt: Date) => {
      await c.core.createNamespace({
        body: { metadata: { name, labels, annotations: { [ANNOTATION_EXPIRES]: expiresAt.toISOString() } } },
      });
      extra.push(name);
    };
    const past = new Date(Date.now() - 3600_000);
    const future = new Date(Date.now() + 3600_000);
    const oldRun = newRunId(new Date('2020-01-01T00:00:00Z'));
    const liveRun = newRunId(new Date('2020-01-01T00:00:01Z'));
    const expired = runNamespaceName(oldRun);
    const notExpired = runNamespaceName(liveRun);
    const decoy = `pv-decoy-${oldRun.slice(-6)}`; // labelled, expired, but not a pv-run- name
    const unlabelled = runNamespaceName(newRunId(new Date('2020-01-01T00:00:02Z'))); // right name, no labels
    await mk(expired, { [LABEL_OWNED]: 'true', [LABEL_RUN_ID]: oldRun }, past);
    await mk(notExpired, { [LABEL_OWNED]: 'true', [LABEL_RUN_ID]: liveRun }, future);
    await mk(decoy, { [LABEL_OWNED]: 'true', [LABEL_RUN_ID]: oldRun }, past);
    await mk(unlabelled, {}, past);
    const swept = await sweepExpired(c);
    expect(swept).toContain(expired);
    for (const n of [notExpired, decoy, unlabelled]) {
      expect(swept).not.toContain(n);
      expect((await c.core.readNamespace({ name: n })).status?.phase).toBe('Active');
    }
    await gone(expired);
  });
});
