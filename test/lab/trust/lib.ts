// Plumbing of the trust tests: lab admin handles, applying deploy/rbac, minting ServiceAccount
// tokens (TokenRequest), kubeconfigs/configs for a token identity, the lab's seeded secret values,
// run-owned namespace counts and a scan of a run's outputs for secrets.
import fs from 'node:fs';
import path from 'node:path';
import { testTmpDir } from '../../tmp.js';
import {
  ApiException,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { vi } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createClusterHandle, type ClusterHandle } from '../../../helpers/cluster/index.js';
import { labFacts } from '../../../lab/facts.js';
import { LAB_KUBECONFIG, REPO } from '../framework/lab.js';

export { REPO, LAB_KUBECONFIG };
export const CLUSTERS = ['infra', 'apps'] as const;
export type LabName = (typeof CLUSTERS)[number];
export const SA = { namespace: 'platform-validation', name: 'platform-validation' };

export function adminHandle(name: LabName): ClusterHandle {
  if (!fs.existsSync(LAB_KUBECONFIG)) throw new Error(`the lab is not up: ${LAB_KUBECONFIG} is missing`);
  return createClusterHandle({
    name,
    context: `lab-${name}`,
    kubeconfig: LAB_KUBECONFIG,
    requestTimeoutMs: 10_000,
  });
}

function manifests(dir: string): KubernetesObject[] {
  const abs = path.join(REPO, 'deploy', dir);
  return fs
    .readdirSync(abs)
    .filter((x) => x.endsWith('.yaml'))
    .sort()
    .flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(abs, f), 'utf8')))
    .map((d) => d.toJS() as KubernetesObject | null)
    .filter((o): o is KubernetesObject => !!o?.kind);
}

const refOf = (o: KubernetesObject) =>
  `${o.kind} ${o.metadata?.namespace ? o.metadata.namespace + '/' : ''}${o.metadata?.name}`;

const RBAC_KINDS = ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'] as const;
type WithRoleRef = KubernetesObject & { roleRef?: { kind: string; name: string } };

/**
 * What `kubectl apply --prune` would do for the platform-validation RBAC: deletes Roles, ClusterRoles
 * and their bindings named platform-validation* that neither deploy/rbac nor deploy/rbac-disruptive
 * declares (e.g. the namespace-wide Secrets/exec bindings of an earlier set), and a binding whose
 * roleRef changed (roleRef is immutable). Returns what it deleted.
 */
async function pruneRbac(c: ClusterHandle, declared: KubernetesObject[]): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(c.kc);
  const keep = new Map(declared.map((o) => [refOf(o), o]));
  const deleted: string[] = [];
  for (const kind of RBAC_KINDS) {
    const list = await api.list('rbac.authorization.k8s.io/v1', kind);
    for (const o of list.items) {
      if (!o.metadata?.name?.startsWith('platform-validation')) continue;
      const obj = { ...o, apiVersion: 'rbac.authorization.k8s.io/v1', kind } as WithRoleRef;
      const ref = refOf(obj);
      const want = keep.get(ref) as WithRoleRef | undefined;
      const stale =
        !want ||
        (want.roleRef &&
          (want.roleRef.kind !== obj.roleRef?.kind || want.roleRef.name !== obj.roleRef?.name));
      if (!stale) continue;
      await api.delete(obj);
      deleted.push(ref);
    }
  }
  return deleted;
}

/**
 * Applies every document of deploy/<dir> (server-side apply; deploy/rbac by default) after pruning
 * stale platform-validation RBAC. A namespaced object whose namespace does not exist on that cluster
 * (e.g. a Secrets Role for an apps-only namespace on infra) is skipped and returned, as `kubectl
 * apply` would fail on it and go on.
 */
export async function applyRbac(
  c: ClusterHandle,
  dir: 'rbac' | 'rbac-disruptive' = 'rbac',
): Promise<{ applied: string[]; skipped: string[]; pruned: string[] }> {
  const api = KubernetesObjectApi.makeApiClient(c.kc);
  const applied: string[] = [];
  const skipped: string[] = [];
  const objects = manifests(dir);
  // the opt-in set is not stale while it is applied; the base set is never pruned by the opt-in
  const pruned = await pruneRbac(c, [...manifests('rbac'), ...manifests('rbac-disruptive')]);
  for (const obj of objects) {
    const ref = refOf(obj);
    if (obj.metadata?.namespace) {
      try {
        await c.core.readNamespace({ name: obj.metadata.namespace });
      } catch {
        skipped.push(ref);
        continue;
      }
    }
    await api.patch(
      obj,
      undefined,
      undefined,
      'platform-validation-trust',
      true,
      'application/apply-patch+yaml',
    );
    applied.push(ref);
  }
  if (dir === 'rbac') await waitForRunScopeEnforced(c);
  return { applied, skipped, pruned };
}

/** `kubectl delete -f deploy/<dir>` (ignores what is not there). */
export async function deleteRbac(c: ClusterHandle, dir: 'rbac-disruptive'): Promise<string[]> {
  const api = KubernetesObjectApi.makeApiClient(c.kc);
  const deleted: string[] = [];
  for (const obj of manifests(dir)) {
    try {
      await api.delete(obj);
      deleted.push(refOf(obj));
    } catch (e) {
      if (!(e instanceof ApiException && e.code === 404)) throw e;
    }
  }
  return deleted;
}

/**
 * The API server enforces a newly stored ValidatingAdmissionPolicy a moment later (its admission
 * plugin learns policies through a watch); until then the ServiceAccount's write grants are
 * cluster-wide. Waits until server-side dry-runs with the ServiceAccount's token are refused by the
 * policy as it is now: a Service create in `default` (as deploy/README.md tells users to), and a
 * run namespace without the Pod Security label (refused only by the current version of the policy,
 * so an update is waited for too).
 */
export async function waitForRunScopeEnforced(admin: ClusterHandle, timeoutMs = 30_000): Promise<void> {
  const name = admin.name as LabName;
  const core = tokenKubeConfig({ [name]: await mintToken(admin, 600) }).makeApiClient(CoreV1Api);
  const probes = [
    {
      what: 'a dry-run Service create in default',
      expect: 'run-owned namespaces',
      call: () =>
        core.createNamespacedService({
          namespace: 'default',
          body: { metadata: { name: 'pv-trust-policy-probe' }, spec: { ports: [{ port: 80 }] } },
          dryRun: 'All',
        }),
    },
    {
      what: 'a dry-run create of a run namespace without pod-security.kubernetes.io/enforce',
      expect: 'must enforce Pod Security restricted',
      call: () =>
        core.createNamespace({
          body: {
            metadata: { name: 'pv-run-policy-probe', labels: { 'platform-validation/owned': 'true' } },
          },
          dryRun: 'All',
        }),
    },
  ];
  await vi.waitFor(
    async () => {
      for (const p of probes) {
        const answer = await refusal(p.call());
        if (answer.code !== 403 || !answer.message.includes(p.expect))
          throw new Error(
            `${name}: the run-scope admission policy does not refuse ${p.what} yet (HTTP ${answer.code}: ${answer.message.slice(0, 200)})`,
          );
      }
    },
    { timeout: timeoutMs, interval: 250 },
  );
}

/**
 * How the API server answered: 200, or the refusal's code and message (the Status message of an
 * ApiException, or the `HTTP <code>: <message>` of a refused exec/port-forward upgrade).
 */
export async function refusal(p: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await p;
    return { code: 200, message: '' };
  } catch (e) {
    if (e instanceof ApiException) {
      const body = typeof e.body === 'string' ? e.body : JSON.stringify(e.body);
      let message = body;
      try {
        message = (JSON.parse(body) as { message?: string }).message ?? body;
      } catch {}
      return { code: e.code, message };
    }
    const m = /HTTP (\d{3}): ([\s\S]*)$/.exec(e instanceof Error ? e.message : String(e));
    if (m) return { code: Number(m[1]), message: m[2]! };
    return { code: 0, message: e instanceof Error ? e.message : String(e) };
  }
}

/** A short-lived token for the platform-validation ServiceAccount (TokenRequest API). */
export async function mintToken(c: ClusterHandle, seconds = 3600): Promise<string> {
  const tr = await c.core.createNamespacedServiceAccountToken({
    namespace: SA.namespace,
    name: SA.name,
    body: { spec: { expirationSeconds: seconds, audiences: [] } },
  });
  const t = tr.status?.token;
  if (!t) throw new Error('TokenRequest returned no token');
  return t;
}

/** The lab CA (PEM) and server of a lab context, from the admin kubeconfig. */
export function labServer(name: LabName): { server: string; caPem: string; port: number } {
  const kc = new KubeConfig();
  kc.loadFromFile(LAB_KUBECONFIG);
  const ctx = kc.getContextObject(`lab-${name}`)!;
  const cl = kc.getCluster(ctx.cluster)!;
  const caPem = cl.caData
    ? Buffer.from(cl.caData, 'base64').toString('utf8')
    : fs.readFileSync(cl.caFile!, 'utf8');
  return { server: cl.server, caPem, port: Number(new URL(cl.server).port) };
}

/** A KubeConfig with one context `sa-<name>` per given lab cluster, each with that cluster's token. */
export function tokenKubeConfig(tokens: Partial<Record<LabName, string>>): KubeConfig {
  const names = CLUSTERS.filter((n) => tokens[n] !== undefined);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: names.map((n) => {
      const s = labServer(n);
      return {
        name: n,
        server: s.server,
        caData: Buffer.from(s.caPem).toString('base64'),
        skipTLSVerify: false,
      };
    }),
    users: names.map((n) => ({ name: `sa-${n}`, token: tokens[n] })),
    contexts: names.map((n) => ({ name: `sa-${n}`, cluster: n, user: `sa-${n}` })),
    currentContext: `sa-${names.includes('apps') ? 'apps' : names[0]}`,
  });
  return kc;
}

/** tokenKubeConfig for every lab cluster, written to `<dir>/kubeconfig` (mode 0600). */
export function writeTokenKubeconfig(dir: string, tokens: Record<LabName, string>): string {
  const file = path.join(dir, 'kubeconfig');
  fs.writeFileSync(file, tokenKubeConfig(tokens).exportConfig(), { mode: 0o600 });
  return file;
}

/**
 * A platform config (env `lab`) whose clusters use the given contexts/kubeconfig, with the lab's facts
 * as platform.config.ts gives them (a comparison with the admin run must differ only in credentials).
 */
export function writeLabConfig(
  dir: string,
  kubeconfig: string,
  contextOf: (n: LabName) => string,
  facts: (n: LabName) => Record<string, unknown> = labFacts,
): string {
  const file = path.join(dir, 'platform.config.ts');
  const clusters = Object.fromEntries(
    CLUSTERS.map((n) => [n, { context: contextOf(n), kubeconfig, facts: facts(n) }]),
  );
  fs.writeFileSync(
    file,
    `export default ${JSON.stringify({ defaultEnv: 'lab', evidenceDir: path.join(dir, 'evidence'), environments: { lab: { clusters } } }, null, 2)};\n`,
  );
  return file;
}

/** Every seeded credential value of the lab (.lab/services/credentials.json), raw. */
export function labSecretValues(): string[] {
  const file = path.join(REPO, '.lab', 'services', 'credentials.json');
  const out = new Set<string>();
  const visit = (v: unknown) => {
    if (typeof v === 'string') {
      if (v.length >= 12) out.add(v);
    } else if (v && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(JSON.parse(fs.readFileSync(file, 'utf8')));
  if (out.size < 3) throw new Error(`expected the lab's generated passwords in ${file}, found ${out.size}`);
  return [...out];
}

/** Where any of the values (raw or base64) appears in the texts/files: "<where>: <which #>". */
export function findSecrets(values: string[], texts: Record<string, string>, files: string[]): string[] {
  const needles = values.flatMap((v, i) => [
    { s: v, label: `secret #${i}` },
    { s: Buffer.from(v).toString('base64'), label: `secret #${i} (base64)` },
  ]);
  const hits: string[] = [];
  const scan = (where: string, text: string) => {
    for (const n of needles) if (text.includes(n.s)) hits.push(`${where}: ${n.label}`);
  };
  for (const [k, t] of Object.entries(texts)) scan(k, t);
  for (const f of files) scan(f, fs.readFileSync(f).toString('latin1'));
  return hits;
}

export function runFiles(runDir: string): string[] {
  return walk(runDir);
}

/** Namespaces carrying the run-id label (what a run creates) on a cluster. */
export async function runNamespaces(c: ClusterHandle): Promise<string[]> {
  const l = await c.core.listNamespace({ labelSelector: 'platform-validation/run-id' });
  return l.items.filter((n) => !n.metadata?.deletionTimestamp).map((n) => n.metadata!.name!);
}

/** Namespaces of one run (label value = run id, lower-cased as helpers/run writes it). */
export async function namespacesOfRun(c: ClusterHandle, runId: string): Promise<string[]> {
  const l = await c.core.listNamespace({ labelSelector: 'platform-validation/run-id' });
  const want = runId.toLowerCase();
  return l.items
    .filter((n) => (n.metadata?.labels?.['platform-validation/run-id'] ?? '').toLowerCase() === want)
    .filter((n) => !n.metadata?.deletionTimestamp)
    .map((n) => n.metadata!.name!);
}

/** `<cluster>:<check id>` -> component tag, from a run's JUnit files. */
export function components(runDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(runDir).filter((x) => /^junit-.*\.xml$/.test(x))) {
    const cluster = f.slice(6, -4);
    const xml = fs.readFileSync(path.join(runDir, f), 'utf8');
    for (const m of xml.matchAll(/<testcase name="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g)) {
      const c = /<property name="component" value="([^"]*)"/.exec(m[2]!);
      if (c) out[`${cluster}:${m[1]!.split(' ')[0]}`] = c[1]!;
    }
  }
  return out;
}

/** Check ids -> passed?, per cluster, from a run's JUnit files. */
export function outcomes(runDir: string): Record<string, 'passed' | 'failed' | 'skipped'> {
  const out: Record<string, 'passed' | 'failed' | 'skipped'> = {};
  for (const f of fs.readdirSync(runDir).filter((x) => /^junit-.*\.xml$/.test(x))) {
    const cluster = f.slice(6, -4);
    const xml = fs.readFileSync(path.join(runDir, f), 'utf8');
    for (const m of xml.matchAll(/<testcase name="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)) {
      const id = m[1]!.split(' ')[0]!;
      const body = m[3] ?? '';
      out[`${cluster}:${id}`] = /<(failure|error)\b/.test(body)
        ? 'failed'
        : /<skipped\b/.test(body)
          ? 'skipped'
          : 'passed';
    }
  }
  return out;
}

export function tmpDir(prefix: string): string {
  return testTmpDir(prefix);
}

export function readJson<T = Record<string, unknown>>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export function walk(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}
