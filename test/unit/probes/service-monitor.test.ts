// DB-DRAGONFLY-011 (helpers/probes/service-monitor.ts): the ServiceMonitor -> Service -> EndpointSlice
// -> pod links, on a fake cluster that answers label selectors the way the API server does (k=v only).
import type { V1EndpointSlice, V1Pod, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../../helpers/check/index.js';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import {
  monitorProblems,
  scrapesEveryPod,
  type MonitorWiring,
} from '../../../helpers/probes/service-monitor.js';
import { runCheck } from './check-body.js';
import { failure, fakeEvidence } from './fake-run.js';

const FILE = 'suites/databases/dragonfly.test.ts';
const NS = 'dragonfly-system';
const matches = (labels: Record<string, string> | undefined, selector: string) =>
  !selector || selector.split(',').every((kv) => labels?.[kv.split('=')[0]!] === kv.split('=')[1]);

const pod = (name: string): V1Pod => ({
  metadata: { namespace: NS, name, labels: { app: 'dragonfly' } },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
});

function fakeCluster(opts: { serviceLabel?: string; endpointPods?: string[] } = {}) {
  const pods = ['dragonfly-0', 'dragonfly-1', 'dragonfly-2'].map(pod);
  const services: V1Service[] = [
    // the operator's client Service: labelled app=dragonfly too, no admin port, the master only
    {
      metadata: { namespace: NS, name: 'dragonfly', labels: { app: 'dragonfly' } },
      spec: { ports: [{ name: 'redis', port: 6379 }] },
    },
    {
      metadata: {
        namespace: NS,
        name: 'dragonfly-metrics',
        labels: { app: opts.serviceLabel ?? 'dragonfly' },
      },
      spec: { ports: [{ name: 'admin', port: 9999 }] },
    },
  ];
  const master: V1EndpointSlice = {
    addressType: 'IPv4',
    metadata: { namespace: NS, name: 'dragonfly-x', labels: { 'kubernetes.io/service-name': 'dragonfly' } },
    endpoints: [
      {
        addresses: ['10.0.0.1'],
        conditions: { ready: true },
        targetRef: { kind: 'Pod', namespace: NS, name: 'dragonfly-0' },
      },
    ],
  };
  const slice: V1EndpointSlice = {
    addressType: 'IPv4',
    metadata: {
      namespace: NS,
      name: 'dragonfly-metrics-x',
      labels: { 'kubernetes.io/service-name': 'dragonfly-metrics' },
    },
    endpoints: (opts.endpointPods ?? pods.map((p) => p.metadata!.name!)).map((name, i) => ({
      addresses: [`10.0.0.${i + 1}`],
      conditions: { ready: true },
      targetRef: { kind: 'Pod', namespace: NS, name },
    })),
  };
  return {
    custom: {
      getNamespacedCustomObject: async ({ name }: { name: string }) => ({
        metadata: { namespace: NS, name },
        spec: {
          selector: { matchLabels: { app: 'dragonfly' } },
          endpoints: [{ port: 'admin', interval: '30s' }],
        },
      }),
    },
    core: {
      listNamespacedService: async ({ labelSelector }: { labelSelector: string }) => ({
        items: services.filter((s) => matches(s.metadata?.labels, labelSelector)),
      }),
      listNamespacedPod: async ({ labelSelector }: { labelSelector: string }) => ({
        items: pods.filter((p) => matches(p.metadata?.labels, labelSelector)),
      }),
    },
    discovery: {
      listNamespacedEndpointSlice: async ({ labelSelector }: { labelSelector: string }) => ({
        items: [master, slice].filter((s) => matches(s.metadata?.labels, labelSelector)),
      }),
    },
  };
}

describe('DB-DRAGONFLY-011 ServiceMonitor scrapes every Dragonfly pod', () => {
  it('passes when the selected Service has the port and every pod is a ready endpoint; attaches the wiring', async () => {
    const attached = await runCheck(FILE, 'DB-DRAGONFLY-011', fakeCluster(), {
      clusterName: 'apps',
      edit: (f) => (f.dragonfly.enabled = true),
    });
    expect(attached['service-monitor']).toMatchObject({
      ports: ['admin'],
      pods: ['dragonfly-system/dragonfly-0', 'dragonfly-system/dragonfly-1', 'dragonfly-system/dragonfly-2'],
      wiring: { serviceMonitor: 'dragonfly-system/dragonfly', selector: 'app=dragonfly', namespaces: [NS] },
    });
  });

  it('DB-DRAGONFLY-011 fails naming the endpoint port no selected Service has and the pods left unscraped (MON-001 label mismatch)', async () => {
    const facts = structuredClone(factsDefaults('apps')) as Facts;
    const { evidence } = fakeEvidence();
    const ctx = {
      cluster: fakeCluster({ serviceLabel: 'dragonfly-metrics' }),
      facts,
      evidence,
    } as unknown as CheckContext;
    const message = await failure(scrapesEveryPod((f) => f.dragonfly, 50)(ctx));
    expect(message).toMatch(
      /ServiceMonitor dragonfly-system\/dragonfly endpoint port admin: no selected Service has it \(dragonfly-system\/dragonfly\)[\s\S]*3 of 3 pods are no ready endpoint of a selected Service with port admin/,
    );
  });

  it('a ServiceMonitor that selects no Service says so with its selector', () => {
    const w: MonitorWiring = {
      serviceMonitor: 'dragonfly-system/dragonfly',
      selector: 'app=dragonfly',
      namespaces: [NS],
      services: [],
    };
    expect(monitorProblems(w, ['admin'], ['dragonfly-system/dragonfly-0'])).toEqual([
      'ServiceMonitor dragonfly-system/dragonfly selects no Service (selector app=dragonfly in namespace dragonfly-system)',
    ]);
  });

  it('names the pods that are no ready endpoint, and an endpoint port no selected Service has', () => {
    const w: MonitorWiring = {
      serviceMonitor: 'dragonfly-system/dragonfly',
      selector: 'app=dragonfly',
      namespaces: [NS],
      services: [
        {
          name: 'dragonfly-system/dragonfly-metrics',
          ports: ['admin'],
          readyPods: ['dragonfly-system/dragonfly-0'],
        },
      ],
    };
    expect(
      monitorProblems(w, ['metrics'], ['dragonfly-system/dragonfly-0', 'dragonfly-system/dragonfly-1']),
    ).toEqual([
      'ServiceMonitor dragonfly-system/dragonfly endpoint port metrics: no selected Service has it (dragonfly-system/dragonfly-metrics)',
      'ServiceMonitor dragonfly-system/dragonfly: 2 of 2 pods are no ready endpoint of a selected Service with port metrics (dragonfly-system/dragonfly-0, dragonfly-system/dragonfly-1; selected: dragonfly-system/dragonfly-metrics)',
    ]);
  });
});
