// Plumbing of the trust tests: lab admin handles, applying deploy/rbac, minting ServiceAccount
// tokens (TokenRequest), kubeconfigs/configs for a token identity, the lab's seeded secret values,
// run-owned namespace counts and a scan of a run's outputs for secrets.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
import { labFacts } from '../../../helpers/config/facts.js';
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

/**
 * Applies every document of deploy/rbac (server-side apply). A namespaced object whose namespace
 * does not exist on that cluster (e.g. a Secrets RoleBinding for an apps-only namespace on infra)
 * is skipped and returned, as `kubectl apply` would fail on it and go on.
 */
export async function applyRbac(c: ClusterHandle): Promise<{ applied: string[]; skipped: string[] }> {
  const api = KubernetesObjectApi.makeApiClient(c.kc);
  const applied: string[] = [];
  const skipped: string[] = [];
  const dir = path.join(REPO, 'deploy', 'rbac');
  for (const f of fs
    .readdirSync(dir)
    .filter((x) => x.endsWith('.yaml'))
    .sort()) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) {
      const obj = doc.toJS() as KubernetesObject | null;
      if (!obj?.kind) continue;
      const ref = `${obj.kind} ${obj.metadata?.namespace ? obj.metadata.namespace + '/' : ''}${obj.metadata?.name}`;
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
  }
  await waitForRunScopeEnforced(c);
  return { applied, skipped };
}

/**
 * The API server enforces a newly stored ValidatingAdmissionPolicy a moment later (its admission
 * plugin learns policies through a watch); until then the ServiceAccount's write grants are
 * cluster-wide. Waits until a server-side dry-run Service create in `default` with the
 * ServiceAccount's token is refused by the policy, as deploy/README.md tells users to.
 */
export async function waitForRunScopeEnforced(admin: ClusterHandle, timeoutMs = 30_000): Promise<void> {
  const name = admin.name as LabName;
  const core = tokenKubeConfig({ [name]: await mintToken(admin, 600) }).makeApiClient(CoreV1Api);
  await vi.waitFor(
    async () => {
      const answer = await core
        .createNamespacedService({
          namespace: 'default',
          body: { metadata: { name: 'pv-trust-policy-probe' }, spec: { ports: [{ port: 80 }] } },
          dryRun: 'All',
        })
        .then(
          () => ({ code: 200, body: 'the dry-run create was allowed' }),
          (e: unknown) =>
            e instanceof ApiException ? { code: e.code, body: String(e.body) } : { code: 0, body: String(e) },
        );
      if (answer.code !== 403 || !answer.body.includes('run-owned namespaces'))
        throw new Error(
          `${name}: the run-scope admission policy does not refuse a dry-run Service create in default yet (HTTP ${answer.code}: ${answer.body.slice(0, 200)})`,
        );
    },
    { timeout: timeoutMs, interval: 250 },
  );
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
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
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
