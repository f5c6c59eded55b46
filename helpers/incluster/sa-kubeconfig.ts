// In-cluster credentials as a kubeconfig: the runner selects clusters by kubeconfig + context, so an
// in-cluster run turns the pod's ServiceAccount mount into a one-context kubeconfig (client-node's
// loadFromCluster) before `pnpm test` starts. The token is referenced by file, so a projected token
// that the kubelet rotates is re-read; nothing secret is copied into the kubeconfig.
import fs from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { setting } from '../config/settings.js';

export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const IN_CLUSTER_CONTEXT = 'in-cluster';

export interface InClusterSource {
  /**
   * Prefix before /var/run/secrets/kubernetes.io/serviceaccount (client-node's loadFromCluster
   * pathPrefix; default '' = the pod's mount, or PV_SA_PREFIX). Tests point it at a directory
   * holding `token`, `ca.crt`, `namespace` under that layout.
   */
  pathPrefix?: string;
  env?: NodeJS.ProcessEnv;
}

export class InClusterError extends Error {
  override name = 'InClusterError';
}

function saDir(src: InClusterSource): string {
  const env = src.env ?? process.env;
  return `${src.pathPrefix ?? setting('PV_SA_PREFIX', env) ?? ''}${SA_DIR}`;
}

/** Whether this process runs in a pod (KUBERNETES_SERVICE_HOST and a ServiceAccount token). */
export function detectInCluster(src: InClusterSource = {}): boolean {
  const env = src.env ?? process.env;
  return !!env.KUBERNETES_SERVICE_HOST && fs.existsSync(path.join(saDir(src), 'token'));
}

/** A KubeConfig from the ServiceAccount mount; context `in-cluster`, token read from its file. */
export function inClusterKubeConfig(src: InClusterSource = {}): KubeConfig {
  const env = src.env ?? process.env;
  const dir = saDir(src);
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port)
    throw new InClusterError(
      'in-cluster mode: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set',
    );
  for (const f of ['token', 'ca.crt', 'namespace']) {
    if (!fs.existsSync(path.join(dir, f)))
      throw new InClusterError(`in-cluster mode: ${path.join(dir, f)} does not exist (ServiceAccount mount)`);
  }
  // loadFromCluster reads the service host/port from process.env; pass the caller's env through
  const saved = { h: process.env.KUBERNETES_SERVICE_HOST, p: process.env.KUBERNETES_SERVICE_PORT };
  process.env.KUBERNETES_SERVICE_HOST = host;
  process.env.KUBERNETES_SERVICE_PORT = port;
  try {
    const kc = new KubeConfig();
    kc.loadFromCluster(src.pathPrefix ?? setting('PV_SA_PREFIX', env) ?? '');
    return renameContext(kc);
  } finally {
    restore('KUBERNETES_SERVICE_HOST', saved.h);
    restore('KUBERNETES_SERVICE_PORT', saved.p);
  }
}

function restore(k: string, v: string | undefined) {
  if (v === undefined) delete process.env[k];
  else process.env[k] = v;
}

function renameContext(kc: KubeConfig): KubeConfig {
  const ctx = kc.getContexts()[0]!;
  if (ctx.name === IN_CLUSTER_CONTEXT) return kc;
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: kc.getClusters(),
    users: kc.getUsers(),
    contexts: [{ ...ctx, name: IN_CLUSTER_CONTEXT }],
    currentContext: IN_CLUSTER_CONTEXT,
  });
  return out;
}

/** Writes the in-cluster kubeconfig (mode 0600) and returns its path. */
export function writeInClusterKubeconfig(file: string, src: InClusterSource = {}): string {
  const kc = inClusterKubeConfig(src);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}
