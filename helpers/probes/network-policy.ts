// NET-POLICY-001: the CNI enforces a deny-all NetworkPolicy and an allow exception. In the run's
// namespace: a server and two clients (netexec pods of one probe label). Without policies both
// clients reach the server (the control); then a deny-all over the probe's pods and an exception
// admitting only the `allowed` client on the server's port: the allowed client still connects and
// the other one's connection is dropped (nc times out). Both policies select only the probe's own
// pods, so the other checks sharing the run namespace are untouched; they are removed afterwards.
import type { V1NetworkPolicy, V1Pod } from '@kubernetes/client-node';
import type { CheckEvidence, RunContext } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import type { Facts } from '../config/index.js';
import { settleMs } from '../config/settle.js';
import { isDrop, ncConnect, netexecPod, waitForExec, waitNetexecReady } from '../reads/connectivity.js';

const PROBE = 'platform-validation/np-probe';
const ROLE = 'platform-validation/np-role';
const NAMES = { server: 'pv-np-server', allowed: 'pv-np-allowed', other: 'pv-np-other' } as const;

export interface NcResult {
  from: string;
  to: string;
  exitCode: number;
  output: string;
}

export interface PolicyProbe {
  policies: string[];
  /** before the policies: both clients (the control) */
  control: NcResult[];
  /** with the policies, every round until both held or the settle window closed */
  rounds: NcResult[][];
  problems: string[];
}

function probePod(facts: Facts, name: string, namespace: string, role: string, probe: string): V1Pod {
  const pod = netexecPod(facts, name, namespace, undefined, `np-${role}`);
  pod.metadata!.labels = { ...pod.metadata!.labels, [PROBE]: probe, [ROLE]: role };
  return pod;
}

export function probePolicies(namespace: string, probe: string, port: number): V1NetworkPolicy[] {
  return [
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'pv-np-deny-all', namespace },
      spec: { podSelector: { matchLabels: { [PROBE]: probe } }, policyTypes: ['Ingress'] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'pv-np-allow-exception', namespace },
      spec: {
        podSelector: { matchLabels: { [PROBE]: probe, [ROLE]: 'server' } },
        policyTypes: ['Ingress'],
        ingress: [
          {
            _from: [{ podSelector: { matchLabels: { [PROBE]: probe, [ROLE]: 'allowed' } } }],
            ports: [{ protocol: 'TCP', port: port as never }],
          },
        ],
      },
    },
  ];
}

/** What is wrong with one round under the policies (empty: the deny and the exception both hold). */
export function roundProblems(round: readonly NcResult[]): string[] {
  const out: string[] = [];
  for (const r of round) {
    const line = `${r.from} -> ${r.to}: exit ${r.exitCode} ${r.output}`.trim();
    if (r.from === NAMES.allowed && r.exitCode !== 0) out.push(`the allow exception did not admit ${line}`);
    if (r.from === NAMES.other && !isDrop(r))
      out.push(
        r.exitCode === 0
          ? `deny-all did not drop ${line}`
          : `deny-all: no drop (a drop times out) for ${line}`,
      );
  }
  return out;
}

export async function denyAllWithException(
  k: ClusterHandle,
  facts: Facts,
  run: RunContext,
  evidence: CheckEvidence,
): Promise<PolicyProbe> {
  const namespace = await run.namespace();
  const probe = run.name('np');
  const port = facts.connectivity.port;
  const policies = probePolicies(namespace, probe, port);
  const removals = [
    ...policies.map(
      (p) => () => k.networking.deleteNamespacedNetworkPolicy({ namespace, name: p.metadata!.name! }),
    ),
    ...Object.values(NAMES).map(
      (name) => () => k.core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 }),
    ),
  ];
  const release = run.cleanup(`NetworkPolicy probe ${probe} (${k.name})`, () =>
    Promise.allSettled(removals.map((r) => r())),
  );
  const result: PolicyProbe = {
    policies: policies.map((p) => p.metadata!.name!),
    control: [],
    rounds: [],
    problems: [],
  };
  try {
    for (const [role, name] of Object.entries(NAMES))
      await k.core.createNamespacedPod({ namespace, body: probePod(facts, name, namespace, role, probe) });
    const pods = await waitNetexecReady(k, namespace, Object.values(NAMES), facts);
    const serverIP = pods.get(NAMES.server)!.status!.podIP!;
    const url = `http://${serverIP}:${port}/healthz`;
    for (const c of [NAMES.allowed, NAMES.other]) await waitForExec(k, namespace, c, url);
    const nc = async (from: string): Promise<NcResult> => ({
      from,
      to: `${NAMES.server} ${serverIP}:${port}`,
      ...(await ncConnect(k, namespace, from, serverIP, port)),
    });
    result.control = [await nc(NAMES.allowed), await nc(NAMES.other)];
    const failedControl = result.control.filter((r) => r.exitCode !== 0);
    if (failedControl.length) {
      result.problems = failedControl.map(
        (r) =>
          `control without policies: ${r.from} -> ${r.to} exit ${r.exitCode} ${r.output} (a later failure would prove nothing)`,
      );
      return result;
    }
    for (const p of policies) await k.networking.createNamespacedNetworkPolicy({ namespace, body: p });
    // the CNI applies a new policy within a moment: rounds until both hold, within the settle window
    const deadline = Date.now() + settleMs(30_000);
    for (;;) {
      const round = await Promise.all([nc(NAMES.allowed), nc(NAMES.other)]);
      result.rounds.push(round);
      result.problems = roundProblems(round);
      if (!result.problems.length || Date.now() > deadline || result.rounds.length >= 10) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    return result;
  } finally {
    evidence.json('policy-probe', { namespace, probe, ...result, policies });
    await Promise.allSettled(removals.map((r) => r()));
    release();
  }
}
