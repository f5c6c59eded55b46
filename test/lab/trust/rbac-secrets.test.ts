// Least privilege and secrets, proven against the lab's real API servers (RBAC + admission enforced):
// the whole catalogue run with a token of the deploy/rbac ServiceAccount gives the same results as
// with the lab admin; mutations outside a run-owned namespace are refused (403); no seeded secret
// value reaches stdout, JUnit, run.json, attachments or report.html, in a passing and in a failing run.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { createClusterHandle, type ClusterHandle } from '../../../helpers/cluster/index.js';
import { writeReport } from '../../../reports/html/index.js';
import { runPv, type PvResult } from './proc.js';
import {
  CLUSTERS,
  REPO,
  adminHandle,
  applyRbac,
  components,
  findSecrets,
  labSecretValues,
  mintToken,
  outcomes,
  runFiles,
  writeLabConfig,
  writeTokenKubeconfig,
  type LabName,
  tmpDir,
} from './lib.js';

const RUN_MS = 900_000;

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
    const labels = { 'platform-validation/owned': 'true', 'platform-validation/run-id': ns.slice(7) };
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
      expect(
        await status(c.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'x' } } })),
      ).toBe(403);
    } finally {
      expect(await status(c.core.deleteNamespace({ name: ns }))).toBe(200);
    }
  });

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
      // no failure of the restricted run is a refusal
      const junit = fs
        .readdirSync(restricted.runDir!)
        .filter((f) => f.startsWith('junit-'))
        .map((f) => fs.readFileSync(path.join(restricted.runDir!, f), 'utf8'))
        .join('\n');
      expect(junit).not.toMatch(/forbidden|\b403\b/i);
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
