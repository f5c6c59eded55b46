/**
 * A KWOK pod (pause image) whose ports KWOK forwards to local processes of the caller: a namespaced
 * PortForward named after the pod (lab/core/routing.ts explains the precedence). Tests and benchmarks
 * use it for a pod whose far end they own (an echo server, a byte source) and can stop at will.
 */
import type { CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { KWOK_GROUP, KWOK_VERSION } from './routing.js';

export interface RoutedPodOptions {
  namespace: string;
  name: string;
  /** pod port -> local loopback port it is forwarded to */
  routes: { port: number; target: number }[];
  /** a KWOK node; default apps-cp-1 (the lab's apps cluster) */
  node?: string;
  runningTimeoutMs?: number;
}

/** Creates the pod and its route, then waits (bounded) until KWOK reports it Running. */
export async function createRoutedPod(
  api: { core: CoreV1Api; custom: CustomObjectsApi },
  o: RoutedPodOptions,
): Promise<void> {
  const { namespace, name } = o;
  await api.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        nodeName: o.node ?? 'apps-cp-1',
        tolerations: [{ operator: 'Exists' }],
        containers: [
          {
            name: 'routed',
            image: 'registry.k8s.io/pause:3.10',
            ports: o.routes.map((r) => ({ containerPort: r.port })),
            // run namespaces enforce Pod Security restricted
            securityContext: {
              allowPrivilegeEscalation: false,
              runAsNonRoot: true,
              runAsUser: 65534,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            },
          },
        ],
      },
    },
  });
  await api.custom.createNamespacedCustomObject({
    group: KWOK_GROUP,
    version: KWOK_VERSION,
    plural: 'portforwards',
    namespace,
    body: {
      apiVersion: `${KWOK_GROUP}/${KWOK_VERSION}`,
      kind: 'PortForward',
      metadata: { name, namespace },
      spec: {
        forwards: o.routes.map((r) => ({
          ports: [r.port],
          target: { address: '127.0.0.1', port: r.target },
        })),
      },
    },
  });
  const until = Date.now() + (o.runningTimeoutMs ?? 60_000);
  for (;;) {
    const phase = (await api.core.readNamespacedPod({ namespace, name })).status?.phase;
    if (phase === 'Running') return;
    if (Date.now() > until) {
      throw new Error(
        `pod ${namespace}/${name} not Running within ${o.runningTimeoutMs ?? 60_000} ms (phase ${phase})`,
      );
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}
