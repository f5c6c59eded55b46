// Loads kubeconfig file(s) and selects a context EXPLICITLY. The file's current-context is never used:
// a run against the wrong cluster because someone ran `kubectl config use-context` is the risk (TECH-002).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KubeConfig, type Cluster, type Context, type User } from '@kubernetes/client-node';
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
      throw new ClusterAccessError(
        'KUBECONFIG_INVALID',
        `${label}kubeconfig "${file}" cannot be read as a kubeconfig: ${errorText(err)}`,
        { cluster: opts.cluster, context: opts.context, files: existing },
        { cause: err },
      );
    }
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
