// Shared plumbing of the framework's lab tests: handles to the lab clusters (identity proven) and the
// small agnhost netexec workloads the tunnel/exec tests talk to (served by the lab's pod runtime).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { V1PodSpec } from '@kubernetes/client-node';
import {
  createClusterHandle,
  proveIdentity,
  waitFor,
  waitForRollout,
  type ClusterHandle,
} from '../../../helpers/cluster/index.js';
import { isPodReady, openTunnel } from '../../../helpers/tunnel/index.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const LAB_KUBECONFIG = path.join(REPO, '.lab', 'kubeconfig');

/** A handle with proven identity. Fails loudly (never skips) when the lab is not up. */
export async function labCluster(name: 'infra' | 'apps'): Promise<ClusterHandle> {
  if (!fs.existsSync(LAB_KUBECONFIG)) {
    throw new Error(`the lab is not up: ${LAB_KUBECONFIG} does not exist (run \`pnpm lab up\`)`);
  }
  const c = createClusterHandle({
    name,
    context: `lab-${name}`,
    kubeconfig: LAB_KUBECONFIG,
    requestTimeoutMs: 10_000,
  });
  await proveIdentity(c, { timeoutMs: 15_000 });
  return c;
}

export const NETEXEC_IMAGE = 'registry.k8s.io/e2e-test-images/agnhost:2.53';

export function netexecPodSpec(): V1PodSpec {
  return {
    containers: [
      {
        name: 'netexec',
        image: NETEXEC_IMAGE,
        args: ['netexec', '--http-port=8080'],
        ports: [{ name: 'http', containerPort: 8080 }],
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
    tolerations: [{ operator: 'Exists' }],
    terminationGracePeriodSeconds: 0,
  };
}

/** Deployment `echo` (2 replicas) + Service `echo` (port 80 "web" -> targetPort "http"), StatefulSet `echo-sts`, Pod `echo-pod`. */
export async function deployEchoWorkloads(c: ClusterHandle, ns: string): Promise<void> {
  const labels = (app: string) => ({ app });
  await c.apps.createNamespacedDeployment({
    namespace: ns,
    body: {
      metadata: { name: 'echo', labels: labels('echo') },
      spec: {
        replicas: 2,
        selector: { matchLabels: labels('echo') },
        template: { metadata: { labels: labels('echo') }, spec: netexecPodSpec() },
      },
    },
  });
  await c.core.createNamespacedService({
    namespace: ns,
    body: {
      metadata: { name: 'echo' },
      spec: {
        selector: labels('echo'),
        ports: [{ name: 'web', port: 80, targetPort: 'http' as never, protocol: 'TCP' }],
      },
    },
  });
  await c.apps.createNamespacedStatefulSet({
    namespace: ns,
    body: {
      metadata: { name: 'echo-sts', labels: labels('echo-sts') },
      spec: {
        replicas: 1,
        serviceName: 'echo-sts',
        selector: { matchLabels: labels('echo-sts') },
        template: { metadata: { labels: labels('echo-sts') }, spec: netexecPodSpec() },
      },
    },
  });
  await c.core.createNamespacedPod({
    namespace: ns,
    body: { metadata: { name: 'echo-pod', labels: labels('echo-pod') }, spec: netexecPodSpec() },
  });
  await waitForRollout(c, { kind: 'Deployment', namespace: ns, name: 'echo' }, 90_000);
  await waitForRollout(c, { kind: 'StatefulSet', namespace: ns, name: 'echo-sts' }, 90_000);
  await waitFor(
    `pod ${ns}/echo-pod ready`,
    async () => {
      const p = await c.core.readNamespacedPod({ namespace: ns, name: 'echo-pod' });
      return isPodReady(p) ? { done: true, value: p } : { done: false, seen: p.status?.phase };
    },
    { timeoutMs: 60_000 },
  );
  await waitUntilServed(c, ns);
}

/**
 * KWOK marks a pod Ready before the lab's pod runtime has routed its port: wait until every echo pod
 * answers through a tunnel (one complete HTTP exchange each, so no idle connection is left behind).
 */
export async function waitUntilServed(c: ClusterHandle, ns: string, timeoutMs = 120_000): Promise<void> {
  const pods = (await c.core.listNamespacedPod({ namespace: ns })).items
    .filter((p) => !p.metadata?.deletionTimestamp && /^echo/.test(p.metadata?.name ?? ''))
    .map((p) => p.metadata!.name!);
  for (const pod of pods) {
    await waitFor(
      `pod ${ns}/${pod} served through a tunnel`,
      async () => {
        const t = await openTunnel(
          c,
          { kind: 'Pod', namespace: ns, name: pod, port: 8080 },
          { openTimeoutMs: 5000 },
        );
        try {
          const r = await getOnce(t.port, '/hostname');
          return r.body === pod ? { done: true, value: r } : { done: false, seen: r };
        } finally {
          await t.close();
        }
      },
      { timeoutMs, intervalMs: 1000 },
    );
  }
}

/** GET over a fresh TCP connection (no keep-alive), so every request opens a new tunnel stream. */
export function getOnce(
  port: number,
  urlPath: string,
  timeoutMs = 10_000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: urlPath, agent: false, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`GET ${urlPath} via 127.0.0.1:${port}: no answer within ${timeoutMs} ms`)),
    );
    req.on('error', reject);
  });
}

/** Collects uncaught errors/unhandled rejections while `fn` runs (the tunnel must never leave any). */
export async function noUnhandled<T>(fn: () => Promise<T>): Promise<{ value: T; unhandled: unknown[] }> {
  const seen: unknown[] = [];
  const onErr = (e: unknown) => seen.push(e);
  process.on('uncaughtException', onErr);
  process.on('unhandledRejection', onErr);
  try {
    const value = await fn();
    await new Promise((r) => setTimeout(r, 300)); // let late 'error'/'close' events fire
    return { value, unhandled: seen };
  } finally {
    process.off('uncaughtException', onErr);
    process.off('unhandledRejection', onErr);
  }
}
