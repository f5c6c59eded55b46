// BOOT-RELOADER-001 (helpers/probes/reloader.ts) on a fake cluster whose "Reloader" either changes the
// Deployment's template when the ConfigMap is patched (as Reloader's env-vars strategy does) or not.
import type { V1ConfigMap, V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import {
  RELOAD_ON_CONFIGMAP,
  reloadProblem,
  reloadedDeployment,
  reloaderMarks,
  rolloutProblem,
} from '../../../helpers/probes/reloader.js';
import { runCheck } from './check-body.js';
import { failure } from './fake-run.js';

const FILE = 'suites/bootstrap/reloader.test.ts';

/** A Deployment the fake controller-manager has fully rolled out. */
const rolled = (d: V1Deployment): V1Deployment => ({
  ...d,
  status: {
    observedGeneration: d.metadata?.generation,
    replicas: 1,
    updatedReplicas: 1,
    availableReplicas: 1,
  },
});

function fakeCluster(reloads: boolean) {
  const deployments = new Map<string, V1Deployment>();
  const configMaps = new Map<string, V1ConfigMap>();
  const reloader: V1Deployment = reloads
    ? rolled({ metadata: { name: 'reloader', generation: 1 }, spec: { replicas: 1 } as V1Deployment['spec'] })
    : {
        metadata: { name: 'reloader', generation: 2 },
        spec: { replicas: 0 } as V1Deployment['spec'],
        status: {},
      };
  return {
    deployments,
    cluster: {
      core: {
        createNamespacedConfigMap: async ({ body }: { body: V1ConfigMap }) =>
          configMaps.set(body.metadata!.name!, body),
        patchNamespacedConfigMap: async ({ name }: { name: string }) => {
          if (!reloads) return;
          const d = deployments.get(name)!;
          const c = d.spec!.template.spec!.containers[0]!;
          c.env = [
            ...(c.env ?? []),
            { name: `STAKATER_${name.toUpperCase().replaceAll('-', '_')}_CONFIGMAP`, value: 'abc' },
          ];
          d.metadata!.generation = (d.metadata!.generation ?? 1) + 1;
        },
      },
      apps: {
        createNamespacedDeployment: async ({ body }: { body: V1Deployment }) =>
          deployments.set(body.metadata!.name!, {
            ...structuredClone(body),
            metadata: { ...body.metadata, generation: 1 },
          }),
        readNamespacedDeployment: async ({ name }: { name: string }) =>
          name === 'reloader' ? reloader : rolled(structuredClone(deployments.get(name)!)),
      },
    },
  };
}

const fast = (f: Facts) => (f.reloader.rolloutTimeoutMs = 300);

describe('BOOT-RELOADER-001 Reloader rolls what a ConfigMap change concerns', () => {
  it('the run-owned Deployment is restricted, reads the ConfigMap and names it in Reloader’s annotation', () => {
    const d = reloadedDeployment(factsDefaults('apps') as Facts, 'pv-reload-x', 'pv-run-x', 'pv-reload-x');
    expect(d.metadata?.annotations).toEqual({ [RELOAD_ON_CONFIGMAP]: 'pv-reload-x' });
    const spec = d.spec!.template.spec!;
    expect(spec.restartPolicy).toBe('Always');
    expect(spec.containers[0]!.envFrom).toEqual([{ configMapRef: { name: 'pv-reload-x' } }]);
    expect(spec.containers[0]!.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      runAsNonRoot: true,
    });
    expect(d.spec!.template.metadata!.labels).toMatchObject(d.spec!.selector.matchLabels!);
  });

  it('passes when the template gains Reloader’s env var and the new generation rolls out, and attaches it', async () => {
    const { cluster } = fakeCluster(true);
    const attached = await runCheck(FILE, 'BOOT-RELOADER-001', cluster, { clusterName: 'apps', edit: fast });
    expect(attached.reloader).toMatchObject({ generationBefore: 1, generationAfter: 2 });
    expect((attached.reloader as { marks: string[] }).marks).toEqual([
      expect.stringMatching(/^env netexec\/STAKATER_PV_RELOAD_[A-Z0-9_]+_CONFIGMAP$/),
    ]);
  });

  it('BOOT-RELOADER-001 fails naming the Deployment, the unchanged template and Reloader at 0 of 0 available', async () => {
    const { cluster } = fakeCluster(false);
    expect(
      await failure(runCheck(FILE, 'BOOT-RELOADER-001', cluster, { clusterName: 'apps', edit: fast })),
    ).toMatch(
      /Deployment pv-run-[\w-]+\/pv-reload-[\w-]+ not reloaded within 0.3 s of its ConfigMap [\s\S]*pod template unchanged \(generation 1, was 1[\s\S]*Reloader Deployment kube-system\/reloader: 0 of 0 available/,
    );
  });

  it('a template change that has not rolled out yet is not a reload', () => {
    const before = rolled({ metadata: { generation: 1 }, spec: { replicas: 1, selector: {}, template: {} } });
    const changed: V1Deployment = {
      metadata: { generation: 2 },
      spec: {
        replicas: 1,
        selector: {},
        template: { metadata: { annotations: { 'reloader.stakater.com/last-reloaded-from': '{}' } } },
      },
      status: { observedGeneration: 1, replicas: 2, updatedReplicas: 0, availableReplicas: 1 },
    };
    expect(reloaderMarks(changed)).toEqual(['annotation reloader.stakater.com/last-reloaded-from']);
    expect(reloadProblem(before, changed)).toBe(
      'template changed (annotation reloader.stakater.com/last-reloaded-from) but not rolled out: generation 2, observed 1, updated 0/1, available 1/1',
    );
    expect(rolloutProblem(rolled(changed))).toBe('');
  });
});
