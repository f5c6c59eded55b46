// A ClusterHandle: one named cluster, reached through one explicitly selected kube context, with
// bounded API clients. Creating it does no network I/O; proveIdentity() is the first round trip.
import {
  ApiextensionsV1Api,
  ApisApi,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  CustomObjectsApi,
  DiscoveryV1Api,
  EventsV1Api,
  KubernetesObjectApi,
  NetworkingV1Api,
  PolicyV1Api,
  RbacAuthorizationV1Api,
  ServerConfiguration,
  StorageV1Api,
  VersionApi,
  createConfiguration,
  type Configuration,
  type KubeConfig,
} from '@kubernetes/client-node';
import { createHttpLayer, keepAliveAuth } from './http.js';
import { type IdentitySpec } from './identity-spec.js';
import { loadKubeConfig } from './kubeconfig.js';
import { TouchedLog } from './touched.js';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../config/runtime.js';

export interface ClusterIdentity {
  expected: string;
  seen: string;
  serverVersion: string;
  server?: string;
}

export interface ClusterHandle {
  /** The cluster's name in the config (also the vitest project name). */
  readonly name: string;
  /** The kube context, selected explicitly (never the file's current-context). */
  readonly context: string;
  /** API server URL of that context. */
  readonly server: string;
  /** Kubeconfig files actually read. */
  readonly kubeconfigFiles: string[];
  /** KubeConfig holding only the selected context (its currentContext is that context). */
  readonly kc: KubeConfig;
  readonly configuration: Configuration;
  readonly requestTimeoutMs: number;
  /** How this cluster proves who it is (used by proveIdentity when no spec is passed). */
  readonly identitySpec?: IdentitySpec;
  /** Set by proveIdentity (or by the runner from the proven identity in the main process). */
  identity?: ClusterIdentity;
  /**
   * Objects read or written through this handle, in order: a bounded ring (the newest 500). Take
   * `touched.mark` before a check; `touched.since(mark)` is what it touched since.
   */
  readonly touched: TouchedLog;

  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  custom: CustomObjectsApi;
  objects: KubernetesObjectApi;
  apiext: ApiextensionsV1Api;
  policy: PolicyV1Api;
  networking: NetworkingV1Api;
  discovery: DiscoveryV1Api;
  storage: StorageV1Api;
  events: EventsV1Api;
  rbac: RbacAuthorizationV1Api;
  version: VersionApi;
  /** API discovery (`GET /apis`): which groups and versions the apiserver serves. */
  apis: ApisApi;
}

export interface ClusterHandleOptions {
  name: string;
  context: string;
  /** Path (or kubectl-style list). Absent: $KUBECONFIG, else ~/.kube/config. */
  kubeconfig?: string;
  /** Alias of `kubeconfig`. */
  kubeconfigPath?: string;
  identity?: IdentitySpec;
  /** Bound of every API request (default 10 s). */
  requestTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Throws ClusterAccessError (KUBECONFIG_MISSING / KUBECONFIG_INVALID / CONTEXT_MISSING) naming file(s) and context. */
export function createClusterHandle(opts: ClusterHandleOptions): ClusterHandle {
  const loaded = loadKubeConfig({
    kubeconfig: opts.kubeconfig ?? opts.kubeconfigPath,
    context: opts.context,
    cluster: opts.name,
    env: opts.env,
  });
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const touched = new TouchedLog();
  const server = loaded.cluster.server;
  const configuration = createConfiguration({
    baseServer: new ServerConfiguration(server, {}),
    authMethods: { default: keepAliveAuth(loaded.kc) },
    httpApi: createHttpLayer({
      cluster: opts.name,
      context: opts.context,
      server,
      requestTimeoutMs,
      touched,
    }),
  });
  const objects = new KubernetesObjectApi(configuration);
  // what KubernetesObjectApi.makeApiClient does: default namespace from the context
  (objects as unknown as { defaultNamespace: string }).defaultNamespace =
    loaded.context.namespace ?? 'default';
  return {
    name: opts.name,
    context: opts.context,
    server,
    kubeconfigFiles: loaded.files,
    kc: loaded.kc,
    configuration,
    requestTimeoutMs,
    identitySpec: opts.identity,
    identity: undefined,
    touched,
    core: new CoreV1Api(configuration),
    apps: new AppsV1Api(configuration),
    batch: new BatchV1Api(configuration),
    custom: new CustomObjectsApi(configuration),
    objects,
    apiext: new ApiextensionsV1Api(configuration),
    policy: new PolicyV1Api(configuration),
    networking: new NetworkingV1Api(configuration),
    discovery: new DiscoveryV1Api(configuration),
    storage: new StorageV1Api(configuration),
    events: new EventsV1Api(configuration),
    rbac: new RbacAuthorizationV1Api(configuration),
    version: new VersionApi(configuration),
    apis: new ApisApi(configuration),
  };
}

/** "cluster "infra" (context "lab-infra", server https://…)" for messages. */
export function where(cluster: Pick<ClusterHandle, 'name' | 'context' | 'server'>): string {
  return `cluster "${cluster.name}" (context "${cluster.context}", server ${cluster.server})`;
}

/** True once proveIdentity succeeded (or the runner filled in a proven identity). */
export function identityProven(cluster: ClusterHandle): boolean {
  const id = cluster.identity;
  return !!id && id.expected.length > 0 && id.expected === id.seen;
}
