/**
 * Objects the control plane itself provides once the apiserver is up: KWOK's CRDs, the
 * simulated nodes, and the cluster identity ConfigMap flux-system/cluster-settings (the
 * simulated operators in lab/sim add everything else). Applied with our kubectl, server-side,
 * field manager `pv-lab-controlplane`, so re-running is a no-op and other managers' keys stay.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { TOPOLOGY, type LabClusterName } from '../core/topology.js';

const run = promisify(execFile);

export interface Kubectl {
  (cluster: LabClusterName, args: string[], input?: string): Promise<string>;
}

export function makeKubectl(kubectl: string, kubeconfig: string, env: NodeJS.ProcessEnv): Kubectl {
  return async (cluster, args, input) => {
    const full = ['--kubeconfig', kubeconfig, '--context', TOPOLOGY[cluster].context, ...args];
    try {
      if (input === undefined) {
        const { stdout } = await run(kubectl, full, { env, timeout: 60_000, maxBuffer: 32 << 20 });
        return stdout;
      }
      return await new Promise<string>((resolve, reject) => {
        const child = execFile(
          kubectl,
          full,
          { env, timeout: 60_000, maxBuffer: 32 << 20 },
          (err, stdout, stderr) => (err ? reject(Object.assign(err, { stderr })) : resolve(stdout)),
        );
        child.stdin?.end(input);
      });
    } catch (e) {
      const stderr = (e as { stderr?: string }).stderr?.trim();
      throw new Error(`kubectl ${args.slice(0, 3).join(' ')} on ${cluster} failed: ${stderr || String(e)}`, {
        cause: e,
      });
    }
  };
}

const apply = (k: Kubectl, cluster: LabClusterName, docs: object[]) =>
  k(
    cluster,
    ['apply', '--server-side', '--force-conflicts', '--field-manager=pv-lab-controlplane', '-f', '-'],
    docs.map((d) => `---\n${stringify(d)}`).join(''),
  );

export async function installKwokCrds(k: Kubectl, cluster: LabClusterName, crdDir: string): Promise<void> {
  const names = fs.readdirSync(crdDir).filter((f) => f.endsWith('.yaml'));
  const files = names.map((f) => fs.readFileSync(path.join(crdDir, f), 'utf8'));
  // kwok.x-k8s.io_execs.yaml -> crd/execs.kwok.x-k8s.io
  const crds = names.map((f) => {
    const [group, plural] = f.replace(/\.yaml$/, '').split('_');
    return `crd/${plural}.${group}`;
  });
  await k(
    cluster,
    ['apply', '--server-side', '--field-manager=pv-lab-controlplane', '-f', '-'],
    files.join('\n---\n'),
  );
  await k(cluster, ['wait', '--for=condition=Established', '--timeout=60s', ...crds]);
}

export function nodeManifests(cluster: LabClusterName): object[] {
  const t = TOPOLOGY[cluster];
  return t.nodes.map((name, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
        'node-role.kubernetes.io/control-plane': '',
        'topology.kubernetes.io/zone': `${cluster}-zone-${i + 1}`,
        type: 'kwok',
      },
    },
    spec: { podCIDR: t.nodePodCIDRs[i], podCIDRs: [t.nodePodCIDRs[i]] },
  }));
}

/** Values of flux-system/cluster-settings that identify the cluster (reference: STORY-BOOT-CORE §7). */
export function clusterSettings(cluster: LabClusterName): Record<string, string> {
  const t = TOPOLOGY[cluster];
  return {
    CLUSTER: cluster,
    CLUSTER_ID: String(t.id),
    POD_CIDR: t.podCIDR,
    POD_CIDR_STRING: t.podCIDR,
    SERVICE_CIDR: t.serviceCIDR,
    CLUSTER_DNS_IP: t.dnsClusterIP,
    COREDNS_REPLICAS: '2',
    CILIUM_BGP_PEER_ASN: '64501',
    CILIUM_BGP_PEER_ADDRESS: '10.25.11.1/32',
  };
}

export async function seedCluster(
  k: Kubectl,
  cluster: LabClusterName,
  kubernetesVersion: string,
): Promise<void> {
  await apply(k, cluster, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'flux-system' } },
    ...nodeManifests(cluster),
  ]);
  // what `kubectl get nodes -o wide` shows; KWOK's node stages keep nodeInfo fields already set.
  // KWOK renders them unquoted into its stage YAML: no ": " in these values, or every node stays
  // NotReady ("mapping values are not allowed").
  const nodeInfo = {
    kubeletVersion: kubernetesVersion,
    kubeProxyVersion: kubernetesVersion,
    containerRuntimeVersion: 'containerd://2.1.4',
    osImage: 'Talos (simulated by KWOK)',
    operatingSystem: 'linux',
    architecture: 'amd64',
  };
  for (const node of TOPOLOGY[cluster].nodes) {
    await k(cluster, [
      'patch',
      'node',
      node,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: { nodeInfo } }),
    ]);
  }
  await apply(k, cluster, [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cluster-settings', namespace: 'flux-system' },
      data: clusterSettings(cluster),
    },
  ]);
}

/** Wait until every simulated node reports Ready (KWOK's node-initialize stage). */
export async function waitNodesReady(k: Kubectl, cluster: LabClusterName, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = await k(cluster, [
      'get',
      'nodes',
      '-o',
      'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
    ]);
    const ready = last.split('\n').filter((l) => l.endsWith('=True')).length;
    if (ready >= TOPOLOGY[cluster].nodes.length) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    `${cluster}: nodes not Ready after ${timeoutMs} ms:\n${last}\nSee .lab/logs/${cluster}-kwok.log`,
  );
}
