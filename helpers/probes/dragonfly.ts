// The mechanisms of the Dragonfly checks (suites/databases/dragonfly.test.ts): a Redis session
// through the Service, the PDB and NetworkPolicy readings, the denied-namespace nc probe
// (DB-DRAGONFLY-006) and the eviction drill (DB-DRAGONFLY-008). The checks keep the assertions.
import { randomBytes } from 'node:crypto';
import type {
  V1Deployment,
  V1LabelSelector,
  V1Namespace,
  V1NetworkPolicy,
  V1NetworkPolicyPeer,
  V1Pod,
  V1PodDisruptionBudget,
} from '@kubernetes/client-node';
import type { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { Facts } from '../config/index.js';
import type { CheckEvidence, RunContext } from '../check/index.js';
import { CONVERGE_POLL_MS, type ClusterHandle } from '../cluster/index.js';
import { connectRedis, redisClient } from '../clients/redis.js';
import { isDrop, ncConnect, netexecPod, waitForExec } from '../reads/connectivity.js';
import {
  GVR,
  describeCondition,
  listCustom,
  listPods,
  podReady,
  podSummary,
  refName,
  type KObject,
} from '../reads/k8s.js';
import { matchesSelector } from '../reads/selectors.js';
import { sampleLatency } from '../clients/latency.js';
import { withTunnel } from '../reads/tunnel.js';

type Dragonfly = Facts['dragonfly'];

/** facts.dragonfly.podSelector (`a=b,c=d`) as the label set of a data pod. */
export function selectorLabels(s: string): Record<string, string> {
  return Object.fromEntries(s.split(',').map((kv) => kv.split('=') as [string, string]));
}

/**
 * The `status.phase` values of a ready Dragonfly, exact strings. dragonfly-operator
 * internal/controller/util.go: since v1.2.0 (the lab's pinned v1.3.0 included) it writes
 * `PhaseReady = "Ready"`; up to v1.1.11 it wrote `"ready"`, which later versions still accept when
 * read back (`PhaseReadyOld`). Any other phase (`ResourcesCreated`, `RollingUpdate`, `Configuring`,
 * none) is not ready.
 */
export const READY_PHASES: readonly string[] = ['Ready', 'ready'];

/** The Dragonfly's `status.phase` as text (`no status.phase` when absent) and whether it is a ready one. */
export function dragonflyPhase(df: { status?: Record<string, unknown> }): { phase: string; ready: boolean } {
  const phase = df.status?.phase;
  if (typeof phase !== 'string') return { phase: 'no status.phase', ready: false };
  return { phase, ready: READY_PHASES.includes(phase) };
}

/** `fn` with a Redis client on the Service through a tunnel (not yet connected), always disconnected. */
async function withRedis<T>(
  k: ClusterHandle,
  d: Dragonfly,
  password: string,
  fn: (r: Redis, connect: () => Promise<void>) => Promise<T>,
  timeoutMs?: number,
): Promise<T> {
  return withTunnel(
    k,
    { kind: 'Service', namespace: d.namespace, name: d.service, port: d.port },
    async (t) => {
      const r = redisClient({ host: t.host, port: t.port, password, timeoutMs });
      try {
        return await fn(r, () => connectRedis(r, `Service ${d.namespace}/${d.service}:${d.port}`));
      } finally {
        r.disconnect();
      }
    },
  );
}

export interface RedisSession {
  key: string;
  value: string;
  got: string | null;
  /** `PING -> PONG`, `SET <key> -> OK`, `GET ...`, `DEL ...`, last `EXISTS <key> -> 0` once removed */
  log: string[];
}

/** PING, SET/GET/DEL of a run-owned key (registered for cleanup until DEL is confirmed by EXISTS). */
export async function setGetDel(k: ClusterHandle, d: Dragonfly, run: RunContext, password: string) {
  const key = `${run.name('pv')}:${randomBytes(4).toString('hex')}`;
  const value = randomBytes(8).toString('hex');
  const log: string[] = [];
  const got = await withRedis(k, d, password, async (r, connect) => {
    const release = run.cleanup(`DEL ${key}`, () => r.del(key));
    try {
      await connect();
      log.push(`PING -> ${await r.ping()}`);
      log.push(`SET ${key} -> ${await r.set(key, value, 'EX', 300)}`);
      const got = await r.get(key);
      log.push(`GET ${key} -> ${got === value ? '(the value written)' : JSON.stringify(got)}`);
      return got;
    } finally {
      const del = await r.del(key).catch((e: Error) => `DEL failed: ${e.message}`);
      log.push(`DEL ${key} -> ${del}`);
      const left = await r.exists(key).catch(() => -1);
      log.push(`EXISTS ${key} -> ${left}`);
      if (left === 0) release();
    }
  });
  return { key, value, got, log } satisfies RedisSession;
}

/** `samples` SET then GET round trips (ms) on a run-owned key, deleted after. */
export async function setGetLatency(k: ClusterHandle, d: Dragonfly, run: RunContext, password: string) {
  const key = `${run.name('pv-lat')}:${randomBytes(4).toString('hex')}`;
  return withRedis(k, d, password, async (r, connect) => {
    const release = run.cleanup(`DEL ${key}`, () => r.del(key));
    try {
      await connect();
      const set = await sampleLatency(d.samples, async (i) => void (await r.set(key, String(i), 'EX', 300)));
      const get = await sampleLatency(d.samples, async () => void (await r.get(key)));
      return { set, get };
    } finally {
      if ((await r.del(key).catch(() => -1)) >= 0) release();
    }
  });
}

/** One PING through a fresh tunnel: `PONG`, or `error: <why>` (never throws). */
export function pinger(k: ClusterHandle, d: Dragonfly, password: string): () => Promise<string> {
  return () =>
    withRedis(
      k,
      d,
      password,
      async (r, connect) => {
        await connect();
        return r.ping();
      },
      5_000,
    ).catch((e: Error) => `error: ${e.message}`);
}

/** `<ExternalSecret>: Ready=...` of the one targeting the password Secret, or what is missing. */
export async function passwordExternalSecret(
  k: ClusterHandle,
  d: Dragonfly,
  evidence: CheckEvidence,
): Promise<string> {
  const list = await listCustom(k, GVR.externalSecret, d.namespace);
  const es = list.find(
    (e) => ((e.spec?.target as { name?: string } | undefined)?.name ?? e.metadata?.name) === d.password.name,
  );
  if (!es) return `no ExternalSecret in ${d.namespace} targets Secret ${d.password.name}`;
  evidence.status(es);
  return `${refName(es)}: ${describeCondition(es, 'Ready')}`;
}

/**
 * The PDBs of the namespace whose selector selects every Dragonfly data pod by the pods' own labels
 * (all PDBs attached), and the most pods any of them keeps available. Since v1.2.0 the operator
 * creates its own PDB `<df.Name>` (resources.go: selector `{app, app.kubernetes.io/part-of,
 * app.kubernetes.io/name}`, `maxUnavailable: 1`), so the selector is matched against the live pods'
 * labels (not the facts' selector) and `maxUnavailable` counts as well as `minAvailable`.
 */
export async function coveringPdbs(k: ClusterHandle, d: Dragonfly, evidence: CheckEvidence) {
  const [pdbs, pods] = await Promise.all([
    k.policy.listNamespacedPodDisruptionBudget({ namespace: d.namespace }).then((l) => l.items),
    listPods(k, d.namespace, d.podSelector),
  ]);
  evidence.json(
    'pdbs',
    pdbs.map((p) => ({
      name: p.metadata?.name,
      selector: p.spec?.selector,
      minAvailable: p.spec?.minAvailable,
      maxUnavailable: p.spec?.maxUnavailable,
      status: p.status,
    })),
  );
  const labels = pods.map((p) => p.metadata?.labels ?? {});
  const covering = labels.length
    ? pdbs.filter((p) => labels.every((l) => matchesSelector(p.spec?.selector, l)))
    : [];
  return {
    pods: pods.map((p) => p.metadata?.name),
    names: covering.map((p) => p.metadata?.name),
    minAvailable: Math.max(...covering.map((p) => minAvailablePods(p, d.replicas))),
  };
}

/** An IntOrString budget as a pod count of `replicas`; a percentage rounds up, as the disruption controller does. */
function scaled(v: number | string, replicas: number): number {
  if (typeof v === 'number') return v;
  if (v.endsWith('%')) return Math.ceil((Number(v.slice(0, -1)) / 100) * replicas);
  return Number(v);
}

/**
 * The pods of `replicas` a PDB keeps available (policy/v1 sets one of the two): `minAvailable`, or
 * `replicas - maxUnavailable` (kube-controller-manager's disruption controller: desiredHealthy =
 * expectedCount - maxUnavailable, both percentages rounded up). Neither: 0.
 */
export function minAvailablePods(p: V1PodDisruptionBudget, replicas: number): number {
  const min = p.spec?.minAvailable;
  if (min !== undefined) return scaled(min, replicas);
  const max = p.spec?.maxUnavailable;
  if (max !== undefined) return Math.max(0, replicas - scaled(max, replicas));
  return 0;
}

const isEmptySelector = (s: V1LabelSelector) =>
  !Object.keys(s.matchLabels ?? {}).length && !(s.matchExpressions ?? []).length;

// a rule admitting every source is not a restriction: no `from`, an empty namespaceSelector (every
// namespace) without a podSelector narrowing it, or an ipBlock of /0
const admitsAll = (peer: V1NetworkPolicyPeer) =>
  (peer.namespaceSelector !== undefined &&
    isEmptySelector(peer.namespaceSelector) &&
    (peer.podSelector === undefined || isEmptySelector(peer.podSelector))) ||
  /\/0$/.test(peer.ipBlock?.cidr ?? '');

/** The NetworkPolicies selecting the data pods for Ingress, and those of them with an allow-all rule. */
export function ingressPolicies(nps: readonly V1NetworkPolicy[], podSelector: string) {
  const labels = selectorLabels(podSelector);
  const covering = nps.filter(
    (n) =>
      matchesSelector(n.spec?.podSelector, labels) &&
      (n.spec?.policyTypes ?? ['Ingress']).includes('Ingress'),
  );
  const allowAll = covering.filter((n) =>
    (n.spec?.ingress ?? []).some((r) => !r._from || r._from.length === 0 || r._from.some(admitsAll)),
  );
  return { covering: covering.map((n) => n.metadata?.name), allowAll: allowAll.map((n) => n.metadata?.name) };
}

/**
 * SEC-001 fix: what the ingress rules of the policies covering the Dragonfly pods admit beyond the
 * client namespaces the facts name (by name, or carrying the client label) and Dragonfly's own
 * namespace, evaluated against the live namespaces: one line per admitted namespace or ipBlock.
 */
export function admittedBeyondClients(
  nps: readonly V1NetworkPolicy[],
  d: Pick<Facts['dragonfly'], 'namespace' | 'podSelector' | 'clientNamespaces' | 'clientNamespaceLabel'>,
  namespaces: readonly V1Namespace[],
): string[] {
  const labels = selectorLabels(d.podSelector);
  const clientLabel = selectorLabels(d.clientNamespaceLabel);
  const allowed = (ns: V1Namespace) => {
    const name = ns.metadata?.name ?? '';
    const l = ns.metadata?.labels ?? {};
    return (
      name === d.namespace ||
      d.clientNamespaces.includes(name) ||
      Object.entries(clientLabel).every(([k, v]) => l[k] === v)
    );
  };
  const out = new Set<string>();
  for (const np of nps) {
    if (!matchesSelector(np.spec?.podSelector, labels)) continue;
    if (!(np.spec?.policyTypes ?? ['Ingress']).includes('Ingress')) continue;
    for (const rule of np.spec?.ingress ?? [])
      for (const peer of rule._from?.length ? rule._from : [{ namespaceSelector: {} }]) {
        const where = `NetworkPolicy ${d.namespace}/${np.metadata?.name}`;
        if (peer.ipBlock) out.add(`${where}: ipBlock ${peer.ipBlock.cidr}`);
        if (!peer.namespaceSelector) continue;
        const sel = peer.namespaceSelector;
        const empty = !sel.matchLabels && !sel.matchExpressions;
        for (const ns of namespaces)
          if ((empty || matchesSelector(sel, ns.metadata?.labels ?? {})) && !allowed(ns))
            out.add(`${where}: namespace ${ns.metadata?.name}`);
      }
  }
  return [...out];
}

// ---- DB-DRAGONFLY-006: a denied namespace ------------------------------------------------------

/** Ready data pods with an IP: a crashed pod is refused too, not denied. */
export async function readyDataPods(k: ClusterHandle, d: Dragonfly): Promise<V1Pod[]> {
  return (await listPods(k, d.namespace, d.podSelector)).filter((p) => p.status?.podIP && podReady(p));
}

/** Pods none of whose containers declares `port` (a wrong port is refused too, not denied). */
export function withoutPort(pods: readonly V1Pod[], port: number): (string | undefined)[] {
  return pods
    .filter((p) => !p.spec?.containers.some((c) => c.ports?.some((cp) => cp.containerPort === port)))
    .map((p) => p.metadata?.name);
}

export interface NcAttempt {
  target: string;
  exitCode: number;
  output: string;
}

export interface NcClient {
  namespace: string;
  name: string;
  /** its own pod IP */
  ip: string;
  nc(ip: string, port: number): Promise<{ exitCode: number; output: string }>;
}

/** A netexec pod in `namespace` (the run's), Ready and answering exec, that runs `nc -v -z -w 3`
 * (-v: a timeout and a refusal read differently). */
export async function ncClient(k: ClusterHandle, facts: Facts, namespace: string): Promise<NcClient> {
  const name = 'pv-np-denied';
  await k.core.createNamespacedPod({
    namespace,
    body: netexecPod(facts, name, namespace, undefined, 'np-client'),
  });
  await expect
    .poll(async () => podReady(await k.core.readNamespacedPod({ namespace, name })), {
      timeout: facts.connectivity.readyTimeoutMs,
      interval: CONVERGE_POLL_MS,
      message: 'client pod Ready',
    })
    .toBe(true);
  const ip = (await k.core.readNamespacedPod({ namespace, name })).status!.podIP!;
  await waitForExec(k, namespace, name, `http://${ip}:${facts.connectivity.port}/healthz`);
  return {
    namespace,
    name,
    ip,
    nc: (target, port) => ncConnect(k, namespace, name, target, port),
  };
}

/**
 * Positive controls with the same tool: nc reaches the client's own server (not a missing nc, exit
 * 127, a broken exec or an image without networking) and a Service in another namespace (CoreDNS:
 * egress out of the run namespace is open), so a failed nc to Dragonfly is Dragonfly's policy.
 */
export async function positiveControls(k: ClusterHandle, facts: Facts, c: NcClient): Promise<NcAttempt[]> {
  const dns = facts.coredns;
  const dnsIp = (await k.core.readNamespacedService({ namespace: dns.namespace, name: dns.service })).spec
    ?.clusterIP;
  return [
    {
      target: `${c.name} ${c.ip}:${facts.connectivity.port} (itself)`,
      ...(await c.nc(c.ip, facts.connectivity.port)),
    },
    {
      target: `Service ${dns.namespace}/${dns.service} ${dnsIp}:${dns.port} (another namespace)`,
      ...(dnsIp ? await c.nc(dnsIp, dns.port) : { exitCode: -1, output: 'the Service has no clusterIP' }),
    },
  ];
}

/** nc from the client to each pod's IP on `port`, one after the other. */
export async function ncEach(c: NcClient, pods: readonly V1Pod[], port: number): Promise<NcAttempt[]> {
  const attempts: NcAttempt[] = [];
  for (const p of pods)
    attempts.push({
      target: `${p.metadata?.name} ${p.status?.podIP}:${port}`,
      ...(await c.nc(p.status!.podIP!, port)),
    });
  return attempts;
}

/**
 * The attempts that connected, and those that are no denial. A NetworkPolicy drops: the denied nc
 * times out (exit 1, "timed out" / ncat's "TIMEOUT"). A refused connection reached the pod (nothing
 * listens, or a reject) and proves no policy; any other exit (127: no nc) proves nothing either.
 */
export function deniedVerdict(attempts: readonly NcAttempt[]) {
  return {
    reached: attempts.filter((a) => a.exitCode === 0).map((a) => a.target),
    unclear: attempts
      .filter((a) => !isDrop(a))
      .map((a) =>
        /refused/i.test(a.output)
          ? `${a.target}: refused, so the connection reached the pod (a NetworkPolicy drops, it does not refuse): ${a.output}`
          : `${a.target}: exit ${a.exitCode} ${a.output}`,
      ),
  };
}

// ---- DB-DRAGONFLY-008: the eviction drill ------------------------------------------------------

export interface EvictionDrill {
  victim: string;
  /** the dry-run second eviction while the victim was away: `refused (429)`, `allowed`, `error <code>`;
   * undefined when the budget allows more than one pod away (replicas - pdbMinAvailable != 1) */
  secondEviction?: string;
  /** the second eviction was allowed because the victim was already back Ready (the PDB not exercised) */
  victimBackBeforeSecond: boolean;
  /** what `ping` answered every poll until the victim was back */
  pings: string[];
}

/**
 * Why the Eviction API did not accept an eviction: `HTTP <code>: <message>`. A pod selected by more
 * than one PDB gets a 500 ("This pod has more than one PodDisruptionBudget, which the eviction
 * subresource does not support"): since v1.2.0 the operator creates its own PDB `<df.Name>`, so a
 * second, platform PDB over the same pods blocks every eviction (and every node drain).
 */
export function evictionRefusal(e: unknown): string {
  const err = e as { code?: number; body?: unknown; message?: string };
  let message = err.message ?? String(e);
  const body = typeof err.body === 'string' ? err.body : JSON.stringify(err.body ?? '');
  try {
    const status = JSON.parse(body) as { message?: string };
    if (status.message) message = status.message;
  } catch {
    // not a Status object: keep the error's own message
  }
  const several = /more than one PodDisruptionBudget/i.test(message)
    ? '; keep one PDB over the Dragonfly pods (the operator creates its own since v1.2.0)'
    : '';
  return `HTTP ${err.code ?? '?'}: ${message}${several}`;
}

/**
 * Evicts the last data pod by name that is not the master through the Eviction API (the apiserver applies the PDB), asks a
 * dry-run second eviction while it is away, and PINGs every poll until the StatefulSet has it back
 * Ready (new uid); throws when it is not back within timeoutMs. Attaches disruption.txt and
 * pods-after, also on that failure. `before` are the data pods, all Ready.
 */
export async function evictionDrill(
  k: ClusterHandle,
  d: Dragonfly,
  before: readonly V1Pod[],
  ping: () => Promise<string>,
  evidence: CheckEvidence,
  opts = { timeoutMs: 180_000, intervalMs: 500 },
): Promise<EvictionDrill> {
  // a replica: the operator's client Service selects role=master, so evicting the master would
  // break PINGs until the operator fails over (the last pod by name is the master after a failover)
  const byName = [...before].sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!));
  const victim = byName.filter((p) => p.metadata?.labels?.role !== 'master').at(-1) ?? byName.at(-1)!;
  const name = victim.metadata!.name!;
  const evict = (pod: string, dryRun?: 'All') =>
    k.core.createNamespacedPodEviction({
      name: pod,
      namespace: d.namespace,
      dryRun,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod, namespace: d.namespace } },
    });
  const isBack = (pods: V1Pod[]) => {
    const back = pods.find((p) => p.metadata!.name === name);
    return !!back && back.metadata!.uid !== victim.metadata!.uid && podReady(back);
  };
  const log: string[] = [];
  const drill: EvictionDrill = { victim: name, victimBackBeforeSecond: false, pings: [] };
  const evictedAt = Date.now();
  await evict(name).catch((e: unknown) => {
    evidence.text('disruption.txt', `eviction of ${name} -> ${evictionRefusal(e)}\n`);
    throw new Error(`the first eviction of ${name} was not accepted: ${evictionRefusal(e)}`, { cause: e });
  });
  log.push(`evicted ${name} (uid ${victim.metadata!.uid})`);
  // with replicas - minAvailable = 1 the budget is spent now: the apiserver must refuse the next one.
  // Asked as a dry run: the PDB is evaluated, but a PDB that fails this check costs no second pod
  if (d.replicas - d.pdbMinAvailable === 1) {
    const second = before.find((p) => p.metadata!.name !== name)!.metadata!.name!;
    const refused = await evict(second, 'All').then(
      () => 'allowed',
      (e: { code?: number }) => (e.code === 429 ? 'refused (429)' : `error ${e.code ?? ''}`),
    );
    // allowed is legitimate if the replacement was already back Ready (and counted by the budget)
    if (refused === 'allowed')
      drill.victimBackBeforeSecond = isBack(await listPods(k, d.namespace, d.podSelector));
    log.push(
      `second eviction (${second}, dry run) -> ${refused}${drill.victimBackBeforeSecond ? ` (${name} was already back Ready, ${Date.now() - evictedAt} ms after its eviction)` : ''}`,
    );
    drill.secondEviction = refused;
  }
  try {
    await expect
      .poll(
        async () => {
          drill.pings.push(await ping());
          return isBack(await listPods(k, d.namespace, d.podSelector));
        },
        { timeout: opts.timeoutMs, interval: opts.intervalMs, message: `${name} recreated and Ready` },
      )
      .toBe(true);
  } finally {
    log.push(...drill.pings.map((p, i) => `PING #${i + 1} -> ${p}`));
    evidence.text('disruption.txt', log.join('\n') + '\n');
    evidence.json('pods-after', (await listPods(k, d.namespace, d.podSelector)).map(podSummary));
  }
  return drill;
}

/**
 * TECH-002 version alignment: the Dragonfly CR's spec.image, every data pod's containers and the
 * operator Deployment's containers carry the pinned images; one line per object that does not.
 */
export function imageMismatches(
  d: Pick<Facts['dragonfly'], 'namespace' | 'name' | 'image' | 'operatorImage'>,
  cr: KObject,
  pods: V1Pod[],
  operator: V1Deployment,
): string[] {
  const out: string[] = [];
  const crImage = String(cr.spec?.image ?? 'unset');
  if (crImage !== d.image)
    out.push(`Dragonfly ${d.namespace}/${d.name} spec.image ${crImage} (pinned ${d.image})`);
  if (pods.length === 0) out.push(`no Dragonfly pod of ${d.namespace}/${d.name}`);
  for (const p of pods) {
    const off = (p.spec?.containers ?? [])
      .filter((c) => c.image !== d.image)
      .map((c) => `${c.name}=${c.image}`);
    if (off.length) out.push(`pod ${d.namespace}/${p.metadata?.name}: ${off.join(', ')} (pinned ${d.image})`);
  }
  const op = operator.spec?.template.spec?.containers ?? [];
  const offOp = op.filter((c) => c.image !== d.operatorImage).map((c) => `${c.name}=${c.image}`);
  if (op.length === 0 || offOp.length)
    out.push(
      `Deployment ${operator.metadata?.namespace}/${operator.metadata?.name}: ${offOp.join(', ') || 'no container'} (pinned ${d.operatorImage})`,
    );
  return out;
}
