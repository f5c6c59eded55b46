// NET-SPEGEL-001 (helpers/probes/host-ports.ts): a DaemonSet's host ports against every other pod's.
import type { V1DaemonSet, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { CheckContext } from '../../../helpers/check/index.js';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import { hostPortProblems, hostPorts, hostPortsExclusive } from '../../../helpers/probes/host-ports.js';
import { runCheck } from './check-body.js';
import { failure, fakeEvidence } from './fake-run.js';

const FILE = 'suites/registry/spegel.test.ts';
const spegel: V1DaemonSet = {
  metadata: { namespace: 'spegel-system', name: 'spegel', uid: 'ds-1' },
  spec: {
    selector: {},
    template: {
      spec: {
        containers: [
          {
            name: 'registry',
            ports: [
              { name: 'registry', containerPort: 5000, hostPort: 29999 },
              { name: 'router', containerPort: 5001, hostPort: 5001 },
              { name: 'metrics', containerPort: 9090 },
            ],
          },
        ],
      },
    },
  },
  status: {
    desiredNumberScheduled: 3,
    numberAvailable: 3,
    currentNumberScheduled: 3,
    numberMisscheduled: 0,
    numberReady: 3,
  },
};
const spegelPod = (node: string): V1Pod => ({
  metadata: {
    namespace: 'spegel-system',
    name: `spegel-${node}`,
    ownerReferences: [{ kind: 'DaemonSet', uid: 'ds-1', name: 'spegel', apiVersion: 'apps/v1' }],
  },
  spec: { nodeName: node, containers: spegel.spec!.template.spec!.containers },
  status: { phase: 'Running' },
});
const cilium: V1Pod = {
  metadata: { namespace: 'kube-system', name: 'cilium-a' },
  spec: {
    nodeName: 'n1',
    hostNetwork: true,
    containers: [{ name: 'agent', ports: [{ containerPort: 9962 }, { containerPort: 4244 }] }],
  },
  status: { phase: 'Running' },
};
const squatter: V1Pod = {
  metadata: { namespace: 'kube-system', name: 'node-agent-x7k2p' },
  spec: { containers: [{ name: 'agent', ports: [{ containerPort: 29999, hostPort: 29999 }] }] },
  status: {
    phase: 'Pending',
    conditions: [
      {
        type: 'PodScheduled',
        status: 'False',
        reason: 'Unschedulable',
        message: "0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports.",
      },
    ],
  },
};
const cluster = (pods: V1Pod[], ds = spegel) => ({
  apps: { readNamespacedDaemonSet: async () => ds },
  core: { listPodForAllNamespaces: async () => ({ items: pods }) },
});

describe('NET-SPEGEL-001 Spegel holds its host ports alone', () => {
  it('host ports: declared ones, and every containerPort of a hostNetwork pod', () => {
    expect(hostPorts(spegel.spec!.template.spec)).toEqual([
      { port: 29999, protocol: 'TCP' },
      { port: 5001, protocol: 'TCP' },
    ]);
    expect(hostPorts(cilium.spec)).toEqual([
      { port: 9962, protocol: 'TCP' },
      { port: 4244, protocol: 'TCP' },
    ]);
  });

  it('passes with its own pods on every node and Cilium on other ports, attaching the ports read', async () => {
    const attached = await runCheck(
      FILE,
      'NET-SPEGEL-001',
      cluster([spegelPod('n1'), spegelPod('n2'), cilium]),
    );
    expect(attached['host-ports']).toMatchObject({
      daemonSet: 'spegel-system/spegel',
      ports: ['29999/TCP', '5001/TCP'],
      problems: [],
    });
  });

  it('NET-SPEGEL-001 fails naming the port, the other pod and why it is Pending (or its node), and a short rollout', async () => {
    const onNode: V1Pod = {
      ...squatter,
      metadata: { namespace: 'kube-system', name: 'other' },
      spec: { ...squatter.spec!, nodeName: 'n2' },
      status: { phase: 'Running' },
    };
    expect(
      hostPortProblems({ ...spegel, status: { ...spegel.status!, numberAvailable: 2 } }, [
        spegelPod('n1'),
        squatter,
        onNode,
      ]),
    ).toEqual([
      "hostPort 29999/TCP of DaemonSet spegel-system/spegel also bound by pod kube-system/node-agent-x7k2p (Pending: 0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod ports.)",
      'hostPort 29999/TCP of DaemonSet spegel-system/spegel also bound by pod kube-system/other (on node n2)',
      'DaemonSet spegel-system/spegel: 2 of 3 pods available',
    ]);
    const facts = structuredClone(factsDefaults('infra')) as Facts;
    const ctx = {
      cluster: cluster([spegelPod('n1'), squatter]),
      facts,
      evidence: fakeEvidence().evidence,
    } as unknown as CheckContext;
    expect(await failure(hostPortsExclusive((f) => f.spegel, 50)(ctx))).toMatch(
      /^host ports of DaemonSet spegel-system\/spegel not held by it alone[\s\S]*hostPort 29999\/TCP of DaemonSet spegel-system\/spegel also bound by pod kube-system\/node-agent-x7k2p \(Pending: 0\/3 nodes are available/,
    );
  });
});
