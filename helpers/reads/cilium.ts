/** Reading `cilium-dbg status` text output (the agent's own health report). */

export interface WireGuardInterface {
  name: string;
  publicKey: string;
  port: number;
  peers: number;
}

export interface AgentStatus {
  ok: boolean;
  problems: string[];
  encryption?: string;
  /** the WireGuard part of the Encryption line, when it lists `[NodeEncryption: …, <iface> (…)]` */
  wireguard?: { nodeEncryption: string; interfaces: WireGuardInterface[] };
  clusterHealth?: { reachable: number; total: number };
}

/**
 * The `Cluster health:` problem, if any. Upstream (pkg/health/client/client.go) prints
 * `Cluster health:\t%d/%d reachable\t(%s)\t(Probe interval: %s)` and a node table when the
 * cilium-health daemon answered; `Cluster health:\t\t\tWarning\tcilium-health daemon unreachable`
 * or `…Client error: %s` when it did not, and `Cluster health:\t\tProbe disabled` when the prober is
 * off. Only an N/M line with every one of N>0 nodes reachable proves reachability: anything else
 * (no line, the Warning, a client error, Probe disabled, an unparseable value) is a problem.
 */
function clusterHealthProblem(line: string | undefined): {
  problem?: string;
  health?: AgentStatus['clusterHealth'];
} {
  if (line === undefined) return { problem: 'no "Cluster health:" line' };
  const m = line.match(/^(\d+)\/(\d+)\s+reachable\b/);
  if (!m) {
    if (/^Probe disabled\b/.test(line))
      return { problem: `Cluster health: ${line} (cilium-health off: node reachability not proven)` };
    return { problem: `Cluster health: ${line || '(empty)'}` };
  }
  const health = { reachable: Number(m[1]), total: Number(m[2]) };
  if (health.total === 0) return { health, problem: `Cluster health: 0/0 reachable (no node probed)` };
  if (health.reachable < health.total)
    return { health, problem: `Cluster health: ${health.reachable}/${health.total} reachable` };
  return { health };
}

/**
 * The WireGuard details of an Encryption value (after `Encryption:`). Upstream (pkg/client/client.go)
 * prints `Encryption:\t%s\t%s` with the Mode (`Disabled|IPsec|Wireguard`), then either
 * `[NodeEncryption: %s, <name> (Pubkey: %s, Port: %d, Peers: %d), …]` or, when the agent's
 * WireGuard status call errored, its Msg instead. Undefined unless the value is Wireguard with that
 * bracketed list and at least one interface.
 */
export function parseWireGuard(encryption: string | undefined): AgentStatus['wireguard'] {
  const m = encryption?.match(/^Wireguard\s+\[NodeEncryption:\s*([^,\]]+)(.*)\]$/);
  if (!m) return undefined;
  const interfaces = [...m[2]!.matchAll(/(\S+) \(Pubkey: (\S+), Port: (\d+), Peers: (\d+)\)/g)].map((i) => ({
    name: i[1]!,
    publicKey: i[2]!,
    port: Number(i[3]),
    peers: Number(i[4]),
  }));
  return interfaces.length ? { nodeEncryption: m[1]!.trim(), interfaces } : undefined;
}

/**
 * Healthy means: the command exited 0, `Cilium:` and `Kubernetes:` report Ok, and the
 * `Cluster health:` line reports every node reachable (see clusterHealthProblem).
 */
export function parseAgentStatus(stdout: string, exitCode: number): AgentStatus {
  const problems: string[] = [];
  if (exitCode !== 0) problems.push(`cilium-dbg status exited ${exitCode}`);
  const field = (label: string) => stdout.match(new RegExp(`^${label}:[ \\t]*(.*)$`, 'm'))?.[1]?.trim();
  for (const label of ['Cilium', 'Kubernetes']) {
    const v = field(label);
    if (v === undefined) problems.push(`no "${label}:" line`);
    else if (!/^Ok\b/.test(v)) problems.push(`${label}: ${v}`);
  }
  const { problem, health } = clusterHealthProblem(field('Cluster health'));
  if (problem) problems.push(problem);
  const encryption = field('Encryption');
  return {
    ok: problems.length === 0,
    problems,
    encryption,
    wireguard: parseWireGuard(encryption),
    clusterHealth: health,
  };
}

/** One remote cluster as an agent reports it (`cilium-dbg status -o json`, upstream models.RemoteCluster). */
export interface RemoteClusterStatus {
  name?: string;
  ready?: boolean;
  connected?: boolean;
  status?: string;
  'num-nodes'?: number;
  'num-failures'?: number;
  'last-failure'?: string;
}

/**
 * What is wrong with one agent's ClusterMesh view, against the remote clusters it must see. Upstream
 * (pkg/clustermesh/common/remote_cluster.go) reports a remote `ready` only once it is connected to
 * that cluster's clustermesh-apiserver and has synced its nodes, services, identities and
 * endpoints; a remote it lost reads `connected: false` with the backend's status (e.g. "Waiting for
 * initial connection to be established"). A remote that is ready with 0 nodes synced proves no
 * route to any of its pods, so it is a problem too. Unparseable output is one problem.
 */
export function clusterMeshProblems(statusJson: string, remotes: readonly string[]): string[] {
  let clusters: RemoteClusterStatus[];
  try {
    const parsed = JSON.parse(statusJson) as { 'cluster-mesh'?: { clusters?: RemoteClusterStatus[] } };
    clusters = parsed['cluster-mesh']?.clusters ?? [];
  } catch {
    return [`cilium-dbg status -o json is not JSON: ${statusJson.slice(0, 120).trim() || '(empty)'}`];
  }
  const problems: string[] = [];
  for (const name of remotes) {
    const c = clusters.find((x) => x.name === name);
    if (!c) {
      const seen = clusters.map((x) => x.name).join(', ') || 'none';
      problems.push(`remote cluster ${name} not in its ClusterMesh status (remotes seen: ${seen})`);
      continue;
    }
    const nodes = c['num-nodes'] ?? 0;
    if (c.ready && c.connected && nodes > 0) continue;
    const failures = c['num-failures'] ? `, ${c['num-failures']} failures (last ${c['last-failure']})` : '';
    problems.push(
      `remote cluster ${name} ${c.ready ? 'ready' : 'not ready'} (connected ${c.connected ?? false}, ${nodes} nodes, status "${c.status ?? ''}"${failures})`,
    );
  }
  return problems;
}
