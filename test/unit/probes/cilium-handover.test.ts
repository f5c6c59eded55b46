// suites/gitops/cilium-handover.test.ts and BOOT-CORE-012, run as declared on fake clusters: each
// passes on the lab's healthy shape and fails naming the object, the key or field, and the value seen.
import { describe, expect, it } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { CheckContext } from '../../../helpers/check/index.js';
import { GVR } from '../../../helpers/reads/k8s.js';
import { fieldEquals } from '../../../helpers/probes/kubernetes.js';
import {
  driftDetectionMode,
  expectedSettings,
  readyFromChart,
  settingsMismatches,
} from '../../../helpers/probes/cilium-gitops.js';
import { runCheck } from './check-body.js';
import { failure, fakeEvidence } from './fake-run.js';

const FILE = 'suites/gitops/cilium-handover.test.ts';

/** flux-system/cluster-settings of the lab's infra cluster (lab/sim/fixtures/common/01-cluster-settings.yaml) */
const infraSettings = () => ({
  CLUSTER: 'infra',
  CLUSTER_ID: '1',
  POD_CIDR: '10.244.0.0/16',
  SERVICE_CIDR: '10.245.0.0/16',
  CILIUM_LB_POOL_CIDR: '10.245.10.0/24',
  COREDNS_CLUSTER_IP: '10.245.0.10',
  COREDNS_REPLICAS: '2',
});
const cmCluster = (data: Record<string, string>) => ({
  core: { readNamespacedConfigMap: async () => ({ metadata: { name: 'cluster-settings' }, data }) },
});

describe('NET-CILIUM-008 cluster-settings against the facts', () => {
  it('passes on the lab’s infra settings, attaching expected and seen', async () => {
    const attached = await runCheck(FILE, 'NET-CILIUM-008', cmCluster(infraSettings()));
    expect(attached['cluster-settings']).toMatchObject({
      expected: expectedSettings(factsDefaults('infra')),
    });
  });
  it('NET-CILIUM-008 fails naming each key with the value seen and the one expected (apps settings on infra)', async () => {
    const data = { ...infraSettings(), CLUSTER: 'apps', CLUSTER_ID: '2' } as Record<string, string>;
    delete data.COREDNS_CLUSTER_IP;
    const msg = await failure(runCheck(FILE, 'NET-CILIUM-008', cmCluster(data)));
    expect(msg).toMatch(/^ConfigMap flux-system\/cluster-settings/);
    expect(msg).toContain('CLUSTER: \\"apps\\" (expected \\"infra\\")');
    expect(settingsMismatches(data, expectedSettings(factsDefaults('infra')))).toEqual([
      'CLUSTER: "apps" (expected "infra")',
      'CLUSTER_ID: "2" (expected "1")',
      'COREDNS_CLUSTER_IP: missing (expected "10.245.0.10")',
    ]);
  });
});

const hr = (
  mode: string | undefined,
  ready = 'True',
  chartRef: object = { kind: 'OCIRepository', name: 'cilium', namespace: 'flux-system' },
) => ({
  metadata: { namespace: 'kube-system', name: 'cilium' },
  spec: { chartRef, ...(mode ? { driftDetection: { mode } } : {}) },
  status: {
    conditions: [
      { type: 'Ready', status: ready, reason: ready === 'True' ? 'InstallSucceeded' : 'UpgradeFailed' },
    ],
  },
});
const ks = (ready: string) => ({
  metadata: { namespace: 'flux-system', name: 'cilium-core' },
  status: {
    conditions: [
      {
        type: 'Ready',
        status: ready,
        reason: ready === 'True' ? 'ReconciliationSucceeded' : 'HealthCheckFailed',
      },
    ],
  },
});
/** serves the Kustomization and the HelmRelease by plural */
const fluxCluster = (kustomization: unknown, helmRelease: unknown) => ({
  custom: {
    getNamespacedCustomObject: async (a: { plural: string }) =>
      a.plural === 'kustomizations' ? kustomization : helmRelease,
  },
});
const ctx = (cluster: unknown) => {
  const { evidence } = fakeEvidence();
  return {
    cluster,
    facts: structuredClone(factsDefaults('infra')) as Facts,
    evidence,
  } as unknown as CheckContext;
};

describe('NET-CILIUM-009 drift detection, NET-CILIUM-010 cilium-core and the chart source', () => {
  it('pass on the lab’s fixture shape', async () => {
    await runCheck(FILE, 'NET-CILIUM-009', fluxCluster(ks('True'), hr('enabled')));
    const attached = await runCheck(FILE, 'NET-CILIUM-010', fluxCluster(ks('True'), hr('enabled')));
    expect(Object.keys(attached)).toEqual(['status cilium-core', 'status cilium']);
  });
  it('NET-CILIUM-009 fails naming the HelmRelease and the mode seen (warn, or unset)', async () => {
    const probe = (o: unknown) =>
      fieldEquals(
        (f) => ({ kind: 'HelmRelease', gvr: GVR.helmRelease, ...f.cilium.helmRelease }),
        {
          label: 'spec.driftDetection.mode',
          get: driftDetectionMode,
          want: 'enabled',
        },
        50,
      )(ctx(fluxCluster(undefined, o)));
    expect(await failure(probe(hr('warn')))).toMatch(
      /^HelmRelease kube-system\/cilium spec.driftDetection.mode[\s\S]*"warn"/,
    );
    expect(await failure(probe(hr(undefined)))).toMatch(/"unset"/);
  });
  it('NET-CILIUM-010 fails naming the chart source seen when the HelmRelease draws from another one', async () => {
    const other = hr('enabled', 'True', {
      kind: 'HelmChart',
      name: 'cilium-bootstrap',
      namespace: 'kube-system',
    });
    expect(
      await failure(
        fieldEquals(
          () => ({ kind: 'HelmRelease', gvr: GVR.helmRelease, namespace: 'kube-system', name: 'cilium' }),
          {
            label: 'Ready and chart source',
            get: readyFromChart,
            want: 'Ready; chartRef OCIRepository flux-system/cilium',
          },
          50,
        )(ctx(fluxCluster(ks('True'), other))),
      ),
    ).toMatch(
      /HelmRelease kube-system\/cilium Ready and chart source[\s\S]*Ready; chartRef HelmChart kube-system\/cilium-bootstrap/,
    );
    expect(readyFromChart(hr('enabled', 'False'))).toBe(
      'Ready=False (UpgradeFailed); chartRef OCIRepository flux-system/cilium',
    );
  });
});

describe('BOOT-CORE-012 kube-dns address', () => {
  const svcCluster = (clusterIP: string) => ({
    core: { readNamespacedService: async () => ({ metadata: { name: 'kube-dns' }, spec: { clusterIP } }) },
  });
  it('passes on each cluster’s reference address', async () => {
    await runCheck('suites/bootstrap/core.test.ts', 'BOOT-CORE-012', svcCluster('10.245.0.10'));
    await runCheck('suites/bootstrap/core.test.ts', 'BOOT-CORE-012', svcCluster('10.247.0.10'), {
      clusterName: 'apps',
    });
  });
  it('BOOT-CORE-012 fails naming the Service, the address seen and the expected one', async () => {
    expect(
      await failure(runCheck('suites/bootstrap/core.test.ts', 'BOOT-CORE-012', svcCluster('10.245.0.53'))),
    ).toMatch(/^Service kube-system\/kube-dns spec.clusterIP: expected '10.245.0.53' to be '10.245.0.10'/);
  });
});
