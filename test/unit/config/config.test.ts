import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadPlatformConfig,
  resolveEnvironment,
  selectEnv,
} from '../../../helpers/config/index.js';
import { ROOT, runPv, tmpDir, writeConfig } from '../harness.js';

const good = {
  defaultEnv: 'lab',
  environments: {
    lab: {
      clusters: {
        infra: { context: 'lab-infra', kubeconfig: '.lab/kubeconfig' },
        apps: { context: 'lab-apps' },
      },
    },
    prod: {
      identity: { configMap: { namespace: 'kube-system', name: 'whoami' } },
      clusters: {
        infra: { context: 'infra', identity: { expected: 'infra-prod' } },
        apps: { context: 'apps', facts: { cilium: { namespace: 'cilium' } } },
      },
    },
  },
};

async function loadError(config: unknown): Promise<string> {
  const file = writeConfig(tmpDir(), config);
  try {
    await loadPlatformConfig(file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const msg = (e as Error).message;
    expect(msg).toContain(file); // always names the file
    return msg;
  }
  throw new Error('expected the configuration to be rejected');
}

describe('platform config validation', () => {
  it('accepts the repository platform.config.ts and resolves the lab environment', async () => {
    const cfg = await loadPlatformConfig(path.join(ROOT, 'platform.config.ts'));
    const env = resolveEnvironment(cfg, 'lab');
    expect(Object.keys(env.clusters)).toEqual(['infra', 'apps']);
    expect(env.clusters.infra).toMatchObject({
      context: 'lab-infra',
      kubeconfig: path.join(ROOT, '.lab/kubeconfig'),
      identity: {
        kind: 'configMap',
        namespace: 'flux-system',
        name: 'cluster-settings',
        key: 'CLUSTER',
        expected: 'infra',
      },
    });
    expect(env.clusters.apps!.facts).toBeTypeOf('object');
  });

  it('resolves identity defaults per env/cluster, kubeconfig relative to the file, facts over defaults', async () => {
    const dir = tmpDir();
    const cfg = await loadPlatformConfig(writeConfig(dir, good));
    const prod = resolveEnvironment(cfg, 'prod');
    expect(prod.clusters.infra!.identity).toEqual({
      kind: 'configMap',
      namespace: 'kube-system',
      name: 'whoami',
      key: 'CLUSTER',
      expected: 'infra-prod',
    });
    expect(prod.clusters.apps!.identity).toMatchObject({ expected: 'apps' });
    expect(prod.clusters.infra!.kubeconfig).toBeUndefined(); // -> KUBECONFIG / ~/.kube/config, like kubectl
    expect((prod.clusters.apps!.facts as { cilium?: { namespace?: string } }).cilium?.namespace).toBe(
      'cilium',
    );
    expect(resolveEnvironment(cfg, 'lab').clusters.infra!.kubeconfig).toBe(path.join(dir, '.lab/kubeconfig'));
  });

  it('names the key path and what was expected', async () => {
    const noContext = structuredClone(good) as {
      environments: { lab: { clusters: { infra: Record<string, unknown> } } };
    };
    delete noContext.environments.lab.clusters.infra.context;
    expect(await loadError(noContext)).toMatch(
      /environments\.lab\.clusters\.infra\.context: expected string, received undefined/,
    );

    expect(await loadError({ ...good, defaultEnv: 'staging' })).toMatch(
      /defaultEnv: expected one of the environments \(lab, prod\), got "staging"/,
    );

    const typo = structuredClone(good) as {
      environments: { lab: { clusters: { infra: Record<string, unknown> } } };
    };
    typo.environments.lab.clusters.infra.kubeconfg = 'x';
    expect(await loadError(typo)).toMatch(/environments\.lab\.clusters\.infra: unknown key\(s\) "kubeconfg"/);

    expect(
      await loadError({ ...good, environments: { lab: { clusters: { Infra_1: { context: 'x' } } } } }),
    ).toMatch(/environments\.lab\.clusters\.Infra_1.*a cluster name: lowercase/);
    expect(
      await loadError({ ...good, environments: { lab: { clusters: { unit: { context: 'x' } } } } }),
    ).toMatch(/reserved project names/);
    expect(await loadError({ defaultEnv: 'lab', environments: { lab: { clusters: {} } } })).toMatch(
      /environments\.lab\.clusters: expected at least one cluster/,
    );
  });

  it('facts overrides are a deep-partial of the facts schema: a misspelt key or a wrong value names its path', async () => {
    const withFacts = (facts: unknown) => {
      const c = structuredClone(good) as {
        environments: { prod: { clusters: { apps: Record<string, unknown> } } };
      };
      c.environments.prod.clusters.apps.facts = facts;
      return c;
    };
    // rejected when the file is loaded, whichever environment is selected (defaultEnv is lab here)
    expect(await loadError(withFacts({ cilium: { namspace: 'cilium' } }))).toMatch(
      /environments\.prod\.clusters\.apps\.facts\.cilium: unknown key\(s\) "namspace"/,
    );
    expect(await loadError(withFacts({ cilum: { namespace: 'cilium' } }))).toMatch(
      /environments\.prod\.clusters\.apps\.facts: unknown key\(s\) "cilum"/,
    );
    expect(await loadError(withFacts({ cilium: { wireguard: 'yes' } }))).toMatch(
      /environments\.prod\.clusters\.apps\.facts\.cilium\.wireguard: expected boolean, received string/,
    );
    // a partial override at any depth is fine and merges over the defaults
    const cfg = await loadPlatformConfig(
      writeConfig(tmpDir(), withFacts({ cilium: { hubbleRelay: { port: 4245 } } })),
    );
    expect(resolveEnvironment(cfg, 'prod').clusters.apps!.facts.cilium.hubbleRelay).toEqual({
      service: 'hubble-relay',
      port: 4245,
    });
  });

  it('rejects a missing file and a file without a default export', async () => {
    await expect(loadPlatformConfig('/nonexistent/platform.config.ts')).rejects.toThrow(
      /\/nonexistent\/platform\.config\.ts: configuration file not found/,
    );
    const dir = tmpDir();
    const file = path.join(dir, 'x.config.ts');
    (await import('node:fs')).writeFileSync(file, 'export const x = 1;\n');
    await expect(loadPlatformConfig(file)).rejects.toThrow(/expected a default export/);
  });
});

describe('environment selection: --env, else PV_ENV, else defaultEnv', () => {
  const saved = process.env.PV_ENV;
  afterEach(() => {
    if (saved === undefined) delete process.env.PV_ENV;
    else process.env.PV_ENV = saved;
  });
  const cfg = {
    defaultEnv: 'lab',
    file: '/x/platform.config.ts',
    environments: { lab: {}, prod: {}, stage: {} },
  };

  it('applies the precedence', () => {
    delete process.env.PV_ENV;
    expect(selectEnv(cfg)).toBe('lab');
    process.env.PV_ENV = 'prod';
    expect(selectEnv(cfg)).toBe('prod');
    expect(selectEnv(cfg, 'stage')).toBe('stage');
  });

  it('names the source of an unknown environment', () => {
    process.env.PV_ENV = 'nope';
    expect(() => selectEnv(cfg)).toThrow(
      /environment "nope" \(from PV_ENV\) is not defined; expected one of: lab, prod, stage/,
    );
    expect(() => selectEnv(cfg, 'bogus')).toThrow(/"bogus" \(from --env\)/);
  });
});

describe('pnpm test rejects bad input before touching any cluster', () => {
  it('bad config: exit 2, file + key + expectation on stderr', async () => {
    const dir = tmpDir();
    const file = writeConfig(dir, {
      defaultEnv: 'lab',
      environments: { lab: { clusters: { infra: { context: 42 } } } },
    });
    const r = await runPv([], { PV_CONFIG: file });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/environments\.lab\.clusters\.infra\.context: expected string, received number/);
    expect(r.stdout).not.toMatch(/^run /m);
  });

  it('unknown --env, unknown --project and unknown --grep tag: exit 2 with the known names, no run directory', async () => {
    const dir = tmpDir();
    const ev = path.join(dir, 'evidence');
    const file = writeConfig(dir, { ...good, evidenceDir: ev });
    const env = await runPv(['--env', 'staging'], { PV_CONFIG: file });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(
      /environment "staging" \(from --env\) is not defined; expected one of: lab, prod/,
    );
    const proj = await runPv(['--project', 'infra', '--project', 'edge'], { PV_CONFIG: file });
    expect(proj.code).toBe(2);
    expect(proj.stderr).toMatch(/unknown project\(s\) "edge".*has clusters infra, apps/);
    const grep = await runPv(['--grep', 'P0 && bogus'], { PV_CONFIG: file });
    expect(grep.code).toBe(2);
    expect(grep.stderr).toMatch(
      /unknown tag "bogus" in --grep; known tags: P0, P1, P2,.*dragonfly.*disruptive/,
    );
    expect((await import('node:fs')).existsSync(ev)).toBe(false);
  });

  it('a malformed PV_* setting: exit 2 naming it and what was expected, no run directory', async () => {
    const dir = tmpDir();
    const ev = path.join(dir, 'evidence');
    const file = writeConfig(dir, { ...good, evidenceDir: ev });
    const r = await runPv([], { PV_CONFIG: file, PV_REQUEST_TIMEOUT_MS: '10s', PV_ISOLATE: 'yes' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /PV_REQUEST_TIMEOUT_MS="10s": expected positive number \(ms\); PV_ISOLATE="yes": expected 0 or 1/,
    );
    expect((await import('node:fs')).existsSync(ev)).toBe(false);
  });
});
