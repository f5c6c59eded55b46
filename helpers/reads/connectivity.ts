/**
 * Connectivity matrix (NET-CILIUM-002): netexec server pods pinned to distinct nodes plus a ClusterIP
 * Service in front of them, client pods pinned to distinct nodes, then every client fetches
 * `/hostname` from every server pod IP (pod-to-pod, within and across nodes) and from the Service's
 * ClusterIP (pod-to-service). The answer must name the server pod, so a reply from the wrong pod
 * is a failure too. Everything lives in the run-owned namespace.
 */
import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { expect } from 'vitest';
import type { Facts } from '../config/facts.js';
import { CONVERGE_POLL_MS, exec } from '../cluster/index.js';
import { fixtureYaml } from './fixtures.js';
import { podReady, type ClusterHandle } from './k8s.js';

export interface MatrixCell {
  client: string;
  clientNode: string;
  target: string;
  targetNode: string;
  kind: 'pod-to-pod' | 'pod-to-service';
  url: string;
  ok: boolean;
  answer: string;
  ms: number;
}

export interface Matrix {
  servers: { name: string; node: string; ip: string }[];
  clients: { name: string; node: string }[];
  service: { name: string; clusterIP: string; port: number };
  cells: MatrixCell[];
}

export function netexecPod(
  facts: Facts,
  name: string,
  namespace: string,
  node: string | undefined,
  role: string,
): V1Pod {
  const pod = fixtureYaml<V1Pod>('networking/netexec-pod.yaml');
  pod.metadata = {
    ...pod.metadata,
    name,
    namespace,
    labels: { ...pod.metadata?.labels, 'platform-validation/role': role },
  };
  if (node) pod.spec!.nodeSelector = { 'kubernetes.io/hostname': node };
  const c = pod.spec!.containers[0]!;
  c.image = facts.connectivity.image;
  c.args = facts.connectivity.serverArgs;
  c.ports = [{ name: 'http', containerPort: facts.connectivity.port }];
  return pod;
}

/** Ready nodes, control-plane ones included (the reference clusters are 3 control-plane nodes). */
async function schedulableNodes(cluster: ClusterHandle): Promise<string[]> {
  const nodes = (await cluster.core.listNode()).items;
  return nodes
    .filter(
      (n) =>
        !n.spec?.unschedulable &&
        n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    )
    .map((n) => n.metadata!.name!)
    .sort();
}

/**
 * Explicit wait: the named netexec pods of `namespace` are Ready with an IP, within
 * facts.connectivity.readyTimeoutMs; the message names each one that is not. Returns them by name.
 */
export async function waitNetexecReady(
  cluster: ClusterHandle,
  namespace: string,
  names: readonly string[],
  facts: Facts,
): Promise<Map<string, V1Pod>> {
  const wanted = new Set(names);
  let pods: V1Pod[] = [];
  await expect
    .poll(
      async () => {
        pods = (
          await cluster.core.listNamespacedPod({
            namespace,
            labelSelector: 'app.kubernetes.io/name=pv-netexec',
          })
        ).items.filter((p) => wanted.has(p.metadata?.name ?? ''));
        const seen = new Set(pods.map((p) => p.metadata!.name!));
        return [
          ...names.filter((n) => !seen.has(n)).map((n) => `${n}: not found`),
          ...pods
            .filter((p) => !podReady(p) || !p.status?.podIP)
            .map(
              (p) =>
                `${p.metadata?.name}: ${p.status?.phase ?? 'no phase'}${p.status?.podIP ? '' : ', no IP'}`,
            ),
        ];
      },
      {
        timeout: facts.connectivity.readyTimeoutMs,
        interval: CONVERGE_POLL_MS,
        message: `connectivity pods on ${cluster.name} not Ready`,
      },
    )
    .toEqual([]);
  return new Map(pods.map((p) => [p.metadata!.name!, p]));
}

export async function deployMatrix(
  cluster: ClusterHandle,
  facts: Facts,
  namespace: string,
  prefix: string,
): Promise<Omit<Matrix, 'cells'>> {
  const nodes = await schedulableNodes(cluster);
  if (nodes.length === 0) throw new Error('no Ready schedulable node to place connectivity pods on');
  const n = Math.min(facts.connectivity.pods, nodes.length);
  const placed = nodes.slice(0, Math.max(n, Math.min(2, nodes.length)));
  const serverNames = placed.map((_, i) => `${prefix}-server-${i}`);
  const clientNames = placed.map((_, i) => `${prefix}-client-${i}`);
  for (const [i, node] of placed.entries()) {
    await cluster.core.createNamespacedPod({
      namespace,
      body: netexecPod(facts, serverNames[i]!, namespace, node, 'server'),
    });
    await cluster.core.createNamespacedPod({
      namespace,
      body: netexecPod(facts, clientNames[i]!, namespace, node, 'client'),
    });
  }
  const svc = fixtureYaml<V1Service>('networking/netexec-service.yaml');
  svc.metadata = { ...svc.metadata, name: `${prefix}-svc`, namespace };
  svc.spec!.ports = [{ name: 'http', port: 80, targetPort: 'http' as never }];
  const created = await cluster.core.createNamespacedService({ namespace, body: svc });

  // explicit wait: every pod Ready with an IP
  const byName = await waitNetexecReady(cluster, namespace, [...serverNames, ...clientNames], facts);
  // explicit wait: exec into each client works (a Ready pod may not accept exec for a moment)
  for (const name of clientNames) {
    await waitForExec(
      cluster,
      namespace,
      name,
      `http://${byName.get(name)!.status!.podIP!}:${facts.connectivity.port}/healthz`,
    );
  }
  return {
    servers: serverNames.map((name) => ({
      name,
      node: byName.get(name)!.spec!.nodeName!,
      ip: byName.get(name)!.status!.podIP!,
    })),
    clients: clientNames.map((name) => ({ name, node: byName.get(name)!.spec!.nodeName! })),
    service: { name: created.metadata!.name!, clusterIP: created.spec!.clusterIP!, port: 80 },
  };
}

/**
 * `nc -v -z -w 3 <ip> <port>` exec'd in a netexec pod of the run: exit code and what nc printed
 * (-v: a timeout and a refusal read differently). For the NetworkPolicy probes.
 */
export async function ncConnect(
  cluster: ClusterHandle,
  namespace: string,
  pod: string,
  ip: string,
  port: number,
): Promise<{ exitCode: number; output: string }> {
  const r = await exec(cluster, {
    namespace,
    pod,
    container: 'netexec',
    command: ['nc', '-v', '-z', '-w', '3', ip, String(port)],
    timeoutMs: 15_000,
  });
  return { exitCode: r.exitCode, output: (r.stdout + r.stderr).trim() };
}

/**
 * A NetworkPolicy drop as nc reports it: it times out (exit 1, OpenBSD nc "timed out", ncat
 * "TIMEOUT"). A refusal reached the pod and is no drop.
 */
export const isDrop = (r: { exitCode: number; output: string }): boolean =>
  r.exitCode === 1 && /timed out|timeout/i.test(r.output);

/** Poll until `curl <url>` exec'd in the pod exits 0 (bounded); the last error is in the message. */
export async function waitForExec(
  cluster: ClusterHandle,
  namespace: string,
  pod: string,
  url: string,
  timeoutMs = 30_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    const r = await fetchUrl(cluster, namespace, pod, url, 2);
    if (r.exitCode === 0) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `exec into ${namespace}/${pod} (curl ${url}) not working after ${attempt} attempts in ${timeoutMs} ms: ${r.answer}`,
      );
    }
    await new Promise((res) => setTimeout(res, 1_000));
  }
}

/** `curl <url>` exec'd in a netexec client pod (5 s bound): exit code, answer (or error) and time. */
export async function fetchHostname(cluster: ClusterHandle, namespace: string, client: string, url: string) {
  return fetchUrl(cluster, namespace, client, url, 5);
}

async function fetchUrl(
  cluster: ClusterHandle,
  namespace: string,
  client: string,
  url: string,
  maxTimeS: number,
) {
  const t0 = performance.now();
  try {
    const r = await exec(cluster, {
      namespace,
      pod: client,
      container: 'netexec',
      command: ['curl', '-sS', '--max-time', String(maxTimeS), url],
      timeoutMs: 15_000,
    });
    return {
      exitCode: r.exitCode,
      answer: (r.exitCode === 0 ? r.stdout : r.stderr || r.stdout).trim(),
      ms: performance.now() - t0,
    };
  } catch (e) {
    return { exitCode: -1, answer: (e as Error).message, ms: performance.now() - t0 };
  }
}

export async function runMatrix(
  cluster: ClusterHandle,
  namespace: string,
  m: Omit<Matrix, 'cells'>,
  port: number,
): Promise<Matrix> {
  const cells: MatrixCell[] = [];
  for (const c of m.clients) {
    for (const s of m.servers) {
      const url = `http://${s.ip}:${port}/hostname`;
      const r = await fetchHostname(cluster, namespace, c.name, url);
      cells.push({
        client: c.name,
        clientNode: c.node,
        target: s.name,
        targetNode: s.node,
        kind: 'pod-to-pod',
        url,
        ok: r.exitCode === 0 && r.answer === s.name,
        answer: r.answer.slice(0, 600),
        ms: Math.round(r.ms),
      });
    }
    const url = `http://${m.service.clusterIP}:${m.service.port}/hostname`;
    const r = await fetchHostname(cluster, namespace, c.name, url);
    cells.push({
      client: c.name,
      clientNode: c.node,
      target: `service/${m.service.name}`,
      targetNode: '-',
      kind: 'pod-to-service',
      url,
      ok: r.exitCode === 0 && m.servers.some((s) => s.name === r.answer),
      answer: r.answer.slice(0, 600),
      ms: Math.round(r.ms),
    });
  }
  return { ...m, cells };
}

export function matrixTable(m: Matrix): string {
  const rows = m.cells.map(
    (c) =>
      `${c.ok ? 'OK  ' : 'FAIL'} ${c.kind.padEnd(14)} ${c.client}@${c.clientNode} -> ${c.target}@${c.targetNode} ${c.url} ${c.ms}ms ${JSON.stringify(c.answer)}`,
  );
  return rows.join('\n') + '\n';
}
