// Load, validate and resolve platform.config.ts (or PV_CONFIG). Runs before any cluster is touched.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { factsSchema, type Facts } from './facts.js';
import { factsDefaults } from './reference-facts.js';
import { platformSchema, type PlatformConfigParsed } from './schema.js';
import { setting } from './settings.js';
import { DEFAULT_IDENTITY_CONFIGMAP, type ResolvedIdentity } from './identity.js';

export type { ResolvedIdentity } from './identity.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ResolvedCluster {
  name: string;
  context: string;
  /** Absolute path, or undefined (then KUBECONFIG / ~/.kube/config, like kubectl). */
  kubeconfig?: string;
  identity: ResolvedIdentity;
  facts: Facts;
}

export interface ResolvedEnvironment {
  configFile: string;
  env: string;
  clusters: Record<string, ResolvedCluster>;
  evidenceDir: string;
}

/** Which file: explicit argument, else PV_CONFIG, else <repo>/platform.config.ts. */
export function configPath(explicit?: string): string {
  const fromEnv = setting('PV_CONFIG');
  const p = explicit ?? fromEnv ?? 'platform.config.ts';
  return path.resolve(explicit || fromEnv ? process.cwd() : REPO_ROOT, p);
}

function formatIssues(
  file: string,
  issues: readonly z.core.$ZodIssue[],
  prefix: (string | number)[] = [],
): string {
  const lines = issues.map((i) => {
    const key = [...prefix, ...i.path].map(String).join('.') || '(root)';
    let msg = i.message;
    if (i.code === 'unrecognized_keys') msg = `unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    else if (i.code === 'invalid_key') msg = `expected ${i.issues.map((x) => x.message).join('; ')}`;
    else if (!/^(Invalid input: )?expected/i.test(msg)) msg = `expected ${msg}`;
    return `  ${key}: ${msg.replace(/^Invalid input: /, '')}`;
  });
  return `${file}: invalid configuration\n${lines.join('\n')}`;
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? deepMerge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** Import and validate the config file; throws ConfigError naming the file, key path and expectation. */
/** Loads a TypeScript module: what the entry's launcher hands over (bin/launch.mjs). */
export type ImportTs = (file: string) => Promise<unknown>;

export async function loadPlatformConfig(
  file = configPath(),
  /** `pnpm test` hands over its compiled-bundle importer (bin/launch.mjs: no tsx loader in its main process) */
  importTs?: ImportTs,
): Promise<PlatformConfigParsed & { file: string }> {
  if (!existsSync(file)) {
    throw new ConfigError(
      `${file}: configuration file not found${setting('PV_CONFIG') ? ' (from PV_CONFIG)' : ''}; expected a platform.config.ts exporting definePlatform({...})`,
    );
  }
  let mod: { default?: unknown };
  try {
    mod = (await (importTs
      ? importTs(file)
      : (await import('tsx/esm/api')).tsImport(file, import.meta.url))) as { default?: unknown };
  } catch (e) {
    throw new ConfigError(`${file}: cannot load configuration: ${(e as Error).message}`);
  }
  const raw = (mod.default as { default?: unknown } | undefined)?.default ?? mod.default;
  // files outside an ESM package load as CommonJS: their "default" is then the object of named exports
  const named = Object.keys(mod).filter((k) => k !== 'default' && k !== 'module.exports');
  const onlyNamed =
    raw !== null &&
    typeof raw === 'object' &&
    named.length > 0 &&
    Object.keys(raw).every((k) => named.includes(k)) &&
    !('environments' in raw);
  if (raw === undefined || onlyNamed) {
    throw new ConfigError(`${file}: expected a default export (export default definePlatform({...}))`);
  }
  const parsed = platformSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(formatIssues(file, parsed.error.issues));
  return { ...parsed.data, file };
}

/** --env flag, else PV_ENV, else the config's defaultEnv. */
export function selectEnv(
  config: { defaultEnv: string; file: string; environments: Record<string, unknown> },
  flag?: string,
): string {
  const [name, source] = flag
    ? [flag, '--env']
    : setting('PV_ENV')
      ? [setting('PV_ENV')!, 'PV_ENV']
      : [config.defaultEnv, 'defaultEnv'];
  if (!(name in config.environments)) {
    throw new ConfigError(
      `${config.file}: environment "${name}" (from ${source}) is not defined; expected one of: ${Object.keys(config.environments).join(', ')}`,
    );
  }
  return name;
}

/** Resolve one environment: absolute kubeconfig paths, identity defaults, facts with defaults. */
export function resolveEnvironment(
  config: PlatformConfigParsed & { file: string },
  env: string,
): ResolvedEnvironment {
  const e = config.environments[env];
  if (!e) throw new ConfigError(`${config.file}: environment "${env}" is not defined`);
  const dir = path.dirname(config.file);
  const clusters: Record<string, ResolvedCluster> = {};
  for (const [name, c] of Object.entries(e.clusters)) {
    const expected = c.identity?.expected ?? e.identity?.expected ?? name;
    // a cluster's own identity kind wins over the environment's
    const nodeLabel = c.identity?.nodeLabel ?? (c.identity?.configMap ? undefined : e.identity?.nodeLabel);
    const cm = {
      ...DEFAULT_IDENTITY_CONFIGMAP,
      ...e.identity?.configMap,
      ...c.identity?.configMap,
    };
    const identity: ResolvedIdentity = nodeLabel
      ? { kind: 'nodeLabel', key: nodeLabel.key, expected }
      : { kind: 'configMap', namespace: cm.namespace, name: cm.name, key: cm.key, expected };
    const factsIn = deepMerge(factsDefaults(name), c.facts ?? {});
    const facts = factsSchema.safeParse(factsIn);
    if (!facts.success) {
      throw new ConfigError(
        formatIssues(config.file, facts.error.issues, ['environments', env, 'clusters', name, 'facts']),
      );
    }
    clusters[name] = {
      name,
      context: c.context,
      kubeconfig: c.kubeconfig ? path.resolve(dir, c.kubeconfig) : undefined,
      identity,
      facts: facts.data as Facts,
    };
  }
  return { configFile: config.file, env, clusters, evidenceDir: path.resolve(REPO_ROOT, config.evidenceDir) };
}

/** Everything at once: load, pick the environment, resolve it. */
export async function loadEnvironment(
  opts: { file?: string; env?: string } = {},
): Promise<ResolvedEnvironment> {
  const config = await loadPlatformConfig(configPath(opts.file));
  return resolveEnvironment(config, selectEnv(config, opts.env));
}
