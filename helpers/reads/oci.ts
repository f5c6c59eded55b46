/**
 * A tiny OCI image generated in memory (one gzipped tar layer holding a run-owned file, an image
 * config, a manifest), and the registry v2 calls to push it, read it back and delete it.
 * Speaks the distribution API (Harbor and CNCF distribution both serve it); Basic auth, or the
 * Bearer token flow when the registry answers 401 with a Bearer challenge (Harbor). Repository
 * deletion, which the distribution API lacks, goes through Harbor's API (HarborApi).
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface Blob {
  digest: string;
  size: number;
  data: Buffer;
}

export interface TinyImage {
  layer: Blob;
  config: Blob;
  manifest: Blob;
  mediaType: string;
}

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

function blob(data: Buffer): Blob {
  return { digest: sha256(data), size: data.length, data };
}

/** A ustar archive with one regular file (enough for an image layer). */
export function tarOneFile(name: string, content: Buffer, mtime = 0): Buffer {
  if (Buffer.byteLength(name) > 99) throw new Error(`tar entry name too long: ${name}`);
  const header = Buffer.alloc(512, 0);
  const put = (off: number, len: number, s: string) => header.write(s, off, len, 'ascii');
  const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, '0') + '\0';
  put(0, 100, name);
  put(100, 8, octal(0o644, 8));
  put(108, 8, octal(0, 8));
  put(116, 8, octal(0, 8));
  put(124, 12, octal(content.length, 12));
  put(136, 12, octal(mtime, 12));
  put(148, 8, '        '); // checksum placeholder: spaces while summing
  put(156, 1, '0');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  let sum = 0;
  for (const b of header) sum += b;
  put(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  const pad = Buffer.alloc((512 - (content.length % 512)) % 512, 0);
  return Buffer.concat([header, content, pad, Buffer.alloc(1024, 0)]);
}

/** Deterministic for a given marker: the same marker gives the same digests. */
export function tinyImage(marker: string): TinyImage {
  const tar = tarOneFile('platform-validation.txt', Buffer.from(`${marker}\n`));
  const layer = blob(gzipSync(tar, { level: 9 }));
  const config = blob(
    Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: { 'platform-validation/marker': marker } },
        rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      }),
    ),
  );
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: OCI_CONFIG, digest: config.digest, size: config.size },
        layers: [{ mediaType: OCI_LAYER, digest: layer.digest, size: layer.size }],
      }),
    ),
  );
  return { layer, config, manifest, mediaType: OCI_MANIFEST };
}

export interface RegistryClientOptions {
  /** e.g. http://127.0.0.1:41234 (a tunnel to the registry Service) */
  baseUrl: string;
  username: string;
  password: string;
  timeoutMs?: number;
}

export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

/** Minimal distribution-API client bound to one repository. */
export class RegistryClient {
  private token?: string;
  constructor(
    private readonly opts: RegistryClientOptions,
    readonly repository: string,
  ) {}

  private basic(): string {
    return 'Basic ' + Buffer.from(`${this.opts.username}:${this.opts.password}`).toString('base64');
  }

  /** Fetch a Bearer token for this repository from the challenge's realm (re-rooted on the tunnel). */
  private async fetchToken(challenge: string): Promise<void> {
    const params = Object.fromEntries(
      [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1] as string, m[2] as string]),
    );
    if (!params.realm) throw new RegistryError(`registry Bearer challenge without realm: ${challenge}`);
    const realm = new URL(params.realm);
    const url = new URL(realm.pathname, this.opts.baseUrl);
    if (params.service) url.searchParams.set('service', params.service);
    url.searchParams.set('scope', `repository:${this.repository}:pull,push,delete`);
    const res = await fetch(url, {
      headers: { authorization: this.basic() },
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
    });
    if (!res.ok)
      throw new RegistryError(`token request to ${url.pathname} answered ${res.status}`, res.status);
    const body = (await res.json()) as { token?: string; access_token?: string };
    this.token = body.token ?? body.access_token;
    if (!this.token) throw new RegistryError(`token response from ${url.pathname} carries no token`);
  }

  async request(
    method: string,
    pathOrUrl: string,
    init: { body?: Buffer; headers?: Record<string, string> } = {},
  ) {
    const url = new URL(pathOrUrl, this.opts.baseUrl);
    for (let attempt = 0; attempt < 2; attempt++) {
      const res = await fetch(url, {
        method,
        body: init.body ? new Uint8Array(init.body) : undefined,
        headers: { ...init.headers, authorization: this.token ? `Bearer ${this.token}` : this.basic() },
        redirect: 'manual',
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
      });
      const challenge = res.headers.get('www-authenticate') ?? '';
      if (res.status === 401 && attempt === 0 && /^Bearer /i.test(challenge)) {
        await res.arrayBuffer();
        await this.fetchToken(challenge);
        continue;
      }
      return res;
    }
    throw new RegistryError(`${method} ${url.pathname}: still unauthorized after a token`);
  }

  private async expectStatus(res: Response, ok: number[], what: string): Promise<void> {
    if (ok.includes(res.status)) return;
    const text = (await res.text()).slice(0, 500);
    throw new RegistryError(`${what}: expected HTTP ${ok.join('/')}, got ${res.status}: ${text}`, res.status);
  }

  /** Monolithic blob upload: POST to start, PUT with ?digest to finish. */
  async pushBlob(b: Blob): Promise<void> {
    const start = await this.request('POST', `/v2/${this.repository}/blobs/uploads/`);
    await this.expectStatus(start, [202], `start blob upload ${b.digest}`);
    await start.arrayBuffer();
    const location = start.headers.get('location');
    if (!location) throw new RegistryError('blob upload start answered without a Location header');
    const url = new URL(location, this.opts.baseUrl);
    // keep the tunnel's origin even if the registry answers with its own host name
    const put = new URL(url.pathname + url.search, this.opts.baseUrl);
    put.searchParams.set('digest', b.digest);
    const res = await this.request('PUT', put.toString(), {
      body: b.data,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(b.size) },
    });
    await this.expectStatus(res, [201], `finish blob upload ${b.digest}`);
    await res.arrayBuffer();
  }

  async pushManifest(tag: string, m: Blob, mediaType: string): Promise<string> {
    const res = await this.request('PUT', `/v2/${this.repository}/manifests/${tag}`, {
      body: m.data,
      headers: { 'content-type': mediaType },
    });
    await this.expectStatus(res, [201], `put manifest ${tag}`);
    await res.arrayBuffer();
    return res.headers.get('docker-content-digest') ?? m.digest;
  }

  /** The manifest as served: its bytes' digest and the registry's Docker-Content-Digest header. */
  async pullManifest(
    ref: string,
    mediaType: string,
  ): Promise<{ digest: string; headerDigest?: string; body: Buffer }> {
    const res = await this.request('GET', `/v2/${this.repository}/manifests/${ref}`, {
      headers: { accept: mediaType },
    });
    await this.expectStatus(res, [200], `get manifest ${ref}`);
    const body = Buffer.from(await res.arrayBuffer());
    return {
      digest: sha256(body),
      headerDigest: res.headers.get('docker-content-digest') ?? undefined,
      body,
    };
  }

  async deleteManifest(digest: string): Promise<void> {
    const res = await this.request('DELETE', `/v2/${this.repository}/manifests/${digest}`);
    await this.expectStatus(res, [202, 200, 404], `delete manifest ${digest}`);
    await res.arrayBuffer();
  }

  /** Tags of the repository; [] when the repository is unknown (404). */
  async tags(): Promise<string[]> {
    const res = await this.request('GET', `/v2/${this.repository}/tags/list`);
    if (res.status === 404) {
      await res.arrayBuffer();
      return [];
    }
    await this.expectStatus(res, [200], 'list tags');
    const body = (await res.json()) as { tags?: string[] | null };
    return body.tags ?? [];
  }
}

/**
 * Harbor's repository API (/api/v2.0, Basic auth). The Distribution API has no repository delete;
 * Harbor's `DELETE /projects/{project_name}/repositories/{repository_name}` removes the repository
 * with its artifacts. repository_name is the name inside the project, URL-encoded twice (Harbor:
 * "If it contains slash, encode it twice over": a/b -> a%2Fb -> a%252Fb).
 */
export class HarborApi {
  constructor(private readonly opts: RegistryClientOptions) {}

  static repositoryPath(project: string, repository: string): string {
    return `/api/v2.0/projects/${encodeURIComponent(project)}/repositories/${encodeURIComponent(
      encodeURIComponent(repository),
    )}`;
  }

  private async call(method: 'GET' | 'DELETE', project: string, repository: string) {
    const url = new URL(HarborApi.repositoryPath(project, repository), this.opts.baseUrl);
    const res = await fetch(url, {
      method,
      headers: {
        accept: 'application/json',
        authorization: this.basicAuth(),
      },
      signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
    });
    const text = await res.text();
    return { status: res.status, text };
  }

  private basicAuth(): string {
    return 'Basic ' + Buffer.from(`${this.opts.username}:${this.opts.password}`).toString('base64');
  }

  private fail(what: string, r: { status: number; text: string }): never {
    throw new RegistryError(`${what}: Harbor answered HTTP ${r.status}: ${r.text.slice(0, 300)}`, r.status);
  }

  /** The repository's Harbor record, or undefined when Harbor answers 404 (unknown). */
  async getRepository(project: string, repository: string): Promise<Record<string, unknown> | undefined> {
    const r = await this.call('GET', project, repository);
    if (r.status === 404) return undefined;
    if (r.status !== 200) this.fail(`get repository ${project}/${repository}`, r);
    return JSON.parse(r.text) as Record<string, unknown>;
  }

  /**
   * Names (inside the project) of the project's repositories whose name contains `contains`: Harbor's
   * `GET /projects/{p}/repositories?q=name=~...`, page by page (100 each, bounded by maxPages).
   */
  async listRepositories(project: string, contains: string, maxPages = 100): Promise<string[]> {
    const out: string[] = [];
    for (let page = 1; page <= maxPages; page++) {
      const url = new URL(
        `/api/v2.0/projects/${encodeURIComponent(project)}/repositories`,
        this.opts.baseUrl,
      );
      url.searchParams.set('q', `name=~${contains}`);
      url.searchParams.set('page', String(page));
      url.searchParams.set('page_size', '100');
      const res = await fetch(url, {
        headers: { accept: 'application/json', authorization: this.basicAuth() },
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 15_000),
      });
      const text = await res.text();
      if (res.status !== 200) this.fail(`list repositories of ${project}`, { status: res.status, text });
      const items = JSON.parse(text) as { name?: string }[];
      for (const r of items)
        if (r.name) out.push(r.name.startsWith(`${project}/`) ? r.name.slice(project.length + 1) : r.name);
      if (items.length < 100) return out;
    }
    throw new RegistryError(`list repositories of ${project}: more than ${maxPages} pages`);
  }

  /** Deletes the repository: 'deleted' (200) or 'absent' (404); anything else throws. */
  async deleteRepository(project: string, repository: string): Promise<'deleted' | 'absent'> {
    const r = await this.call('DELETE', project, repository);
    if (r.status === 200) return 'deleted';
    if (r.status === 404) return 'absent';
    return this.fail(`delete repository ${project}/${repository}`, r);
  }
}

/**
 * Every repository of the registry (GET /v2/_catalog, following the Link header page by page;
 * Distribution refuses n above its page limit of 1000). Bounded: at most maxPages pages.
 */
export async function listCatalog(
  opts: RegistryClientOptions,
  pageSize = 1000,
  maxPages = 1000,
): Promise<string[]> {
  const auth = 'Basic ' + Buffer.from(`${opts.username}:${opts.password}`).toString('base64');
  const out: string[] = [];
  let next: string | undefined = `/v2/_catalog?n=${pageSize}`;
  for (let page = 0; next; page++) {
    if (page >= maxPages) throw new RegistryError(`/v2/_catalog: more than ${maxPages} pages`);
    const url: URL = new URL(next, opts.baseUrl);
    const res: Response = await fetch(url, {
      headers: { authorization: auth },
      signal: AbortSignal.timeout(opts.timeoutMs ?? 15_000),
    });
    if (res.status !== 200) {
      const text = (await res.text()).slice(0, 300);
      throw new RegistryError(`GET ${url.pathname}${url.search}: HTTP ${res.status}: ${text}`, res.status);
    }
    out.push(...(((await res.json()) as { repositories?: string[] | null }).repositories ?? []));
    // Link: </v2/_catalog?last=x&n=1000>; rel="next"
    next = /<([^>]+)>;\s*rel="?next"?/.exec(res.headers.get('link') ?? '')?.[1];
  }
  return out;
}
