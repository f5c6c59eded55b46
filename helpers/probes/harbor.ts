// The mechanisms of the Harbor checks (suites/registry/harbor.test.ts): its health API, and a
// generated image's push, pull-back and deletion (manifest, then the repository through Harbor's
// API) in a run-owned repository, as one comparable session log. Both through a tunnel to
// harbor-core; the image session with the credentials Secret of facts.harbor.credentials.
import type { Facts } from '../config/index.js';
import type { CheckEvidence, RunContext } from '../check/index.js';
import { SecretReadError, type ClusterHandle } from '../cluster/index.js';
import { registerSecret } from '../evidence/redact.js';
import { readSecretValue } from '../reads/k8s.js';
import { HarborApi, RegistryClient, tinyImage, type TinyImage } from '../reads/oci.js';
import { withTunnel } from '../reads/tunnel.js';
import { sweepRunOwned } from '../run/sweep-owned.js';

type Harbor = Facts['harbor'];

export interface HarborHealth {
  /** the HTTP status of GET /api/v2.0/health */
  http: number;
  status?: string;
  components?: { name: string; status: string; error?: string }[];
}

const service = (h: Harbor) =>
  ({ kind: 'Service', namespace: h.namespace, name: h.service, port: h.port }) as const;

/** GET /api/v2.0/health on harbor-core, with the HTTP status. */
export async function harborHealth(k: ClusterHandle, h: Harbor): Promise<HarborHealth> {
  return withTunnel(k, service(h), async (t) => {
    const res = await fetch(`http://${t.host}:${t.port}/api/v2.0/health`, {
      signal: AbortSignal.timeout(15_000),
    });
    return { http: res.status, ...((await res.json()) as Omit<HarborHealth, 'http'>) };
  });
}

/** One component of harbor-core's health API, and how it reads (`healthy`, `unhealthy (<error>)`, `missing`). */
export async function harborComponent(
  k: ClusterHandle,
  h: Harbor,
  name: string,
): Promise<{ component?: { name: string; status: string; error?: string }; reads: string }> {
  const component = (await harborHealth(k, h)).components?.find((c) => c.name === name);
  const reads = component
    ? `${component.status}${component.error ? ` (${component.error})` : ''}`
    : 'missing';
  return { component, reads };
}

/** `<component>: <status> (<error>)` for each component not healthy. */
export function unhealthyComponents(body: HarborHealth): string[] {
  return (body.components ?? [])
    .filter((c) => c.status !== 'healthy')
    .map((c) => `${c.name}: ${c.status}${c.error ? ` (${c.error})` : ''}`);
}

/**
 * Why REG-HARBOR-001 fails on a health answer: each unhealthy component, an overall status other
 * than `healthy`, an HTTP status other than 200, or no component listed at all. Empty when healthy.
 */
export function harborHealthProblems(body: HarborHealth): string[] {
  const problems = unhealthyComponents(body).map((c) => `unhealthy component ${c}`);
  if (body.http !== 200) problems.push(`GET /api/v2.0/health answered HTTP ${body.http}`);
  if (body.status !== 'healthy') problems.push(`overall status ${JSON.stringify(body.status ?? null)}`);
  if (!body.components?.length) problems.push('no components in the health answer');
  return problems;
}

export type ImageRegistry = Pick<
  RegistryClient,
  'pushBlob' | 'pushManifest' | 'pullManifest' | 'deleteManifest' | 'tags'
>;
export type RepositoryApi = Pick<HarborApi, 'listRepositories' | 'deleteRepository' | 'getRepository'>;

export interface ImageSession {
  /** <project>/<repository> */
  repository: string;
  tag: string;
  /** the digest of the generated manifest */
  expectedDigest: string;
  pushedDigest?: string;
  pulledDigest?: string;
  pulledHeaderDigest?: string;
  deleteError?: string;
  /** the tags left after the manifest delete, or `tags failed: ...` */
  tagsAfterDelete?: string[] | string;
  /** 'deleted' | 'absent', or `delete failed: ...` */
  repositoryDelete?: string;
  /** 'not found (404)', Harbor's record of it, or `get failed: ...` */
  repositoryAfterDelete?: unknown;
}

/**
 * Sweeps expired pv-image repositories of the project, pushes `image` (layer, config, manifest
 * tagged `tag`) to `<project>/<repoName>`, pulls the manifest back, deletes it, lists the tags,
 * deletes the repository (also after a half-way push: blobs may have created it) and asks Harbor
 * for it again. Throws when the push or pull fails (after the deletes).
 */
export async function imageLifecycle(
  reg: ImageRegistry,
  harbor: RepositoryApi,
  target: { project: string; repoName: string; tag: string; image: TinyImage },
  run: RunContext,
  evidence: CheckEvidence,
): Promise<ImageSession> {
  const { project, repoName, tag, image } = target;
  const repository = `${project}/${repoName}`;
  const out: ImageSession = { repository, tag, expectedDigest: image.manifest.digest };
  let pushed: string | undefined;
  await sweepRunOwned(evidence, {
    kind: 'registry repository',
    prefixes: ['pv-image'],
    list: () => harbor.listRepositories(project, 'pv-image-'),
    remove: (r) => harbor.deleteRepository(project, r),
  });
  const release = run.cleanup(`delete repository ${repository}`, () =>
    harbor.deleteRepository(project, repoName),
  );
  try {
    await reg.pushBlob(image.layer);
    await reg.pushBlob(image.config);
    pushed = await reg.pushManifest(tag, image.manifest, image.mediaType);
    out.pushedDigest = pushed;
    const pulled = await reg.pullManifest(tag, image.mediaType);
    out.pulledDigest = pulled.digest;
    out.pulledHeaderDigest = pulled.headerDigest;
  } finally {
    if (pushed) await reg.deleteManifest(pushed).catch((e: Error) => (out.deleteError = e.message));
    out.tagsAfterDelete = await reg.tags().catch((e: Error) => `tags failed: ${e.message}`);
    out.repositoryDelete = await harbor
      .deleteRepository(project, repoName)
      .catch((e: Error) => `delete failed: ${e.message}`);
    out.repositoryAfterDelete = await harbor
      .getRepository(project, repoName)
      .then((r) => (r === undefined ? 'not found (404)' : r))
      .catch((e: Error) => `get failed: ${e.message}`);
    if (out.repositoryAfterDelete === 'not found (404)') release();
  }
  return out;
}

/**
 * imageLifecycle for a tiny image holding the run id, tagged `pv`, in a run-owned repository
 * (`pv-image-<run>`) of facts.harbor.project, with the username/password of the credentials Secret.
 */
export async function imageRoundTrip(
  k: ClusterHandle,
  h: Harbor,
  run: RunContext,
  evidence: CheckEvidence,
): Promise<ImageSession> {
  const username = await readSecretValue(k, h.namespace, h.credentials, 'username');
  const password = await readSecretValue(k, h.namespace, h.credentials, 'password');
  const repoName = run.name('pv-image');
  const target = {
    project: h.project,
    repoName,
    tag: 'pv',
    image: tinyImage(`platform-validation ${run.id}`),
  };
  return withTunnel(k, service(h), (t) => {
    const opts = { baseUrl: `http://${t.host}:${t.port}`, username, password };
    const reg = new RegistryClient(opts, `${h.project}/${repoName}`);
    return imageLifecycle(reg, new HarborApi(opts), target, run, evidence);
  });
}

/**
 * AC9.4 "Harbor using external PostgreSQL (harbor-pooler)": the database settings of harbor-core's
 * ConfigMap (the chart's DATABASE_TYPE, POSTGRESQL_HOST/PORT/DATABASE) must name the CNPG pooler
 * of the facts (its Service, bare or qualified with the namespace, `.svc` or the cluster domain),
 * its port and database. Each setting that differs is named with the value seen.
 */
export function databaseNotPooler(
  data: Readonly<Record<string, string>> | undefined,
  pooler: { name: string; port: number; database: string },
  namespace: string,
  /** harbor-core's namespace: a bare service name resolves there */
  clientNamespace: string,
): string[] {
  if (!data) return ['no data in the ConfigMap'];
  const problems: string[] = [];
  if (data.DATABASE_TYPE !== 'postgresql')
    problems.push(`DATABASE_TYPE is "${data.DATABASE_TYPE ?? '(unset)'}", expected "postgresql"`);
  if (!namesService(data.POSTGRESQL_HOST ?? '', pooler.name, namespace, clientNamespace))
    problems.push(
      `POSTGRESQL_HOST is "${data.POSTGRESQL_HOST ?? '(unset)'}", expected the pooler ${pooler.name}.${namespace}`,
    );
  if (data.POSTGRESQL_PORT !== String(pooler.port))
    problems.push(`POSTGRESQL_PORT is "${data.POSTGRESQL_PORT ?? '(unset)'}", expected "${pooler.port}"`);
  if (data.POSTGRESQL_DATABASE !== pooler.database)
    problems.push(
      `POSTGRESQL_DATABASE is "${data.POSTGRESQL_DATABASE ?? '(unset)'}", expected "${pooler.database}"`,
    );
  return problems;
}

/**
 * Whether a host name, resolved from a pod in `clientNamespace`, is the Service `service` of
 * `namespace`: `<service>.<ns>`, `<service>.<ns>.svc` or `<service>.<ns>.svc.<any cluster domain>`
 * (a trailing dot allowed); the bare `<service>` only from the Service's own namespace.
 */
export function namesService(
  host: string,
  service: string,
  namespace: string,
  clientNamespace: string,
): boolean {
  const h = host.replace(/\.$/, '');
  const fq = `${service}.${namespace}`;
  return (
    (h === service && clientNamespace === namespace) ||
    h === fq ||
    h === `${fq}.svc` ||
    (h.startsWith(`${fq}.svc.`) && h.length > `${fq}.svc.`.length)
  );
}

/** The keys harbor-core reads its Redis URL from: `_REDIS_URL_CORE` (chart >= 1.10), `_REDIS_URL` before. */
const REDIS_URL_KEYS = ['_REDIS_URL_CORE', '_REDIS_URL'] as const;

/**
 * harbor-core's Redis URL (AC9.5) and where it was found: the core ConfigMap, else the core Secret of
 * the same name (the chart names both `<release>-core`), where a URL carrying the password belongs.
 * A password in the URL is registered for redaction whichever object holds it.
 */
export async function coreRedisUrl(k: ClusterHandle, h: Harbor): Promise<{ from: string; url?: string }> {
  const cm = await k.core.readNamespacedConfigMap({ namespace: h.namespace, name: h.coreConfigMap });
  for (const key of REDIS_URL_KEYS) {
    const url = cm.data?.[key];
    if (url) {
      registerSecret(urlPassword(url));
      return { from: `ConfigMap ${h.namespace}/${h.coreConfigMap} ${key}`, url };
    }
  }
  // readSecretValue registers every value of the Secret for redaction before returning one
  const where = `Secret ${h.namespace}/${h.coreConfigMap}`;
  const missing: string[] = [];
  for (const key of REDIS_URL_KEYS) {
    try {
      const url = await readSecretValue(k, h.namespace, h.coreConfigMap, key);
      registerSecret(urlPassword(url));
      return { from: `${where} ${key}`, url };
    } catch (e) {
      // a missing Secret or key is "not there"; anything else (403, a dead API server) fails the check
      if (!(e instanceof SecretReadError)) throw e;
      missing.push(e.message);
    }
  }
  return {
    from: `ConfigMap ${h.namespace}/${h.coreConfigMap} (no ${REDIS_URL_KEYS.join('/')}) and ${missing[0] ?? where}`,
  };
}

function urlPassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/** The URL as it may be shown: its password, if any, masked; an unparsable value not shown at all. */
export function shownRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/**
 * What in harbor-core's Redis URL does not point at the Dragonfly Service: the scheme (`redis` or
 * `rediss`; a sentinel URL is not the operator's Service), the host (`<service>.<ns>`,
 * `<service>.<ns>.svc` or `<service>.<ns>.svc.<cluster domain>`; the bare `<service>` only from the
 * same namespace) and the port (6379 when absent).
 * Messages show the URL only with its password masked.
 */
export function redisUrlNotDragonfly(
  url: string | undefined,
  d: { service: string; namespace: string; port: number },
  /** harbor-core's namespace: a bare service name resolves there */
  clientNamespace: string,
): string[] {
  if (!url) return ['no _REDIS_URL_CORE (or _REDIS_URL) set'];
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return ['the Redis URL does not parse as a URL'];
  }
  const problems: string[] = [];
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:')
    problems.push(
      `scheme is "${u.protocol.replace(/:$/, '')}", expected redis or rediss (Dragonfly's Service)`,
    );
  const host = u.hostname.replace(/\.$/, '');
  if (!namesService(host, d.service, d.namespace, clientNamespace))
    problems.push(`host is "${host}", expected the Dragonfly Service ${d.service}.${d.namespace}`);
  const port = u.port || '6379';
  if (port !== String(d.port)) problems.push(`port is ${port}, expected ${d.port}`);
  return problems;
}
