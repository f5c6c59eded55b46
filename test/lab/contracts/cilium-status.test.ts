/**
 * `cilium-dbg status` as Cilium's own formatters word it (the lab's cilium-status program, built from
 * github.com/cilium/cilium at CILIUM_VERSION) for each agent state of test/contracts/cilium-status,
 * and what NET-CILIUM-001 and NET-CILIUM-004 decide on it: healthy shapes pass, each failing shape
 * fails naming what upstream printed. Needs `pnpm lab build` (not a running lab).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceArtifacts } from '../../../lab/build/services/artifacts.js';
import { labPaths } from '../../../lab/core/paths.js';
import { REPO_ROOT } from '../../../helpers/config/index.js';
import { testTmpDir } from '../../tmp.js';
import { parseAgentStatus } from '../../../helpers/reads/cilium.js';
import { agentsNotOnWireGuard, unhealthyAgents, type AgentReport } from '../../../helpers/probes/cilium.js';

const dir = path.join(REPO_ROOT, 'test', 'contracts', 'cilium-status');
type Facts = Record<string, unknown> & { node: string; nodes: Record<string, unknown>[] };
interface Shape {
  name: string;
  agent?: Record<string, unknown>;
  node?: Record<string, unknown>;
  peer?: Record<string, unknown>;
  expect: Record<'NET-CILIUM-001' | 'NET-CILIUM-004', string>;
}
const agent = JSON.parse(readFileSync(path.join(dir, 'agent.json'), 'utf8')) as Facts;
const { shapes } = JSON.parse(readFileSync(path.join(dir, 'shapes.json'), 'utf8')) as { shapes: Shape[] };
const bin = serviceArtifacts(labPaths().cache).ciliumStatus.binary;

function render(shape: Shape, format = 'text'): { stdout: string; status: number } {
  if (!existsSync(bin)) throw new Error(`${bin} is not built: run pnpm lab build`);
  const facts: Facts = { ...structuredClone(agent), ...shape.agent, format };
  facts.nodes = facts.nodes.map((n, i) =>
    n.name === facts.node ? { ...n, ...shape.node } : i === 1 ? { ...n, ...shape.peer } : n,
  );
  const r = spawnSync(bin, [], { input: JSON.stringify(facts), encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw r.error;
  expect(r.stderr, 'cilium-status stderr').toBe('');
  return { stdout: r.stdout, status: r.status ?? -1 };
}

const squash = (t: string) => t.replace(/\s+/g, ' ');

/** The two checks' verdicts on one agent report, as the suite decides them. */
function verdicts(report: AgentReport): Record<string, string> {
  const unhealthy = unhealthyAgents([report]);
  const notWg = agentsNotOnWireGuard([report]);
  return {
    'NET-CILIUM-001': unhealthy.length ? `unhealthy cilium agents: ${unhealthy.join(' | ')}` : 'pass',
    'NET-CILIUM-004': notWg.length ? `agents not reporting WireGuard: ${notWg.join(' | ')}` : 'pass',
  };
}

describe('cilium-dbg status worded by upstream: NET-CILIUM-001/004 on every contract shape', () => {
  it('lists a healthy and a failing shape for each check', () => {
    for (const id of ['NET-CILIUM-001', 'NET-CILIUM-004'] as const) {
      expect(shapes.some((s) => s.expect[id] === 'pass')).toBe(true);
      expect(shapes.some((s) => s.expect[id] !== 'pass')).toBe(true);
    }
  });

  it.each(shapes.map((s) => [s.name, s] as const))('%s', (_name, shape) => {
    const { stdout, status } = render(shape);
    const got = verdicts({
      pod: 'cilium-x',
      node: agent.node,
      output: stdout,
      ...parseAgentStatus(stdout, status),
    });
    for (const [id, want] of Object.entries(shape.expect)) {
      if (want === 'pass') expect(got[id], `${id} on "${shape.name}":\n${stdout}`).toBe('pass');
      // tabwriter pads columns to the widest cell: compared with runs of spaces collapsed
      else expect(squash(got[id]!), `${id} on "${shape.name}":\n${stdout}`).toContain(squash(want));
    }
  });

  it('the healthy report carries the WireGuard interface and every node reachable, as upstream words them', () => {
    const { stdout, status } = render(shapes.find((s) => s.name === 'healthy')!);
    const r = parseAgentStatus(stdout, status);
    expect(r.clusterHealth).toEqual({ reachable: 3, total: 3 });
    expect(r.wireguard?.interfaces).toEqual([
      {
        name: 'cilium_wg0',
        publicKey: (agent.nodes[0] as { wgPubKey: string }).wgPubKey,
        port: 51871,
        peers: 2,
      },
    ]);
  });

  it("the lab's cilium-dbg shim prints the program's report for the node of the exec route", () => {
    const shim = path.join(REPO_ROOT, 'lab', 'tools', 'bin', 'cilium-dbg');
    const tmp = testTmpDir('cilium-shim');
    const state = path.join(tmp, 'state.json');
    const { node: _n, ...cilium } = agent;
    writeFileSync(
      state,
      JSON.stringify({ scenario: 'healthy', tools: { ciliumStatus: bin }, clusters: { infra: { cilium } } }),
    );
    const r = spawnSync(shim, ['status'], {
      env: { ...process.env, PV_LAB_SIM_STATE: state, PV_LAB_CLUSTER: 'infra', PV_LAB_NODE: 'infra-cp-3' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/allocated from 10\.42\.2\.0\/24/);
    expect(parseAgentStatus(r.stdout, r.status!)).toMatchObject({
      ok: true,
      clusterHealth: { reachable: 3, total: 3 },
      wireguard: { nodeEncryption: 'Disabled', interfaces: [{ name: 'cilium_wg0', port: 51871, peers: 2 }] },
    });
  });

  it('-o json is the agent status response upstream dumps', () => {
    const { stdout, status } = render(
      shapes.find((s) => s.name === 'healthy')!,
      'json',
    );
    expect(status).toBe(0);
    const sr = JSON.parse(stdout) as Record<string, { state?: string; mode?: string }>;
    expect(sr.cilium?.state).toBe('Ok');
    expect(sr.encryption?.mode).toBe('Wireguard');
  });
});
