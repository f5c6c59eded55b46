// EVID-FLUX-001 (helpers/probes/flux-evidence.ts): the Flux state, its Events and every controller's
// log tail are captured; a capture that cannot be made is named, never skipped.
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../../helpers/check/index.js';
import type { Facts } from '../../../helpers/config/index.js';
import { fluxReconciliationCaptured } from '../../../helpers/probes/flux-evidence.js';
import { fakeEvidence } from './fake-run.js';

const facts = {
  flux: { namespace: 'flux-system', controllers: ['kustomize-controller', 'helm-controller'] },
} as unknown as Facts;

function cluster(opts: { helmPods?: boolean; logError?: boolean } = {}) {
  return {
    name: 'infra',
    custom: {
      listClusterCustomObject: async ({ plural }: { plural: string }) => ({
        items:
          plural === 'kustomizations'
            ? [
                {
                  metadata: { namespace: 'flux-system', name: 'apps' },
                  status: {
                    lastAppliedRevision: 'main@sha1:abc',
                    conditions: [
                      {
                        type: 'Ready',
                        status: 'True',
                        reason: 'ReconciliationSucceeded',
                        message: 'Applied revision: main@sha1:abc',
                      },
                    ],
                  },
                },
              ]
            : [],
      }),
    },
    core: {
      listEventForAllNamespaces: async ({ fieldSelector }: { fieldSelector: string }) => ({
        items: fieldSelector.endsWith('Kustomization')
          ? [
              {
                type: 'Normal',
                reason: 'ReconciliationSucceeded',
                lastTimestamp: '2026-12-07T10:00:00Z',
                source: { component: 'kustomize-controller' },
                involvedObject: { kind: 'Kustomization', namespace: 'flux-system', name: 'apps' },
                message: 'ConfigMap/x configured',
              },
            ]
          : [],
      }),
      listNamespacedPod: async ({ labelSelector }: { labelSelector: string }) => ({
        items:
          labelSelector === 'app=helm-controller' && !opts.helmPods
            ? []
            : [
                {
                  metadata: { name: `${labelSelector.slice(4)}-abc` },
                  spec: { containers: [{ name: 'manager' }] },
                },
              ],
      }),
      readNamespacedPodLog: async ({ name }: { name: string }) => {
        if (opts.logError) throw new Error('HTTP-Code: 403\nMessage: pods "x" is forbidden');
        return `{"level":"info","msg":"reconciled ${name}"}\n`;
      },
    },
  } as unknown as CheckContext['cluster'];
}

describe('EVID-FLUX-001 Flux reconciliation evidence', () => {
  it('attaches the state, the Events and each controller log', async () => {
    const { evidence, attached } = fakeEvidence();
    await fluxReconciliationCaptured()({ cluster: cluster({ helmPods: true }), facts, evidence } as never);
    const state = attached['VALIDATE-NET-flux-reconciliation-infra.txt'] as string;
    expect(state).toContain(
      'Kustomization flux-system/apps\tReady=True (ReconciliationSucceeded) Applied revision: main@sha1:abc',
    );
    expect(state).toContain(
      'ReconciliationSucceeded\tKustomization/flux-system/apps\tkustomize-controller\tConfigMap/x configured',
    );
    expect(attached['VALIDATE-NET-flux-logs-infra.txt']).toMatch(
      /## helm-controller: pod flux-system\/helm-controller-abc/,
    );
  });
  it('EVID-FLUX-001 fails naming a controller without a pod and a log it could not read', async () => {
    const { evidence } = fakeEvidence();
    await expect(
      fluxReconciliationCaptured()({ cluster: cluster(), facts, evidence } as never),
    ).rejects.toThrow(
      'Flux reconciliation evidence not captured on infra: logs of helm-controller: no pod labelled app=helm-controller in flux-system',
    );
    await expect(
      fluxReconciliationCaptured()({
        cluster: cluster({ helmPods: true, logError: true }),
        facts,
        evidence,
      } as never),
    ).rejects.toThrow(
      /logs of kustomize-controller: HTTP-Code: 403; logs of helm-controller: HTTP-Code: 403/,
    );
  });
});
