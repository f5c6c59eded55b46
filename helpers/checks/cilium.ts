/** Reading `cilium-dbg status` text output (the agent's own health report). */

export interface AgentStatus {
  ok: boolean;
  problems: string[];
  encryption?: string;
  clusterHealth?: { reachable: number; total: number };
}

/**
 * Healthy means: the command exited 0, `Cilium:` and `Kubernetes:` report Ok, and when a
 * `Cluster health:` line is present every node is reachable.
 */
export function parseAgentStatus(stdout: string, exitCode: number): AgentStatus {
  const problems: string[] = [];
  if (exitCode !== 0) problems.push(`cilium-dbg status exited ${exitCode}`);
  const field = (label: string) => stdout.match(new RegExp(`^${label}:\\s+(.*)$`, 'm'))?.[1]?.trim();
  for (const label of ['Cilium', 'Kubernetes']) {
    const v = field(label);
    if (v === undefined) problems.push(`no "${label}:" line`);
    else if (!/^Ok\b/.test(v)) problems.push(`${label}: ${v}`);
  }
  let clusterHealth: AgentStatus['clusterHealth'];
  const ch = field('Cluster health')?.match(/(\d+)\/(\d+)\s+reachable/);
  if (ch) {
    clusterHealth = { reachable: Number(ch[1]), total: Number(ch[2]) };
    if (clusterHealth.reachable < clusterHealth.total) {
      problems.push(`Cluster health: ${clusterHealth.reachable}/${clusterHealth.total} reachable`);
    }
  }
  return { ok: problems.length === 0, problems, encryption: field('Encryption'), clusterHealth };
}
