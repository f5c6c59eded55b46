// Least privilege and secrets, proven against the lab's real API servers (RBAC + admission enforced):
// the whole catalogue run with a token of the deploy/rbac ServiceAccount gives the same results as
// with the lab admin; mutations outside a run-owned namespace are refused (403); run namespaces are
// Pod Security restricted and admit only restricted pods (the policy alone, and with Pod Security
// admission); Secrets are readable by name only; exec is limited to the catalogue's commands in the
// pods it names; evictions need the opt-in deploy/rbac-disruptive; no seeded secret value reaches
// stdout, JUnit, run.json, attachments or report.html, in a passing and in a failing run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ApiException, type V1Pod } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { loadEnv } from '../../../deploy/rbac.js';
import { CEPH_STATUS_COMMAND, CILIUM_STATUS_COMMAND, secretReads } from '../../../helpers/reads/access.js';
import { netexecPod } from '../../../helpers/reads/connectivity.js';
import { reloadedDeployment } from '../../../helpers/probes/reloader.js';
import { createClusterHandle, exec, type ClusterHandle } from '../../../helpers/cluster/index.js';
import type { Facts } from '../../../helpers/config/index.js';
import { POD_SECURITY_LABELS } from '../../../helpers/run/namespace.js';
import { writeReport } from '../../../reports/html/index.js';
import { runPv, type PvResult } from './proc.js';
import {
  CLUSTERS,
  REPO,
  adminHandle,
  applyRbac,
  components,
  deleteRbac,
  findSecrets,
  labSecretValues,
  mintToken,
  outcomes,
  refusal,
  runFiles,
  writeLabConfig,
  writeTokenKubeconfig,
  type LabName,
  tmpDir,
} from './lib.js';

const RUN_MS = 900_000;
const POLICY = "ValidatingAdmissionPolicy 'platform-validation-run-scope'";
const OWNED = 'platform-validation/owned';

/** A fresh name for a test namespace (pv-run-trust-<what>-<time>). */
const nsName = (what: string) => `pv-run-trust-${what}-${Date.now().toString(36)}`;

async function status(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof ApiException) return e.code;
    throw e;
  }
}

function scanRun(r: PvResult, secrets: string[]): string[] {
  expect(r.runDir, `run dir in stdout:\n${r.stdout.slice(-2000)}`).toBeTruthy();
  return findSecrets(secrets, { stdout: r.stdout, stderr: r.stderr }, runFiles(r.runDir!));
}

describe('least privilege: deploy/rbac on the lab', () => {
  let dir: string;
  let config: string;
  let facts: Facts;
  const sa = {} as Record<LabName, ClusterHandle>;

  beforeAll(async () => {
    dir = tmpDir('pv-trust-rbac-');
    const tokens = {} as Record<LabName, string>;
    for (const n of CLUSTERS) {
      const admin = adminHandle(n);
      const { applied } = await applyRbac(admin);
      expect(applied).toContain('ServiceAccount platform-validation/platform-validation');
      tokens[n] = await mintToken(admin);
    }
    const kubeconfig = writeTokenKubeconfig(dir, tokens);
    config = writeLabConfig(dir, kubeconfig, (n) => `sa-${n}`);
    for (const n of CLUSTERS)
      sa[n] = createClusterHandle({ name: n, context: `sa-${n}`, kubeconfig, requestTimeoutMs: 10_000 });
    facts = (await loadEnv(path.join(REPO, 'platform.config.ts'))).clusters.apps!.facts;
  }, 120_000);

  it('the API server refuses mutations outside run-owned namespaces and Secret reads outside the granted ones', async () => {
    const c = sa.apps;
    const kubeSystemPod = (
      await adminHandle('apps').core.listNamespacedPod({ namespace: 'kube-system', limit: 1 })
    ).items[0]!.metadata!.name!;
    const denied = {
      'create ConfigMap in default': await status(
        c.core.createNamespacedConfigMap({
          namespace: 'default',
          body: { metadata: { name: 'pv-trust-denied' } },
          dryRun: 'All',
        }),
      ),
      'create Deployment in default': await status(
        c.apps.createNamespacedDeployment({
          namespace: 'default',
          body: reloadedDeployment(facts, 'pv-trust-denied', 'default', 'pv-trust-denied'),
          dryRun: 'All',
        }),
      ),
      'create Service in default': await status(
        c.core.createNamespacedService({
          namespace: 'default',
          body: { metadata: { name: 'pv-trust-denied' }, spec: { ports: [{ port: 80 }] } },
          dryRun: 'All',
        }),
      ),
      'delete a pod in kube-system': await status(
        c.core.deleteNamespacedPod({ namespace: 'kube-system', name: kubeSystemPod, dryRun: 'All' }),
      ),
      'delete namespace cnpg-system': await status(
        c.core.deleteNamespace({ name: 'cnpg-system', dryRun: 'All' }),
      ),
      'create a namespace not named pv-run-*': await status(
        c.core.createNamespace({
          body: { metadata: { name: 'pv-trust-denied', labels: { 'platform-validation/owned': 'true' } } },
          dryRun: 'All',
        }),
      ),
      'create pv-run-* without the owned label': await status(
        c.core.createNamespace({ body: { metadata: { name: 'pv-run-trust-unlabelled' } }, dryRun: 'All' }),
      ),
      'list Secrets in cnpg-system': await status(c.core.listNamespacedSecret({ namespace: 'cnpg-system' })),
      'get a Secret in kube-system': await status(
        c.core.readNamespacedSecret({ namespace: 'kube-system', name: 'does-not-matter' }),
      ),
      'exec into a database pod': await status(
        c.core.connectPostNamespacedPodExec({
          namespace: 'cnpg-system',
          name: 'shared-postgres-1',
          command: 'true',
        }),
      ),
    };
    for (const [what, code] of Object.entries(denied)) expect({ what, code }).toEqual({ what, code: 403 });

    // what the run needs is allowed: its own namespace (labelled), objects in it, deleting it
    const ns = `pv-run-trust-${Date.now().toString(36)}`;
    const labels = { [OWNED]: 'true', 'platform-validation/run-id': ns.slice(7), ...POD_SECURITY_LABELS };
    await c.core.createNamespace({ body: { metadata: { name: ns, labels } } });
    try {
      expect(
        await status(
          c.core.createNamespacedService({
            namespace: ns,
            body: { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } },
          }),
        ),
      ).toBe(200);
      // the Reloader check's ConfigMap (create, change, delete) and Deployment (create, delete) ...
      expect(
        await status(c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } })),
      ).toBe(200);
      expect(
        await status(
          c.core.patchNamespacedConfigMap({
            namespace: ns,
            name: 'x',
            body: [{ op: 'add', path: '/data', value: { k: 'v' } }],
          }),
        ),
      ).toBe(200);
      expect(
        await status(
          c.apps.createNamespacedDeployment({ namespace: ns, body: reloadedDeployment(facts, 'd', ns, 'x') }),
        ),
      ).toBe(200);
      // ... but never a change to a Deployment, nor a Secret
      expect(
        await status(
          c.apps.patchNamespacedDeployment({
            namespace: ns,
            name: 'd',
            body: [{ op: 'replace', path: '/spec/replicas', value: 2 }],
          }),
        ),
      ).toBe(403);
      expect(
        await status(c.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 's' } } })),
      ).toBe(403);
      expect(await status(c.apps.deleteNamespacedDeployment({ namespace: ns, name: 'd' }))).toBe(200);
      expect(await status(c.core.deleteNamespacedConfigMap({ namespace: ns, name: 'x' }))).toBe(200);
    } finally {
      expect(await status(c.core.deleteNamespace({ name: ns }))).toBe(200);
    }
  });

  it('run namespaces must be Pod Security restricted and admit only restricted pods: the policy on its own, Pod Security admission as a second layer', async () => {
    const c = sa.apps;
    const admin = adminHandle('apps');
    const owned = { [OWNED]: 'true', 'platform-validation/run-id': 'trust' };
    const PSA = 'pod-security.kubernetes.io';
    const createNs = (labels: Record<string, string>) =>
      refusal(c.core.createNamespace({ body: { metadata: { name: nsName('ns'), labels } }, dryRun: 'All' }));
    const namespaces = {
      'no pod-security label': await createNs(owned),
      'enforce=privileged': await createNs({ ...owned, [`${PSA}/enforce`]: 'privileged' }),
      'enforce=baseline': await createNs({ ...owned, [`${PSA}/enforce`]: 'baseline' }),
      'enforce=restricted, enforce-version=v1.22': await createNs({
        ...owned,
        ...POD_SECURITY_LABELS,
        [`${PSA}/enforce-version`]: 'v1.22',
      }),
      'enforce=restricted, warn=privileged': await createNs({
        ...owned,
        ...POD_SECURITY_LABELS,
        [`${PSA}/warn`]: 'privileged',
      }),
    };
    for (const [what, a] of Object.entries(namespaces))
      expect({ what, ...a }).toEqual({
        what,
        code: 403,
        message: expect.stringMatching(
          /is forbidden: ValidatingAdmissionPolicy 'platform-validation-run-scope' .*must enforce Pod Security restricted/,
        ),
      });
    // what the runner creates (helpers/run/namespace.ts labels) is admitted
    expect(await createNs({ ...owned, ...POD_SECURITY_LABELS })).toEqual({ code: 200, message: '' });

    // the run's namespace, as the runner makes it; and one an admin made with Pod Security off, where
    // only the policy stands between the ServiceAccount and a privileged pod
    const run = nsName('pods');
    const open = nsName('psa-off');
    await c.core.createNamespace({
      body: { metadata: { name: run, labels: { ...owned, ...POD_SECURITY_LABELS } } },
    });
    await admin.core.createNamespace({
      body: { metadata: { name: open, labels: { ...owned, [`${PSA}/enforce`]: 'privileged' } } },
    });
    try {
      const node = (await admin.core.listNode()).items[0]!.metadata!.name!;
      const pod = (ns: string, change: (p: V1Pod) => void = () => {}) => {
        const p = netexecPod(facts, 'pv-trust-pod', ns, undefined, 'trust');
        change(p);
        return p;
      };
      const ctr = (p: V1Pod) => p.spec!.containers[0]!;
      const sc = (p: V1Pod) => (ctr(p).securityContext ??= {});
      const variants: Record<string, [(p: V1Pod) => void, string]> = {
        // privileged cannot be combined with allowPrivilegeEscalation=false (API validation, 422)
        privileged: [
          (p) => Object.assign(sc(p), { privileged: true, allowPrivilegeEscalation: undefined }),
          'must be unprivileged',
        ],
        'hostPath /': [
          (p) => {
            p.spec!.volumes = [{ name: 'root', hostPath: { path: '/' } }];
            ctr(p).volumeMounts = [{ name: 'root', mountPath: '/host' }];
          },
          'only the volume types',
        ],
        hostNetwork: [(p) => (p.spec!.hostNetwork = true), 'must not use hostNetwork'],
        hostPID: [(p) => (p.spec!.hostPID = true), 'must not use hostNetwork'],
        hostIPC: [(p) => (p.spec!.hostIPC = true), 'must not use hostNetwork'],
        hostPort: [(p) => (ctr(p).ports![0]!.hostPort = 8080), 'must not use hostNetwork'],
        'spec.nodeName': [(p) => (p.spec!.nodeName = node), 'spec.nodeName'],
        'capabilities.add NET_ADMIN': [
          (p) => (sc(p).capabilities!.add = ['NET_ADMIN']),
          'must be unprivileged',
        ],
        'allowPrivilegeEscalation unset': [
          (p) => delete sc(p).allowPrivilegeEscalation,
          'must be unprivileged',
        ],
        'runAsNonRoot unset': [
          (p) => {
            delete sc(p).runAsNonRoot;
            delete p.spec!.securityContext?.runAsNonRoot;
          },
          'must run as non-root',
        ],
        'runAsUser 0': [(p) => (sc(p).runAsUser = 0), 'must run as non-root'],
        'seccomp Unconfined': [
          (p) => {
            sc(p).seccompProfile = { type: 'Unconfined' };
            p.spec!.securityContext = { ...p.spec!.securityContext, seccompProfile: { type: 'Unconfined' } };
          },
          "must keep the runtime's confinement",
        ],
      };
      for (const [what, [change, message]] of Object.entries(variants)) {
        const create = (ns: string) =>
          refusal(c.core.createNamespacedPod({ namespace: ns, body: pod(ns, change), dryRun: 'All' }));
        const [inRun, inOpen] = [await create(run), await create(open)];
        // refused where Pod Security also enforces (whichever layer answers first) ...
        expect({ what, code: inRun.code }).toEqual({ what, code: 403 });
        // ... and by the policy's own rule where it does not
        expect({ what, ...inOpen }).toEqual({ what, code: 403, message: expect.stringContaining(message) });
        expect(inOpen.message.includes(POLICY), `${what}: ${inOpen.message}`).toBe(true);
        // a Deployment's pod template is held to the same rules (its pods are the controller's)
        const p = pod(open, change);
        const d = reloadedDeployment(facts, 'pv-trust-deploy', open, 'x');
        d.spec!.template.spec = { ...p.spec!, restartPolicy: 'Always' };
        const viaDeployment = await refusal(
          c.apps.createNamespacedDeployment({ namespace: open, body: d, dryRun: 'All' }),
        );
        expect({ what, via: 'deployment', ...viaDeployment }).toEqual({
          what,
          via: 'deployment',
          code: 403,
          message: expect.stringContaining(message),
        });
      }
      expect(
        await refusal(
          c.apps.createNamespacedDeployment({
            namespace: open,
            body: reloadedDeployment(facts, 'pv-trust-deploy', open, 'x'),
            dryRun: 'All',
          }),
        ),
      ).toEqual({ code: 200, message: '' });
      // positive controls: the catalogue's restricted pod is admitted in both, and really created in the run's
      expect(
        await refusal(c.core.createNamespacedPod({ namespace: open, body: pod(open), dryRun: 'All' })),
      ).toEqual({
        code: 200,
        message: '',
      });
      expect(await refusal(c.core.createNamespacedPod({ namespace: run, body: pod(run) }))).toEqual({
        code: 200,
        message: '',
      });
    } finally {
      await c.core.deleteNamespace({ name: run });
      await admin.core.deleteNamespace({ name: open });
    }
  });

  it('reads only the Secrets the facts name: those are readable, any other Secret of the same namespaces is refused', async () => {
    const c = sa.apps;
    const admin = adminHandle('apps');
    const named = secretReads(facts);
    const nss = [...new Set(named.map((s) => s.namespace))];
    const refused: Record<string, number> = {};
    for (const s of named) {
      const a = await refusal(c.core.readNamespacedSecret({ namespace: s.namespace, name: s.name }));
      // the lab's GitRepository has no secretRef, so no flux-system/flux-system Secret: NotFound, which
      // RBAC answers only after allowing the get (a refusal would be 403)
      const want = (await refusal(admin.core.readNamespacedSecret({ namespace: s.namespace, name: s.name })))
        .code;
      expect({ secret: `${s.namespace}/${s.name}`, code: a.code }).toEqual({
        secret: `${s.namespace}/${s.name}`,
        code: want === 404 ? 404 : 200,
      });
    }
    expect(named.length).toBeGreaterThanOrEqual(7);
    for (const ns of nss) {
      const others = (await admin.core.listNamespacedSecret({ namespace: ns })).items
        .map((x) => x.metadata!.name!)
        .filter((n) => !named.some((s) => s.namespace === ns && s.name === n));
      for (const name of others)
        refused[`${ns}/${name}`] = (await refusal(c.core.readNamespacedSecret({ namespace: ns, name }))).code;
      refused[`list ${ns}`] = (await refusal(c.core.listNamespacedSecret({ namespace: ns }))).code;
    }
    // e.g. cnpg-system/shared-postgres-superuser and cnpg-backup-s3: same namespace, not named
    expect(Object.keys(refused)).toEqual(expect.arrayContaining(['cnpg-system/shared-postgres-superuser']));
    expect(Object.entries(refused).filter(([, code]) => code !== 403)).toEqual([]);
  });

  it("execs only the catalogue's commands in the pods it names; every other exec is refused by the policy", async () => {
    const c = sa.apps;
    const admin = adminHandle('apps');
    const pods = async (namespace: string, labelSelector?: string) =>
      (await admin.core.listNamespacedPod({ namespace, labelSelector })).items
        .filter((p) => p.status?.phase === 'Running')
        .map((p) => p.metadata!.name!);
    const agent = (await pods(facts.cilium.namespace, facts.cilium.agentSelector))[0]!;
    const toolbox = (await pods(facts.storage.ceph.namespace, 'app=rook-ceph-tools'))[0]!;
    const operator = (await pods(facts.cilium.namespace, 'app.kubernetes.io/name=cilium-operator'))[0];
    const other = (await pods('kube-system')).find((n) => n.startsWith('coredns-'))!;
    const cephOperator = (await pods(facts.storage.ceph.namespace)).find((n) =>
      n.startsWith('rook-ceph-operator-'),
    )!;
    expect({ agent, toolbox, other, cephOperator }).toEqual({
      agent: expect.stringMatching(/^cilium-[a-z0-9]{5}$/),
      toolbox: expect.stringMatching(/^rook-ceph-tools-/),
      other: expect.any(String),
      cephOperator: expect.any(String),
    });
    const run = (
      namespace: string,
      pod: string,
      command: readonly string[],
      container?: string,
      stdin?: string,
    ) => exec(c, { namespace, pod, container, command: [...command], stdin, timeoutMs: 20_000 });

    // positive controls: what NET-CILIUM-001 and STO-CEPH-002 run
    const cilium = await run(
      facts.cilium.namespace,
      agent,
      CILIUM_STATUS_COMMAND,
      facts.cilium.agentContainer,
    );
    expect(cilium.exitCode, cilium.stderr).toBe(0);
    expect(cilium.stdout).toMatch(/KVStore|Cilium/);
    const ceph = await run(facts.storage.ceph.namespace, toolbox, CEPH_STATUS_COMMAND);
    expect(ceph.exitCode, ceph.stderr).toBe(0);
    expect(JSON.parse(ceph.stdout)).toHaveProperty('health');

    const k = facts.cilium.namespace;
    const denied: Record<string, () => Promise<unknown>> = {
      'another command in a cilium agent (sh -c id)': () =>
        run(k, agent, ['sh', '-c', 'id'], facts.cilium.agentContainer),
      'cilium-dbg with other arguments': () =>
        run(k, agent, ['cilium-dbg', 'endpoint', 'list'], facts.cilium.agentContainer),
      'cilium-dbg status without the container name': () => run(k, agent, CILIUM_STATUS_COMMAND),
      'cilium-dbg status with stdin': () =>
        run(k, agent, CILIUM_STATUS_COMMAND, facts.cilium.agentContainer, ''),
      [`a kube-system pod the catalogue does not name (${other})`]: () => run(k, other, ['true']),
      [`the Rook operator (${cephOperator}), ceph status`]: () =>
        run(facts.storage.ceph.namespace, cephOperator, CEPH_STATUS_COMMAND),
      'the toolbox, another command': () =>
        run(facts.storage.ceph.namespace, toolbox, ['ceph', 'auth', 'ls']),
      'a database pod': () => run('cnpg-system', 'shared-postgres-1', ['true']),
    };
    if (operator)
      denied[`the cilium operator (${operator}), cilium-dbg status`] = () =>
        run(k, operator, CILIUM_STATUS_COMMAND, facts.cilium.agentContainer);
    for (const [what, call] of Object.entries(denied)) {
      const a = await refusal(call());
      expect({ what, ...a }).toEqual({ what, code: 403, message: expect.stringContaining('may exec only') });
    }
  });

  it('evicts only with the opt-in deploy/rbac-disruptive: refused without it (also when RBAC alone would allow), and DB-DRAGONFLY-008 passes under the ServiceAccount with it', async () => {
    const c = sa.apps;
    const admin = adminHandle('apps');
    const d = facts.dragonfly;
    const evict = (name: string) =>
      refusal(
        c.core.createNamespacedPodEviction({
          name,
          namespace: d.namespace,
          dryRun: 'All',
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: d.namespace } },
        }),
      );
    const victim = `${d.name}-0`;
    // without the opt-in: RBAC has no pods/eviction
    expect(await evict(victim)).toMatchObject({ code: 403 });
    // RBAC alone granting it (a stray binding) is not enough: the policy wants the opt-in's marker
    const stray = 'pv-trust-stray-eviction';
    await admin.rbac.createNamespacedRole({
      namespace: d.namespace,
      body: {
        metadata: { name: stray },
        rules: [{ apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] }],
      },
    });
    await admin.rbac.createNamespacedRoleBinding({
      namespace: d.namespace,
      body: {
        metadata: { name: stray },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: stray },
        subjects: [{ kind: 'ServiceAccount', name: 'platform-validation', namespace: 'platform-validation' }],
      },
    });
    try {
      await vi.waitFor(
        async () => {
          const a = await evict(victim);
          expect(a).toEqual({ code: 403, message: expect.stringContaining('may evict only') });
          expect(a.message.includes(POLICY)).toBe(true);
        },
        { timeout: 15_000, interval: 250 },
      );
    } finally {
      await admin.rbac.deleteNamespacedRoleBinding({ namespace: d.namespace, name: stray });
      await admin.rbac.deleteNamespacedRole({ namespace: d.namespace, name: stray });
    }

    const optIn = await applyRbac(admin, 'rbac-disruptive');
    try {
      expect(optIn.applied).toContain(`Role ${d.namespace}/platform-validation-disruptive`);
      // with it: a dry-run eviction of a data pod is admitted (the PDB decides: 200, or 429 at budget)
      await vi.waitFor(async () => expect([200, 429]).toContain((await evict(victim)).code), {
        timeout: 15_000,
        interval: 250,
      });
      // ... and only of the data pods
      const operator = (await admin.core.listNamespacedPod({ namespace: d.namespace })).items
        .map((p) => p.metadata!.name!)
        .find((n) => n.startsWith('dragonfly-operator-'))!;
      expect(await evict(operator)).toMatchObject({ code: 403 });
      const r = await runPv(
        ['--project', 'apps', '--allow-disruptive', '--grep', 'disruptive'],
        { PV_CONFIG: config },
        300_000,
      );
      expect(outcomes(r.runDir!)['apps:DB-DRAGONFLY-008'], r.stdout.slice(-3000)).toBe('passed');
    } finally {
      await deleteRbac(admin, 'rbac-disruptive');
      // the cache whole again for whatever runs next
      await vi.waitFor(
        async () => {
          const pods = await admin.core.listNamespacedPod({
            namespace: d.namespace,
            labelSelector: d.podSelector,
          });
          expect(
            pods.items.filter((p) =>
              p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'),
            ).length,
          ).toBe(d.replicas);
        },
        { timeout: 120_000, interval: 1_000 },
      );
    }
    // opted out again: refused
    await vi.waitFor(async () => expect((await evict(victim)).code).toBe(403), {
      timeout: 15_000,
      interval: 250,
    });
  }, 420_000);

  let admin: PvResult;
  let restricted: PvResult;
  let rerun: { first: string[]; grep: string } | undefined;

  it(
    'the whole catalogue gives the same results with the ServiceAccount token as with the lab admin',
    async () => {
      admin = await runPv([], {}, RUN_MS);
      restricted = await runPv([], { PV_CONFIG: config }, RUN_MS);
      expect(
        admin.runDir && restricted.runDir,
        `${admin.stdout.slice(-1500)}\n${restricted.stdout.slice(-1500)}`,
      ).toBeTruthy();
      const a = outcomes(admin.runDir!);
      const s = outcomes(restricted.runDir!);
      expect(Object.keys(a).length).toBeGreaterThan(50);
      expect(Object.keys(s).sort()).toEqual(Object.keys(a).sort());
      // latency baselines (PERF-*) depend on the machine's load at that moment, not on rights
      let differs = Object.keys(a).filter((k) => a[k] !== s[k] && !/:PERF-/.test(k));
      if (differs.length) {
        // the lab is shared (scenario switches, load): run the disagreeing checks' components
        // once more with both identities; a difference that stays is a difference in rights
        const comp = components(admin.runDir!);
        const grep = [...new Set(differs.map((k) => comp[k]!))].join(' || ');
        const a2 = outcomes((await runPv(['--grep', grep], {}, RUN_MS)).runDir!);
        const s2 = outcomes((await runPv(['--grep', grep], { PV_CONFIG: config }, RUN_MS)).runDir!);
        rerun = { first: differs.map((k) => `${k}: admin ${a[k]}, sa ${s[k]}`), grep };
        differs = differs.filter((k) => a2[k] !== s2[k]);
      }
      expect(differs.map((k) => `${k}: admin ${a[k]}, sa ${s[k]}`)).toEqual([]);
      const passedSa = Object.values(s).filter((v) => v === 'passed').length;
      expect(passedSa).toBeGreaterThan(40);
      // no failure of the restricted run is a refusal (read in the failure/error elements only: a
      // testcase time="0.403" is not an HTTP status)
      const failures = fs
        .readdirSync(restricted.runDir!)
        .filter((f) => f.startsWith('junit-'))
        .flatMap((f) => [
          ...fs
            .readFileSync(path.join(restricted.runDir!, f), 'utf8')
            .matchAll(/<(failure|error)\b(?:[^>]*\/>|[\s\S]*?<\/\1>)/g),
        ])
        .map((m) => m[0]);
      expect(failures.filter((x) => /forbidden|HTTP 403|\b403 Forbidden/i.test(x))).toEqual([]);
      fs.writeFileSync(
        path.join(REPO, '.lab', 'trust-rbac-last.json'),
        JSON.stringify(
          { admin: admin.runDir, sa: restricted.runDir, passedSa, total: Object.keys(s).length, rerun },
          null,
          2,
        ),
      );
    },
    RUN_MS * 2 + 60_000,
  );

  it('no seeded secret value appears in stdout, JUnit, run.json, attachments or report.html (both runs)', async () => {
    const secrets = labSecretValues();
    for (const r of [admin, restricted]) {
      expect(r, 'the catalogue runs above').toBeTruthy();
      await writeReport(r.runDir!);
      expect(fs.existsSync(path.join(r.runDir!, 'report.html'))).toBe(true);
      expect(scanRun(r, secrets)).toEqual([]);
    }
    // the scan can find a value: the secret is in the lab's own files
    const creds = path.join(REPO, '.lab', 'services', 'credentials.json');
    expect(findSecrets(secrets, {}, [creds]).length).toBeGreaterThan(0);
  });

  it('a failing run (dragonfly-auth-wrong) reports the failure without the password anywhere', async () => {
    const lab = (args: string[]) =>
      execFileSync('pnpm', ['-s', 'lab', ...args], { cwd: REPO, stdio: 'pipe', timeout: 180_000 }).toString();
    lab(['scenario', 'dragonfly-auth-wrong']);
    let r: PvResult;
    try {
      r = await runPv(['--project', 'apps', '--grep', 'dragonfly'], {}, 300_000);
    } finally {
      lab(['reset']);
    }
    expect(r.code).toBe(1);
    const o = outcomes(r.runDir!);
    expect(o['apps:DB-DRAGONFLY-001']).toBe('failed');
    const junit = fs.readFileSync(path.join(r.runDir!, 'junit-apps.xml'), 'utf8');
    expect(junit).toMatch(/WRONGPASS|invalid username-password|NOAUTH|auth/i);
    await writeReport(r.runDir!);
    expect(scanRun(r, labSecretValues())).toEqual([]);
  }, 600_000);
});
