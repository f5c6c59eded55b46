// Loads kubeconfig file(s) and selects a context EXPLICITLY. The file's current-context is never used:
// a run against the wrong cluster because someone ran `kubectl config use-context` is the risk (TECH-002).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
import { isSecretKeyName, redact, registerSecret } from '../evidence/redact.js';
import { ClusterAccessError, errorText } from './errors.js';

export interface KubeconfigSource {
  /** Explicit path (or a kubectl-style list joined with path.delimiter). */
  kubeconfig?: string;
  /** Environment to read KUBECONFIG from (tests pass their own). */
  env?: NodeJS.ProcessEnv;
}

/** The files kubectl would read: explicit path, else $KUBECONFIG (list), else ~/.kube/config. */
export function kubeconfigFiles(src: KubeconfigSource = {}): string[] {
  const env = src.env ?? process.env;
  const raw = src.kubeconfig ?? env.KUBECONFIG;
  if (raw && raw.length > 0) {
    return raw
      .split(path.delimiter)
      .filter((f) => f.length > 0)
      .map((f) => path.resolve(f));
  }
  return [path.join(env.HOME ?? os.homedir(), '.kube', 'config')];
}

export interface LoadedKubeConfig {
  kc: KubeConfig;
  files: string[];
  cluster: Cluster;
  user: User;
  context: Context;
}

/**
 * Loads the kubeconfig and returns a KubeConfig whose current context is `context`.
 * Merging follows kubectl: files in order, the first definition of a name wins; a listed file that does
 * not exist is skipped, but at least one must exist.
 */
export function loadKubeConfig(
  opts: KubeconfigSource & { context: string; cluster?: string },
): LoadedKubeConfig {
  const files = kubeconfigFiles(opts);
  const label = opts.cluster ? `cluster "${opts.cluster}": ` : '';
  const existing = files.filter((f) => fs.existsSync(f));
  if (existing.length === 0) {
    throw new ClusterAccessError(
      'KUBECONFIG_MISSING',
      `${label}kubeconfig ${files.map((f) => `"${f}"`).join(', ')} does not exist (needed for context "${opts.context}")`,
      { cluster: opts.cluster, context: opts.context, files },
    );
  }

  const clusters: Cluster[] = [];
  const users: User[] = [];
  const contexts: Context[] = [];
  const firstWins = <T extends { name: string }>(into: T[], items: T[]) => {
    for (const it of items) if (!into.some((x) => x.name === it.name)) into.push(it);
  };
  for (const file of existing) {
    const one = new KubeConfig();
    try {
      one.loadFromFile(file);
    } catch (err) {
      registerCredentialsInText(file);
      const yaml = yamlError(err);
      throw new ClusterAccessError(
        'KUBECONFIG_INVALID',
        `${label}kubeconfig "${file}" cannot be read as a kubeconfig: ${yaml ? yaml.text : redact(errorText(err))}`,
        { cluster: opts.cluster, context: opts.context, files: existing },
        // a YAML error carries the file's content (its mark's buffer and snippet): never passed on
        yaml ? undefined : { cause: err },
      );
    }
    for (const u of one.getUsers() ?? []) registerUserCredentials(u);
    firstWins(clusters, one.getClusters() ?? []);
    firstWins(users, one.getUsers() ?? []);
    firstWins(contexts, one.getContexts() ?? []);
  }

  const where = existing.map((f) => `"${f}"`).join(', ');
  const ctx = contexts.find((c) => c.name === opts.context);
  if (!ctx) {
    const available = contexts.map((c) => c.name);
    throw new ClusterAccessError(
      'CONTEXT_MISSING',
      `${label}kube context "${opts.context}" is not in kubeconfig ${where}; available contexts: ${
        available.length ? available.join(', ') : '(none)'
      }`,
      { cluster: opts.cluster, context: opts.context, files: existing },
    );
  }
  const cluster = clusters.find((c) => c.name === ctx.cluster);
  const user = users.find((u) => u.name === ctx.user);
  if (!cluster || !user) {
    const missing = !cluster ? `cluster "${ctx.cluster}"` : `user "${ctx.user}"`;
    throw new ClusterAccessError(
      'KUBECONFIG_INVALID',
      `${label}kube context "${opts.context}" in kubeconfig ${where} refers to ${missing}, which is not defined there`,
      { cluster: opts.cluster, context: opts.context, files: existing },
    );
  }

  const kc = new KubeConfig();
  // Only the selected context and what it references: nothing else in the files can be picked by accident.
  kc.loadFromOptions({ clusters: [cluster], users: [user], contexts: [ctx], currentContext: ctx.name });
  return { kc, files: existing, cluster, user, context: ctx };
}

/**
 * A js-yaml error (client-node parses with js-yaml) as `<reason> at line L, column C`. Its message
 * holds a snippet of the offending line and its mark the whole file: a token on that line would
 * otherwise reach stdout, run.json and the JUnit.
 */
export function yamlError(err: unknown): { text: string; line?: number; column?: number } | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { name?: unknown; reason?: unknown; mark?: { line?: unknown; column?: unknown } };
  if (e.name !== 'YAMLException' && !e.mark) return undefined;
  const reason = typeof e.reason === 'string' && e.reason ? e.reason : 'invalid YAML';
  const line = typeof e.mark?.line === 'number' ? e.mark.line + 1 : undefined;
  const column = typeof e.mark?.column === 'number' ? e.mark.column + 1 : undefined;
  // the reason is js-yaml's own fixed text; redacted all the same (defence in depth)
  const where =
    line !== undefined ? ` at line ${line}${column !== undefined ? `, column ${column}` : ''}` : '';
  return { text: `${redact(reason)}${where}`, line, column };
}

/**
 * Registers the credentials a kubeconfig user holds, so that they are masked in everything written
 * (and, from a worker, in the main process's reports): token (also read from token-file), client key
 * (client-key-data, or the client-key file's content), basic-auth password, auth-provider tokens and
 * secrets, exec env values named like credentials.
 */
export function registerUserCredentials(u: User): void {
  registerSecret(u.token);
  registerSecret(u.password);
  registerSecret(u.keyData);
  if (u.keyFile) {
    try {
      const st = fs.statSync(u.keyFile);
      if (st.isFile() && st.size <= 1024 * 1024) registerSecret(fs.readFileSync(u.keyFile, 'utf8'));
    } catch {
      // unreadable: client-node reports it when it uses the file
    }
  }
  const cfg = (u.authProvider as { config?: Record<string, unknown> } | undefined)?.config;
  for (const [k, v] of Object.entries(cfg ?? {})) {
    if (typeof v === 'string' && isSecretKeyName(k)) registerSecret(v);
  }
  const env = (u.exec as { env?: { name?: unknown; value?: unknown }[] } | undefined)?.env;
  for (const e of Array.isArray(env) ? env : []) {
    if (typeof e?.name === 'string' && typeof e.value === 'string' && isSecretKeyName(e.name))
      registerSecret(e.value);
  }
}

/**
 * A file that does not parse still holds its credentials: best effort, every `key: value` line whose
 * key names a credential has its value registered (whole, and its first word without trailing `:`).
 */
function registerCredentialsInText(file: string): void {
  let text: string;
  try {
    const st = fs.statSync(file);
    if (!st.isFile() || st.size > 4 * 1024 * 1024) return;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return;
  }
  for (const line of text.split(/\r?\n/)) {
    const m = /^[ \t]*(?:-[ \t]+)?["']?([A-Za-z0-9_.-]+)["']?[ \t]*:[ \t]*(.+?)[ \t]*$/.exec(line);
    if (!m || !isSecretKeyName(m[1]!)) continue;
    const v = m[2]!.replace(/^["']|["']$/g, '');
    registerSecret(v);
    registerSecret(v.split(/\s/)[0]!.replace(/[:,]+$/, ''));
  }
}
