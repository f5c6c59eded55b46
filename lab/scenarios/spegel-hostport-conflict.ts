import { AppsV1Api } from '@kubernetes/client-node';
import type { LabContext } from '../core/context.js';
import type { Scenario } from './types.js';
import { unlessGone } from '../sim/kube.js';

/** The node agent this scenario adds: it declares Spegel's registry host port. */
export const PORT_SQUATTER = {
  cluster: 'infra',
  namespace: 'kube-system',
  name: 'node-agent',
  hostPort: 29999,
} as const;

const appsApi = (ctx: LabContext) => ctx.clusters[PORT_SQUATTER.cluster].kc.makeApiClient(AppsV1Api);

/** infra: a node-agent DaemonSet declares hostPort 29999, which Spegel's pods already hold on every node. */
export const spegelHostportConflict: Scenario = {
  name: 'spegel-hostport-conflict',
  summary:
    'infra: DaemonSet kube-system/node-agent added with hostPort 29999/TCP (Spegel registry’s); the real kube-scheduler leaves its pods Pending (no node has the port free)',
  expect:
    'infra: the Spegel host-port check fails naming hostPort 29999/TCP, the node-agent pods and their "didn’t have free ports" scheduling message; Spegel itself stays Available, and everything else passes. Any other scenario (lab reset too) deletes the DaemonSet',
  faults: {},
  apply: async (ctx) => {
    const labels = { 'app.kubernetes.io/name': PORT_SQUATTER.name };
    await appsApi(ctx).createNamespacedDaemonSet({
      namespace: PORT_SQUATTER.namespace,
      body: {
        metadata: { name: PORT_SQUATTER.name, namespace: PORT_SQUATTER.namespace, labels },
        spec: {
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              tolerations: [{ operator: 'Exists' }],
              containers: [
                {
                  name: 'agent',
                  image: 'registry.k8s.io/pause:3.10',
                  ports: [{ name: 'mirror', containerPort: 29999, hostPort: PORT_SQUATTER.hostPort }],
                },
              ],
            },
          },
        },
      },
    });
  },
  revert: async (ctx) => {
    await appsApi(ctx)
      .deleteNamespacedDaemonSet({ namespace: PORT_SQUATTER.namespace, name: PORT_SQUATTER.name })
      .catch(unlessGone);
  },
};
