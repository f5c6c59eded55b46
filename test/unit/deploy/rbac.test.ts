// deploy/rbac and deploy/rbac-disruptive are `pnpm rbac` for the default environment of
// platform.config.ts (regenerated and compared here), Secrets are granted by name only, and a new
// Secret read or exec in the catalogue cannot slip past helpers/reads/access.ts unnoticed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { FILES, catalogueAccess, loadEnv, renderAll } from '../../../deploy/rbac.js';
import type { ResolvedEnvironment } from '../../../helpers/config/index.js';
import { ROOT, tmpDir, writeConfig } from '../harness.js';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
}
interface Doc {
  kind: string;
  metadata: { name: string; namespace?: string };
  rules?: Rule[];
  roleRef?: { kind: string; name: string };
  spec?: { variables?: { name: string; expression: string }[] };
}

function docs(text: string): Doc[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as Doc | null)
    .filter((d): d is Doc => !!d);
}

const shippedEnv = () => loadEnv(path.join(ROOT, 'platform.config.ts'));

describe('pnpm rbac (deploy/rbac.ts)', () => {
  it('deploy/rbac and deploy/rbac-disruptive are what pnpm rbac renders from platform.config.ts', async () => {
    const env = await shippedEnv();
    const files = renderAll(env);
    for (const [rel, text] of Object.entries(files)) {
      const shipped = fs.readFileSync(path.join(ROOT, 'deploy', rel), 'utf8');
      expect(shipped, `deploy/${rel} is stale: run pnpm rbac --out deploy`).toBe(text);
    }
    // no other file in those directories: kubectl apply -f <dir> would apply it too
    const listed = ['rbac', 'rbac-disruptive'].flatMap((d) =>
      fs.readdirSync(path.join(ROOT, 'deploy', d)).map((f) => `${d}/${f}`),
    );
    expect(listed.sort()).toEqual(Object.keys(files).sort());
  });

  it('grants Secrets by name only (get, never list/watch), exactly those the facts name', async () => {
    const env = await shippedEnv();
    const all = Object.values(renderAll(env)).flatMap(docs);
    const secretRules = all.flatMap((d) =>
      (d.rules ?? [])
        .filter((r) => r.resources?.some((x) => x === 'secrets' || x === '*'))
        .map((r) => ({ kind: d.kind, ns: d.metadata.namespace, ...r })),
    );
    for (const r of secretRules) {
      expect(r.kind, 'Secrets only through namespaced Roles').toBe('Role');
      expect(r.verbs).toEqual(['get']);
      expect(r.resourceNames?.length, `${r.ns}: resourceNames`).toBeGreaterThan(0);
    }
    const granted = secretRules.flatMap((r) => r.resourceNames!.map((n) => `${r.ns}/${n}`)).sort();
    const facts = env.clusters.apps!.facts;
    expect(granted).toEqual(
      [
        `${facts.flux.namespace}/${facts.flux.gitSecret}`,
        ...facts.cnpg.poolers.map((p) => `${facts.cnpg.namespace}/${p.secret}`),
        `${facts.cnpg.namespace}/${facts.cnpg.monitorSecret}`,
        `${facts.dragonfly.namespace}/${facts.dragonfly.password.name}`,
        `${facts.harbor.namespace}/${facts.harbor.credentials}`,
        // REG-HARBOR-004: harbor-core's Secret (its Redis URL), named like its ConfigMap
        `${facts.harbor.namespace}/${facts.harbor.coreConfigMap}`,
      ].sort(),
    );
    // no Role names a namespace-wide grant, nor a ClusterRole any Secret
    expect(all.filter((d) => d.kind === 'ClusterRole').flatMap((d) => d.rules ?? [])).not.toContainEqual(
      expect.objectContaining({ resources: expect.arrayContaining(['secrets']) }),
    );
  });

  it('pods/exec is granted once (policy-confined), eviction only in the opt-in, behind the marker', async () => {
    const env = await shippedEnv();
    const files = renderAll(env);
    const base = [...docs(files[FILES.roles])];
    const exec = base.filter((d) => (d.rules ?? []).some((r) => r.resources?.includes('pods/exec')));
    expect(exec.map((d) => `${d.kind} ${d.metadata.name}`)).toEqual(['ClusterRole platform-validation-run']);
    expect(base.flatMap((d) => d.rules ?? []).flatMap((r) => r.resources ?? [])).not.toContain(
      'pods/eviction',
    );
    const opt = docs(files[FILES.disruptive]);
    const role = opt.find((d) => d.kind === 'Role')!;
    expect(role.metadata.namespace).toBe('dragonfly-system');
    expect(role.rules).toEqual([
      {
        apiGroups: [''],
        resources: ['pods/eviction'],
        verbs: ['create'],
        resourceNames: ['dragonfly-0', 'dragonfly-1', 'dragonfly-2'],
      },
      { apiGroups: ['platform-validation.io'], resources: ['disruptive-checks'], verbs: ['run'] },
    ]);
    const policy = docs(files[FILES.policy]).find((d) => d.kind === 'ValidatingAdmissionPolicy')!;
    const v = Object.fromEntries(policy.spec!.variables!.map((x) => [x.name, x.expression]));
    expect(v.catalogueExec).toContain(
      "request.namespace == 'kube-system' && request.name.matches(r'^cilium-[a-z0-9]{5}$')",
    );
    expect(v.catalogueExec).toContain("object.?command.orValue([]) == ['cilium-dbg', 'status']");
    expect(v.catalogueExec).toContain("object.?command.orValue([]) == ['ceph', 'status', '-f', 'json']");
    expect(v.disruptiveEviction).toContain("request.name.matches(r'^dragonfly-[0-9]+$')");
    expect(v.disruptiveEviction).toContain(
      "authorizer.group('platform-validation.io').resource('disruptive-checks')",
    );
  });

  it('follows the facts: other names give other grants, disabled components none', async () => {
    const dir = tmpDir('pv-rbac-');
    const file = writeConfig(dir, {
      defaultEnv: 'x',
      environments: {
        x: {
          clusters: {
            infra: {
              context: 'a',
              facts: {
                cilium: { namespace: 'cilium', daemonSet: 'cilium-agent.v2' },
                flux: { gitSecret: '' },
              },
            },
            apps: {
              context: 'b',
              facts: {
                dragonfly: { password: { name: 'df-pass', key: 'p' }, name: 'cache', replicas: 2 },
                harbor: { enabled: false },
                flux: { gitSecret: '' },
                storage: { ceph: { enabled: false } },
              },
            },
          },
        },
      },
    });
    const env: ResolvedEnvironment = await loadEnv(file);
    const a = catalogueAccess(env);
    expect(a.secrets.map((s) => `${s.namespace}/${s.name}`)).not.toContain('harbor/harbor-admin');
    expect(a.secrets.map((s) => `${s.namespace}/${s.name}`)).toContain('dragonfly-system/df-pass');
    expect(a.secrets.some((s) => s.namespace === 'flux-system')).toBe(false);
    // infra's cilium is elsewhere and named differently; apps keeps the defaults: both are allowed
    expect(a.exec.map((t) => `${t.namespace} ${t.podPattern} ${t.command.join(' ')}`).sort()).toEqual([
      'cilium ^cilium-agent\\.v2-[a-z0-9]{5}$ cilium-dbg status',
      'cilium ^cilium-agent\\.v2-[a-z0-9]{5}$ cilium-dbg status -o json',
      'kube-system ^cilium-[a-z0-9]{5}$ cilium-dbg status',
      'kube-system ^cilium-[a-z0-9]{5}$ cilium-dbg status -o json',
      'rook-ceph ^rook-ceph-tools-[a-z0-9]{1,10}-[a-z0-9]{5}$ ceph status -f json', // infra still has ceph
    ]);
    expect(a.evictions).toEqual([
      expect.objectContaining({ namespace: 'dragonfly-system', pods: ['cache-0', 'cache-1'] }),
    ]);
    const files = renderAll(env);
    expect(files[FILES.policy]).toContain("request.name.matches(r'^cilium-agent\\.v2-[a-z0-9]{5}$')");
    expect(files[FILES.roles]).not.toContain('harbor-admin');
  });

  it('the CLI prints the policy first, the opt-in set apart, and refuses unknown arguments', () => {
    const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
    const run = (args: string[]) =>
      execFileSync(tsx, ['deploy/rbac.ts', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, PV_CONFIG: undefined, PV_ENV: undefined },
      });
    const out = run([]);
    expect(out.indexOf('kind: ValidatingAdmissionPolicy\n')).toBeGreaterThan(-1);
    expect(out.indexOf('kind: ValidatingAdmissionPolicy\n')).toBeLessThan(out.indexOf('kind: ClusterRole\n'));
    expect(run(['--disruptive'])).toContain('resources: [pods/eviction]');
    let code = 0;
    try {
      run(['--bogus']);
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(2);
  });
});

describe('the catalogue touches nothing outside helpers/reads/access.ts', () => {
  // a new call site of these is a new Secret read / exec: add it to access.ts (and so to the RBAC)
  const grep = (re: RegExp) =>
    ['suites', 'helpers/reads', 'helpers/probes']
      .flatMap((d) => walkTs(path.join(ROOT, d)))
      .filter((f) => re.test(fs.readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f))
      .sort();

  it('reads Secrets only where access.ts secretReads knows it', () => {
    expect(grep(/readSecretValue\(|readNamespacedSecret\(/)).toEqual([
      'helpers/probes/cnpg.ts', // facts.cnpg.poolers[].secret
      'helpers/probes/flux.ts', // facts.flux.gitSecret
      'helpers/probes/harbor.ts', // facts.harbor.credentials
      'suites/databases/dragonfly.test.ts', // facts.dragonfly.password
    ]);
  });

  it('execs outside the run namespace only with the commands access.ts names', () => {
    const files = grep(/\bexec\((k|cluster),/);
    expect(files).toEqual([
      'helpers/probes/cilium.ts', // CILIUM_STATUS_COMMAND
      'helpers/probes/storage.ts', // CEPH_STATUS_COMMAND
      'helpers/reads/connectivity.ts', // run namespace (curl, nc: ncConnect)
      'helpers/reads/gateway-http.ts', // run namespace (curl)
    ]);
    // one exec, in a private helper that every agent command goes through, called with access.ts's
    // constants only
    const cilium = fs.readFileSync(path.join(ROOT, 'helpers/probes/cilium.ts'), 'utf8');
    expect(cilium.match(/\bexec\(k,/g)).toHaveLength(1);
    expect(cilium).toContain('command: [...command]');
    expect(cilium).not.toMatch(/export (async )?function inEveryAgent/);
    expect(cilium.match(/inEveryAgent\(k, facts, [A-Z_]+\)/g)).toEqual([
      'inEveryAgent(k, facts, CILIUM_STATUS_COMMAND)',
      'inEveryAgent(k, facts, CILIUM_STATUS_JSON_COMMAND)',
    ]);
    expect(fs.readFileSync(path.join(ROOT, 'helpers/probes/storage.ts'), 'utf8')).toContain(
      'command: [...CEPH_STATUS_COMMAND]',
    );
  });
});

function walkTs(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? walkTs(path.join(dir, e.name))
        : e.name.endsWith('.ts')
          ? [path.join(dir, e.name)]
          : [],
    );
}
