// The Dragonfly check mechanisms (helpers/probes/dragonfly.ts) on fakes: a fake ClusterHandle of the
// few API calls used, an in-memory Redis behind a fake tunnel, a fake exec. Each shows the passing
// shape and the failing one, whose message (or returned finding) names the object, expected and seen.
import type { V1NetworkPolicy, V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { CheckEvidence, RunContext } from '../../../helpers/check/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import {
  coveringPdbs,
  deniedVerdict,
  dragonflyPhase,
  evictionDrill,
  ingressPolicies,
  minAvailablePods,
  ncClient,
  ncEach,
  passwordExternalSecret,
  pinger,
  positiveControls,
  readyDataPods,
  setGetDel,
  setGetLatency,
  withoutPort,
  type NcClient,
} from '../../../helpers/probes/dragonfly.js';

// ---- fakes: the tunnel, the Redis server, exec -------------------------------------------------
const redis = vi.hoisted(() => ({
  store: new Map<string, string>(),
  connectError: undefined as Error | undefined,
  /** GET answers this instead of the stored value (a cache that loses writes) */
  getOverride: undefined as string | null | undefined,
  disconnected: 0,
}));
const execResults = vi.hoisted(() => new Map<string, { exitCode: number; stdout: string; stderr: string }>());

vi.mock('../../../helpers/reads/tunnel.js', () => ({
  withTunnel: async (_k: unknown, _t: unknown, fn: (t: { host: string; port: number }) => unknown) =>
    fn({ host: '127.0.0.1', port: 16379 }),
}));
vi.mock('../../../helpers/clients/redis.js', async (orig) => ({
  ...(await orig<typeof import('../../../helpers/clients/redis.js')>()),
  redisClient: () => ({
    connect: async () => {
      if (redis.connectError) throw redis.connectError;
    },
    ping: async () => 'PONG',
    set: async (k: string, v: string) => (redis.store.set(k, v), 'OK'),
    get: async (k: string) =>
      redis.getOverride !== undefined ? redis.getOverride : (redis.store.get(k) ?? null),
    del: async (k: string) => (redis.store.delete(k) ? 1 : 0),
    exists: async (k: string) => (redis.store.has(k) ? 1 : 0),
    disconnect: () => void redis.disconnected++,
  }),
}));
vi.mock('../../../helpers/cluster/index.js', async (orig) => ({
  ...(await orig<typeof import('../../../helpers/cluster/index.js')>()),
  // keyed by the command's target: `curl <url>` -> url, `nc -v -z -w 3 <ip> <port>` -> `<ip>:<port>`
  exec: async (_k: unknown, o: { command: string[] }) => {
    const c = o.command;
    const key = c[0] === 'nc' ? `${c.at(-2)}:${c.at(-1)}` : c.at(-1)!;
    return execResults.get(key) ?? { exitCode: 0, stdout: '', stderr: '' };
  },
}));

const facts = (): Facts => {
  const f = structuredClone(factsDefaults('apps')) as Facts;
  f.connectivity.readyTimeoutMs = 50;
  return f;
};

function fakeEvidence() {
  const attached: Record<string, unknown> = {};
  const evidence = {
    status: (o: { metadata?: { name?: string } }) => (attached[`status ${o.metadata?.name}`] = o),
    json: (n: string, v: unknown) => (attached[n] = v),
    text: (n: string, v: string) => (attached[n] = v),
  } as unknown as CheckEvidence;
  return { evidence, attached };
}

function fakeRun() {
  const cleanups: { description: string; released: boolean }[] = [];
  const run = {
    name: (p: string) => `${p}-r1`,
    cleanup: (description: string) => {
      const c = { description, released: false };
      cleanups.push(c);
      return () => void (c.released = true);
    },
  } as unknown as RunContext;
  return { run, cleanups };
}

const pod = (name: string, o: { ready?: boolean; ip?: string; uid?: string; port?: number } = {}): V1Pod => ({
  metadata: { name, uid: o.uid ?? `${name}-uid`, namespace: 'dragonfly-system' },
  spec: { containers: [{ name: 'dragonfly', ports: [{ containerPort: o.port ?? 6379 }] }] },
  status: {
    phase: 'Running',
    podIP: o.ip,
    conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
  },
});

/** The failure as the JUnit shows it: message plus the seen value. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as { message: string; actual?: unknown };
    return `${err.message}\nactual: ${String(err.actual)}`;
  }
  throw new Error('the mechanism passed');
}

beforeEach(() => {
  redis.store.clear();
  redis.connectError = undefined;
  redis.getOverride = undefined;
  redis.disconnected = 0;
  execResults.clear();
});

const d = () => facts().dragonfly;
const k = {} as ClusterHandle;

describe('dragonflyPhase (DB-DRAGONFLY-001)', () => {
  // upstream: dragonflydb/dragonfly-operator internal/controller/util.go (v1.2.0 .. v1.6.1):
  // PhaseReady = "Ready" is what the operator writes (dragonfly_instance.go `dfiStatus.Phase = PhaseReady`);
  // PhaseReadyOld = "ready" is what <= v1.1.11 wrote. PhaseResourcesCreated/RollingUpdate/Configuring are not ready.
  const df = (phase?: unknown) => ({ status: phase === undefined ? {} : { phase, isRollingUpdate: false } });
  it('passes: "Ready", as operator v1.2.0+ (the pinned v1.3.0) writes it', () => {
    expect(dragonflyPhase(df('Ready'))).toEqual({ phase: 'Ready', ready: true });
  });
  it('passes: "ready", as operator <= v1.1.11 wrote it', () => {
    expect(dragonflyPhase(df('ready'))).toEqual({ phase: 'ready', ready: true });
  });
  it('fails: the other upstream phases, other casings and a missing phase are not ready', () => {
    for (const p of ['ResourcesCreated', 'RollingUpdate', 'Configuring', 'READY', 'resources-created'])
      expect(dragonflyPhase(df(p)), p).toEqual({ phase: p, ready: false });
    expect(dragonflyPhase(df())).toEqual({ phase: 'no status.phase', ready: false });
    expect(dragonflyPhase({})).toEqual({ phase: 'no status.phase', ready: false });
  });
});

describe('setGetDel (DB-DRAGONFLY-001)', () => {
  it('passes: PING, the value read back, the key gone and its cleanup released', async () => {
    const { run, cleanups } = fakeRun();
    const s = await setGetDel(k, d(), run, 'pw');
    expect(s.got).toBe(s.value);
    expect(s.log[0]).toBe('PING -> PONG');
    expect(s.log.at(-1)).toBe(`EXISTS ${s.key} -> 0`);
    expect(s.key).toMatch(/^pv-r1:[0-9a-f]{8}$/);
    expect(cleanups).toEqual([{ description: `DEL ${s.key}`, released: true }]);
    expect(redis.disconnected).toBe(1);
  });
  it('fails: a GET that does not return the value is logged as seen, the key still removed', async () => {
    redis.getOverride = 'stale';
    const s = await setGetDel(k, d(), fakeRun().run, 'pw');
    expect(s.got).toBe('stale');
    expect(s.log).toContain(`GET ${s.key} -> "stale"`);
    expect(s.log.at(-1)).toBe(`EXISTS ${s.key} -> 0`);
  });
  it('fails: a refused connect names the Service and the server reason, and still confirms the key absent', async () => {
    redis.connectError = new Error('WRONGPASS invalid username-password pair');
    const { run, cleanups } = fakeRun();
    expect(await failure(setGetDel(k, d(), run, 'bad'))).toMatch(
      /Redis protocol at Service dragonfly-system\/dragonfly:6379: WRONGPASS/,
    );
    expect(cleanups[0]!.released).toBe(true);
    expect(redis.disconnected).toBe(1);
  });
});

describe('setGetLatency (DB-DRAGONFLY-007) and pinger (DB-DRAGONFLY-008)', () => {
  it('samples SET and GET facts.dragonfly.samples times each and deletes the key', async () => {
    const f = d();
    f.samples = 3;
    const { run, cleanups } = fakeRun();
    const { set, get } = await setGetLatency(k, f, run, 'pw');
    expect([set.length, get.length]).toEqual([3, 3]);
    expect(redis.store.size).toBe(0);
    expect(cleanups[0]!.released).toBe(true);
  });
  it('pinger answers PONG, and an error as `error: <why>` without throwing', async () => {
    const ping = pinger(k, d(), 'pw');
    expect(await ping()).toBe('PONG');
    redis.connectError = new Error('connect ECONNREFUSED');
    expect(await ping()).toBe(
      'error: Redis protocol at Service dragonfly-system/dragonfly:6379: connect ECONNREFUSED',
    );
  });
});

describe('passwordExternalSecret (DB-DRAGONFLY-002)', () => {
  const withList = (items: unknown[]) =>
    ({ custom: { listNamespacedCustomObject: async () => ({ items }) } }) as unknown as ClusterHandle;
  it('passes: the ExternalSecret targeting the Secret, with its Ready condition', async () => {
    const es = {
      metadata: { namespace: 'dragonfly-system', name: 'df-es' },
      spec: { target: { name: 'dragonfly-auth' } },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    const { evidence, attached } = fakeEvidence();
    expect(await passwordExternalSecret(withList([es]), d(), evidence)).toMatch(
      /^dragonfly-system\/df-es: Ready=True/,
    );
    expect(attached).toHaveProperty('status df-es');
  });
  it('DB-DRAGONFLY-002 fails: none targets the Secret (one named otherwise does not count), or it is not Ready', async () => {
    const other = { metadata: { name: 'other' }, spec: { target: { name: 'other' } } };
    expect(await passwordExternalSecret(withList([other]), d(), fakeEvidence().evidence)).toBe(
      'no ExternalSecret in dragonfly-system targets Secret dragonfly-auth',
    );
    const notReady = {
      metadata: { namespace: 'dragonfly-system', name: 'dragonfly-auth' },
      status: {
        conditions: [
          { type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: 'item not found' },
        ],
      },
    };
    expect(await passwordExternalSecret(withList([notReady]), d(), fakeEvidence().evidence)).toMatch(
      /dragonfly-auth: Ready=False \(SecretSyncedError: item not found\)/,
    );
  });
});

describe('coveringPdbs and minAvailablePods (DB-DRAGONFLY-004)', () => {
  const pdb = (name: string, spec: V1PodDisruptionBudget['spec']): V1PodDisruptionBudget => ({
    metadata: { name },
    spec,
  });
  // upstream: dragonfly-operator v1.3.0 internal/resources/resources.go: the StatefulSet's pod
  // template labels {app: <df.Name>, app.kubernetes.io/part-of: dragonfly, app.kubernetes.io/name:
  // dragonfly} (plus role=master|replica from the pod lifecycle controller), and the PDB `<df.Name>`
  // with that selector and maxUnavailable: 1 (created when replicas > 1)
  const operatorLabels = {
    app: 'dragonfly',
    'app.kubernetes.io/part-of': 'dragonfly',
    'app.kubernetes.io/name': 'dragonfly',
  };
  const dfPod = (i: number): V1Pod => ({
    metadata: {
      name: `dragonfly-${i}`,
      labels: {
        ...operatorLabels,
        role: i === 0 ? 'master' : 'replica',
        'statefulset.kubernetes.io/pod-name': `dragonfly-${i}`,
      },
    },
  });
  const operatorPdb = pdb('dragonfly', { maxUnavailable: 1, selector: { matchLabels: operatorLabels } });
  const withPdbs = (items: V1PodDisruptionBudget[], pods: V1Pod[] = [0, 1, 2].map(dfPod)) =>
    ({
      policy: { listNamespacedPodDisruptionBudget: async () => ({ items }) },
      core: { listNamespacedPod: async () => ({ items: pods }) },
    }) as unknown as ClusterHandle;
  it("passes: the operator's own PDB (maxUnavailable: 1 of 3 keeps 2) selects the pods by their labels", async () => {
    const { evidence, attached } = fakeEvidence();
    const r = await coveringPdbs(withPdbs([operatorPdb]), d(), evidence);
    expect(r).toEqual({
      pods: ['dragonfly-0', 'dragonfly-1', 'dragonfly-2'],
      names: ['dragonfly'],
      minAvailable: 2,
    });
    expect(r.minAvailable).toBeGreaterThanOrEqual(d().pdbMinAvailable);
    expect((attached.pdbs as unknown[]).length).toBe(1);
  });
  it('passes: a platform PDB with minAvailable; unrelated PDBs are attached, not counted', async () => {
    const { evidence, attached } = fakeEvidence();
    const r = await coveringPdbs(
      withPdbs([
        pdb('dragonfly', { selector: { matchLabels: { app: 'dragonfly' } }, minAvailable: 2 }),
        pdb('unrelated', { selector: { matchLabels: { app: 'other' } }, minAvailable: 5 }),
      ]),
      d(),
      evidence,
    );
    expect(r.names).toEqual(['dragonfly']);
    expect(r.minAvailable).toBe(2);
    expect((attached.pdbs as unknown[]).length).toBe(2);
  });
  it('fails: a PDB selecting only some pods (role=master) does not cover them; no pods, nothing covered', async () => {
    const master = pdb('master-only', { selector: { matchLabels: { role: 'master' } }, minAvailable: 1 });
    const r = await coveringPdbs(withPdbs([master]), d(), fakeEvidence().evidence);
    expect(r.names).toEqual([]);
    expect(r.minAvailable).toBe(-Infinity);
    const none = await coveringPdbs(withPdbs([operatorPdb], []), d(), fakeEvidence().evidence);
    expect(none).toEqual({ pods: [], names: [], minAvailable: -Infinity });
  });
  it('DB-DRAGONFLY-004 fails: maxUnavailable 2 of 3 keeps 1, below the required 2', async () => {
    const loose = pdb('dragonfly', { maxUnavailable: 2, selector: { matchLabels: operatorLabels } });
    const r = await coveringPdbs(withPdbs([loose]), d(), fakeEvidence().evidence);
    expect(r.names).toEqual(['dragonfly']);
    expect(r.minAvailable).toBe(1);
  });
  it('counts pods kept: minAvailable (percent rounds up), replicas - maxUnavailable (percent rounds up), neither 0', () => {
    expect(minAvailablePods(pdb('p', { minAvailable: '50%' }), 3)).toBe(2);
    expect(minAvailablePods(pdb('p', { minAvailable: 1 }), 3)).toBe(1);
    expect(minAvailablePods(pdb('p', { maxUnavailable: 1 }), 3)).toBe(2);
    expect(minAvailablePods(pdb('p', { maxUnavailable: '34%' }), 3)).toBe(1); // ceil(1.02) = 2 away
    expect(minAvailablePods(pdb('p', { maxUnavailable: 5 }), 3)).toBe(0);
    expect(minAvailablePods(pdb('p', {}), 3)).toBe(0);
  });
});

describe('ingressPolicies (DB-DRAGONFLY-005)', () => {
  const np = (name: string, spec: V1NetworkPolicy['spec']): V1NetworkPolicy => ({ metadata: { name }, spec });
  const restricted = np('dragonfly-ingress', {
    podSelector: { matchLabels: { app: 'dragonfly' } },
    policyTypes: ['Ingress'],
    ingress: [
      { _from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'harbor' } } }] },
    ],
  });
  it('passes: a restricting policy covers the pods, none allows all', () => {
    expect(ingressPolicies([restricted], 'app=dragonfly')).toEqual({
      covering: ['dragonfly-ingress'],
      allowAll: [],
    });
  });
  it('DB-DRAGONFLY-005 fails naming each allow-all policy: no from, every namespace, or 0.0.0.0/0; egress-only does not cover', () => {
    const sel = { matchLabels: { app: 'dragonfly' } };
    const r = ingressPolicies(
      [
        restricted,
        np('no-from', { podSelector: sel, ingress: [{}] }),
        np('all-namespaces', { podSelector: sel, ingress: [{ _from: [{ namespaceSelector: {} }] }] }),
        np('world', { podSelector: sel, ingress: [{ _from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }] }),
        np('egress-only', { podSelector: sel, policyTypes: ['Egress'] }),
      ],
      'app=dragonfly',
    );
    expect(r.allowAll).toEqual(['no-from', 'all-namespaces', 'world']);
    expect(r.covering).not.toContain('egress-only');
    expect(ingressPolicies([restricted], 'app=cache').covering).toEqual([]);
  });
});

describe('the denied-namespace probe (DB-DRAGONFLY-006)', () => {
  it('readyDataPods keeps Ready pods with an IP; withoutPort names pods not declaring the port', async () => {
    const pods = [
      pod('df-0', { ip: '10.0.0.1' }),
      pod('df-1', { ready: false, ip: '10.0.0.2' }),
      pod('df-2'),
    ];
    const kk = { core: { listNamespacedPod: async () => ({ items: pods }) } } as unknown as ClusterHandle;
    expect((await readyDataPods(kk, d())).map((p) => p.metadata?.name)).toEqual(['df-0']);
    expect(withoutPort([pod('df-0'), pod('df-1', { port: 6380 })], 6379)).toEqual(['df-1']);
  });

  function clientCluster(ready: boolean) {
    const created: V1Pod[] = [];
    const cluster = {
      core: {
        createNamespacedPod: async ({ body }: { body: V1Pod }) => void created.push(body),
        readNamespacedPod: async () => ({
          status: {
            phase: 'Running',
            podIP: '10.1.0.9',
            conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
          },
        }),
        readNamespacedService: async () => ({ spec: { clusterIP: '10.96.0.10' } }),
      },
    } as unknown as ClusterHandle;
    return { cluster, created };
  }

  it('ncClient: a Ready client pod in the run namespace whose nc reports the exit code', async () => {
    const { cluster, created } = clientCluster(true);
    execResults.set('10.0.0.1:6379', { exitCode: 1, stdout: '', stderr: 'timed out' });
    const c = await ncClient(cluster, facts(), 'pv-run-1');
    expect(created[0]!.metadata).toMatchObject({
      name: 'pv-np-denied',
      namespace: 'pv-run-1',
      labels: { 'platform-validation/role': 'np-client' },
    });
    expect(created[0]!.spec!.containers[0]!.image).toBe(facts().connectivity.image);
    expect(c.ip).toBe('10.1.0.9');
    expect(await c.nc('10.0.0.1', 6379)).toEqual({ exitCode: 1, output: 'timed out' });
  });
  it('ncClient fails naming the client pod when it does not become Ready', async () => {
    expect(await failure(ncClient(clientCluster(false).cluster, facts(), 'pv-run-1'))).toMatch(
      /client pod Ready/,
    );
  });

  // what `nc -v -z -w 3` prints (OpenBSD nc; ncat says "Ncat: TIMEOUT." / "Connection refused.")
  const TIMED_OUT = 'nc: connect to 10.0.0.1 port 6379 (tcp) timed out: Operation now in progress';
  const REFUSED = 'nc: connect to 10.0.0.1 port 6379 (tcp) failed: Connection refused';
  const fakeClient = (exits: Record<string, number>, refused: string[] = []): NcClient => ({
    namespace: 'pv-run-1',
    name: 'pv-np-denied',
    ip: '10.1.0.9',
    nc: async (ip, port) => {
      const exitCode = exits[`${ip}:${port}`] ?? 1;
      const output =
        exitCode === 127
          ? 'nc: not found'
          : exitCode === 1
            ? refused.includes(`${ip}:${port}`)
              ? REFUSED
              : TIMED_OUT
            : '';
      return { exitCode, output };
    },
  });

  it('positiveControls: itself and CoreDNS in another namespace, with the exit codes seen', async () => {
    const { cluster } = clientCluster(true);
    const controls = await positiveControls(
      cluster,
      facts(),
      fakeClient({ '10.1.0.9:8080': 0, '10.96.0.10:53': 127 }),
    );
    expect(controls).toEqual([
      { target: 'pv-np-denied 10.1.0.9:8080 (itself)', exitCode: 0, output: '' },
      {
        target: 'Service kube-system/kube-dns 10.96.0.10:53 (another namespace)',
        exitCode: 127,
        output: 'nc: not found',
      },
    ]);
  });
  it('deniedVerdict passes when every attempt timed out (a policy drop)', async () => {
    const attempts = await ncEach(fakeClient({}), [pod('df-0', { ip: '10.0.0.1' })], 6379);
    expect(attempts).toEqual([{ target: 'df-0 10.0.0.1:6379', exitCode: 1, output: TIMED_OUT }]);
    expect(deniedVerdict(attempts)).toEqual({ reached: [], unclear: [] });
  });
  it('DB-DRAGONFLY-006 fails on a refused connection: the pod answered, no policy dropped it (the old false green)', async () => {
    const attempts = await ncEach(fakeClient({}, ['10.0.0.1:6379']), [pod('df-0', { ip: '10.0.0.1' })], 6379);
    expect(deniedVerdict(attempts).unclear).toEqual([
      `df-0 10.0.0.1:6379: refused, so the connection reached the pod (a NetworkPolicy drops, it does not refuse): ${REFUSED}`,
    ]);
  });
  it('DB-DRAGONFLY-006 fails: deniedVerdict names the pods reached and the attempts that are no denial', async () => {
    const attempts = await ncEach(
      fakeClient({ '10.0.0.1:6379': 0, '10.0.0.2:6379': 127 }),
      [pod('df-0', { ip: '10.0.0.1' }), pod('df-1', { ip: '10.0.0.2' }), pod('df-2', { ip: '10.0.0.3' })],
      6379,
    );
    expect(deniedVerdict(attempts)).toEqual({
      reached: ['df-0 10.0.0.1:6379'],
      unclear: ['df-0 10.0.0.1:6379: exit 0 ', 'df-1 10.0.0.2:6379: exit 127 nc: not found'],
    });
  });
});

describe('evictionDrill (DB-DRAGONFLY-008)', () => {
  /**
   * A StatefulSet's pods: an evicted pod comes back under a new uid after `backAfterLists` pod
   * listings; a dry-run eviction is refused (429) while a pod is away, unless `pdbAllows`.
   */
  function statefulSet(o: { backAfterLists: number; pdbAllows?: boolean; pdbs?: number; master?: string }) {
    const role = (p: V1Pod) => {
      p.metadata!.labels = { app: 'dragonfly', role: p.metadata!.name === o.master ? 'master' : 'replica' };
      return p;
    };
    let pods = [pod('df-0'), pod('df-1'), pod('df-2')].map(role);
    const evictions: string[] = [];
    let away: string | undefined;
    let lists = 0;
    const cluster = {
      core: {
        listNamespacedPod: async () => {
          if (away && ++lists >= o.backAfterLists) {
            pods = [...pods, role(pod(away, { uid: `${away}-new` }))];
            away = undefined;
          }
          return { items: pods };
        },
        createNamespacedPodEviction: async ({ name, dryRun }: { name: string; dryRun?: string }) => {
          evictions.push(`${name}${dryRun ? ' (dry run)' : ''}`);
          if (dryRun) {
            if (away && !o.pdbAllows) throw Object.assign(new Error('Too Many Requests'), { code: 429 });
            return {};
          }
          // registry/rest/pod/eviction.go: a pod selected by several PDBs is refused with a 500
          if ((o.pdbs ?? 1) > 1)
            throw Object.assign(new Error('HTTP-Code: 500'), {
              code: 500,
              body: JSON.stringify({
                kind: 'Status',
                status: 'Failure',
                code: 500,
                message:
                  'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
              }),
            });
          away = name;
          pods = pods.filter((p) => p.metadata!.name !== name);
        },
      },
    } as unknown as ClusterHandle;
    return { cluster, evictions, before: [...pods] };
  }
  const fast = { timeoutMs: 200, intervalMs: 5 };

  it('passes: evicts the last pod, the dry-run second eviction is refused, PINGs answered until it is back', async () => {
    const s = statefulSet({ backAfterLists: 3 });
    const { evidence, attached } = fakeEvidence();
    const drill = await evictionDrill(s.cluster, d(), s.before, async () => 'PONG', evidence, fast);
    expect(s.evictions).toEqual(['df-2', 'df-0 (dry run)']);
    expect(drill).toMatchObject({
      victim: 'df-2',
      secondEviction: 'refused (429)',
      victimBackBeforeSecond: false,
    });
    expect(drill.pings.length).toBeGreaterThan(0);
    expect(attached['disruption.txt']).toMatch(
      /evicted df-2 \(uid df-2-uid\)\nsecond eviction \(df-0, dry run\) -> refused \(429\)\nPING #1 -> PONG/,
    );
    expect(attached['pods-after']).toHaveLength(3);
  });
  it('DB-DRAGONFLY-008 fails: a PDB that allows the second eviction while the pod is away, and PINGs that failed, are reported', async () => {
    const s = statefulSet({ backAfterLists: 2, pdbAllows: true });
    let n = 0;
    const drill = await evictionDrill(
      s.cluster,
      d(),
      s.before,
      async () => (n++ === 0 ? 'error: ECONNRESET' : 'PONG'),
      fakeEvidence().evidence,
      fast,
    );
    expect(drill).toMatchObject({ secondEviction: 'allowed', victimBackBeforeSecond: false });
    expect(drill.pings.filter((p) => p !== 'PONG')).toEqual(['error: ECONNRESET']);
  });
  it('allowed because the pod was already back Ready: the PDB not exercised', async () => {
    const s = statefulSet({ backAfterLists: 1, pdbAllows: true });
    const drill = await evictionDrill(
      s.cluster,
      d(),
      s.before,
      async () => 'PONG',
      fakeEvidence().evidence,
      fast,
    );
    expect(drill).toMatchObject({ secondEviction: 'allowed', victimBackBeforeSecond: true });
  });
  it('no second eviction when the budget allows more than one pod away', async () => {
    const f = d();
    f.pdbMinAvailable = 1;
    const s = statefulSet({ backAfterLists: 1 });
    const drill = await evictionDrill(
      s.cluster,
      f,
      s.before,
      async () => 'PONG',
      fakeEvidence().evidence,
      fast,
    );
    expect(s.evictions).toEqual(['df-2']);
    expect(drill.secondEviction).toBeUndefined();
  });
  it('evicts a replica, never the master the client Service selects (the last pod is the master after a failover)', async () => {
    const s = statefulSet({ backAfterLists: 3, master: 'df-2' });
    const drill = await evictionDrill(
      s.cluster,
      d(),
      s.before,
      async () => 'PONG',
      fakeEvidence().evidence,
      fast,
    );
    expect(drill.victim).toBe('df-1');
    expect(s.evictions).toEqual(['df-1', 'df-0 (dry run)']);
  });
  it('fails: a second PDB over the pods makes the Eviction API answer 500; the finding says so', async () => {
    const s = statefulSet({ backAfterLists: 3, pdbs: 2 });
    const { evidence, attached } = fakeEvidence();
    const msg = await failure(evictionDrill(s.cluster, d(), s.before, async () => 'PONG', evidence, fast));
    expect(msg).toMatch(
      /first eviction of df-2 was not accepted: HTTP 500: This pod has more than one PodDisruptionBudget.*keep one PDB/,
    );
    expect(attached['disruption.txt']).toMatch(/eviction of df-2 -> HTTP 500/);
  });
  it('fails naming the pod when it is not back in time, and still attaches the evidence', async () => {
    const s = statefulSet({ backAfterLists: Infinity });
    const { evidence, attached } = fakeEvidence();
    expect(
      await failure(evictionDrill(s.cluster, d(), s.before, async () => 'PONG', evidence, fast)),
    ).toMatch(/df-2 recreated and Ready/);
    expect(attached['disruption.txt']).toMatch(/^evicted df-2/);
    expect(attached['pods-after']).toHaveLength(2);
  });
});
