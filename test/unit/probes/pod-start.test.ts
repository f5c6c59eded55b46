// PERF-POD-001: the start time is the API server's creation-to-Ready span of each run-namespace pod;
// a pod that never becomes Ready is named with its state, and the average is compared with the target.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { podStartMs, podStartSummary } from '../../../helpers/probes/pod-start.js';
import { runCheck } from './check-body.js';
import { failure } from './fake-run.js';

const FILE = 'suites/e2e/performance.test.ts';
const pod = (name: string, startS: number | undefined, waiting?: string): V1Pod => ({
  metadata: { name, creationTimestamp: new Date('2026-12-06T01:00:00Z') },
  status: {
    phase: startS === undefined ? 'Pending' : 'Running',
    conditions:
      startS === undefined
        ? [{ type: 'Ready', status: 'False' }]
        : [
            {
              type: 'Ready',
              status: 'True',
              lastTransitionTime: new Date(Date.parse('2026-12-06T01:00:00Z') + startS * 1000),
            },
          ],
    containerStatuses: waiting
      ? [
          {
            name: 'netexec',
            ready: false,
            restartCount: 0,
            image: 'x',
            imageID: '',
            state: { waiting: { reason: waiting } },
          },
        ]
      : [],
  },
});

/** A cluster whose run-namespace pods become Ready `startS` seconds after creation (undefined: never). */
function podCluster(startS: (i: number) => number | undefined, waiting?: string) {
  const created: string[] = [];
  const deleted: string[] = [];
  return {
    created,
    deleted,
    core: {
      createNamespacedPod: async (a: { body: V1Pod }) => created.push(a.body.metadata!.name!),
      readNamespacedPod: async (a: { name: string }) => pod(a.name, startS(created.indexOf(a.name)), waiting),
      deleteNamespacedPod: async (a: { name: string }) => deleted.push(a.name),
    },
  };
}

describe('PERF-POD-001 pod start time', () => {
  it('measures creation to Ready from the server’s timestamps', () => {
    expect(podStartMs(pod('a', 4))).toBe(4000);
    expect(podStartMs(pod('b', undefined))).toBeUndefined();
    expect(
      podStartSummary([
        { pod: 'a', ms: 2000 },
        { pod: 'b', ms: 4000 },
      ]),
    ).toEqual({ avgMs: 3000, notReady: [] });
  });
  it('passes with three pods Ready in 1-3 s, attaching each one’s start and deleting them', async () => {
    const c = podCluster((i) => i + 1);
    const attached = await runCheck(FILE, 'PERF-POD-001', c);
    expect(c.created).toHaveLength(3);
    expect(c.deleted.sort()).toEqual([...c.created].sort());
    expect((attached['pod-start'] as { pods: { ms: number }[] }).pods.map((p) => p.ms)).toEqual([
      1000, 2000, 3000,
    ]);
    expect(attached['metric pod_start_avg_ms']).toBe(2000);
  });
  it('PERF-POD-001 fails naming the average against the target when pods start slowly', async () => {
    const c = podCluster(() => 45);
    expect(await failure(runCheck(FILE, 'PERF-POD-001', c))).toMatch(
      /pod start average over 3 pods \(target < 30000 ms\)[\s\S]*45000/,
    );
    expect(c.deleted).toHaveLength(3);
  });
  it('PERF-POD-001 fails naming each pod that never became Ready, with its state', () => {
    expect(
      podStartSummary([
        { pod: 'pv-start-0', ms: 1000 },
        { pod: 'pv-start-1', state: 'Pending (ImagePullBackOff)' },
      ]).notReady,
    ).toEqual(['pod pv-start-1: Pending (ImagePullBackOff)']);
  });
});
