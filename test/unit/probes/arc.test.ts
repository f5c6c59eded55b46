// BOOT-ARC-001 (helpers/probes/arc.ts): scale set -> id annotation -> AutoscalingListener -> listener pod.
import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../../helpers/check/index.js';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import { scaleSetProblems, scaleSetsListening } from '../../../helpers/probes/arc.js';
import type { KObject } from '../../../helpers/reads/k8s.js';
import { runCheck } from './check-body.js';
import { failure, fakeEvidence } from './fake-run.js';

const FILE = 'suites/bootstrap/arc.test.ts';
const NS = 'actions-runner';
const labels = (name: string) => ({
  'actions.github.com/scale-set-name': name,
  'actions.github.com/scale-set-namespace': NS,
  'app.kubernetes.io/component': 'runner-scale-set-listener',
});
const set = (name: string, id?: string): KObject => ({
  metadata: { namespace: NS, name, annotations: id ? { 'runner-scale-set-id': id } : {} },
  spec: { githubConfigSecret: 'github-app' },
});
const listener = (name: string, id: number): KObject => ({
  metadata: { namespace: NS, name: `${name}-696d8f77-listener`, labels: labels(name) },
  spec: { runnerScaleSetId: id },
});
const pod = (name: string, running = true): V1Pod => ({
  metadata: { namespace: NS, name: `${name}-696d8f77-listener`, labels: labels(name) },
  status: running
    ? { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }
    : {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'autoscaler',
            ready: false,
            restartCount: 0,
            image: 'x',
            imageID: '',
            state: { terminated: { exitCode: 1, reason: 'Error' } },
          },
        ],
      },
});

function cluster(sets: KObject[], listeners: KObject[], pods: V1Pod[]) {
  return {
    custom: {
      getNamespacedCustomObject: async ({ name }: { name: string }) => {
        const s = sets.find((x) => x.metadata?.name === name);
        if (!s) throw Object.assign(new Error('HTTP-Code: 404'), { code: 404 });
        return s;
      },
      listNamespacedCustomObject: async () => ({ items: listeners }),
    },
    core: { listNamespacedPod: async () => ({ items: pods }) },
  };
}

describe('BOOT-ARC-001 runner scale sets registered and listening', () => {
  it('passes when each set has its id, a listener with that id and a Running listener pod; attaches them', async () => {
    const c = cluster(
      [set('k8s-gitops', '1'), set('pilar-apps', '2')],
      [listener('k8s-gitops', 1), listener('pilar-apps', 2)],
      [pod('k8s-gitops'), pod('pilar-apps')],
    );
    const attached = await runCheck(FILE, 'BOOT-ARC-001', c, { clusterName: 'apps' });
    expect(attached['scale-sets']).toMatchObject({
      sets: [
        { name: 'actions-runner/k8s-gitops', found: true, id: '1' },
        { name: 'actions-runner/pilar-apps', found: true, id: '2' },
      ],
    });
  });

  it('BOOT-ARC-001 fails naming the set GitHub did not register (no runner-scale-set-id), with its secret', async () => {
    const facts = structuredClone(factsDefaults('apps')) as Facts;
    const c = cluster(
      [set('k8s-gitops', '1'), set('pilar-apps')],
      [listener('k8s-gitops', 1)],
      [pod('k8s-gitops')],
    );
    const ctx = { cluster: c, facts, evidence: fakeEvidence().evidence } as unknown as CheckContext;
    expect(await failure(scaleSetsListening((f) => f.arc, 50)(ctx))).toMatch(
      /^runner scale sets of actions-runner not listening[\s\S]*AutoscalingRunnerSet actions-runner\/pilar-apps has no runner-scale-set-id annotation: GitHub has not created its scale set \(controller logs; githubConfigSecret github-app\)/,
    );
  });

  it('names a missing set, a missing listener, an id mismatch and a listener pod that exited', () => {
    expect(scaleSetProblems(NS, 'gone', undefined, [], [])).toEqual([
      'AutoscalingRunnerSet actions-runner/gone not found',
    ]);
    expect(scaleSetProblems(NS, 'a', set('a', '3'), [], [])).toEqual([
      'AutoscalingRunnerSet actions-runner/a (scale set id 3) has no AutoscalingListener',
    ]);
    expect(scaleSetProblems(NS, 'a', set('a', '3'), [listener('a', 4)], [pod('a', false)])).toEqual([
      'AutoscalingListener actions-runner/a-696d8f77-listener listens for scale set id 4, not 3',
      'listener pod actions-runner/a-696d8f77-listener of AutoscalingRunnerSet actions-runner/a: phase Failed, not Ready, container autoscaler terminated Error exit 1',
    ]);
  });
});
