/**
 * Lab simulation of harbor-core (documented as such in lab/services/README.md). Harbor itself
 * cannot run here; what the checks need from its core is served from real things:
 * - GET /api/v2.0/health: Harbor's shape ({status, components: [{name, status, error?}]}), each
 *   component's status from a real probe: registry (the real Distribution registry), database
 *   (SELECT 1 through the real harbor PgBouncer pooler with the harbor role), redis (PING to
 *   the real Dragonfly/Redis with the dragonfly-auth password), core (this process).
 * - GET /api/v2.0/ping: "Pong".
 * - /v2/*: reverse-proxied to the real registry (auth is the registry's own htpasswd), like
 *   Harbor's core fronts its registry.
 * - GET /api/v2.0/projects/{project_name}/repositories?q=name%3D~<text>&page=&page_size=: Harbor's
 *   list (fuzzy `name=~` match, pages of at most 100, X-Total-Count), read from the storage below.
 * - GET / DELETE /api/v2.0/projects/{project_name}/repositories/{repository_name}: Harbor's
 *   repository API (the name inside the project, URL-encoded twice when it holds a slash), read
 *   from and removed in the real registry's filesystem storage (Distribution's v2 API has no
 *   repository delete). Simulated: Harbor keeps repositories in its database and deletes their
 *   artifacts through the registry; here DELETE removes
 *   <storage>/docker/registry/v2/repositories/<project>/<repo>, so /v2/_catalog stops listing it
 *   (blobs stay until a registry garbage collection, as in Harbor). Basic auth is checked by the
 *   real registry itself (the credentials are forwarded to its /v2/: 200 = valid), so the API
 *   accepts exactly what the registry's htpasswd accepts (registry-auth-broken included).
 *   Answers like Harbor: 200 (GET: the Repository JSON; DELETE: empty), 401 without/with wrong
 *   credentials, 404 unknown project/repository, 400 malformed name; errors as {errors: [...]}.
 * Config from env: PV_HARBOR_CORE_PORT, PV_REGISTRY_PORT, PV_HARBOR_POOLER_PORT,
 * PV_DRAGONFLY_PORT, PV_LAB_CREDENTIALS (the lab's credentials file, read per probe),
 * PV_REGISTRY_STORAGE (the registry's filesystem rootdirectory).
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';

function envPort(name: string): number {
  const v = Number(process.env[name]);
  if (!Number.isInteger(v) || v <= 0) {
    console.error(`harbor-core: ${name} must be a port number, got '${process.env[name] ?? ''}'`);
    process.exit(2);
  }
  return v;
}

const PORT = envPort('PV_HARBOR_CORE_PORT');
const REGISTRY_PORT = envPort('PV_REGISTRY_PORT');
const POOLER_PORT = envPort('PV_HARBOR_POOLER_PORT');
const DRAGONFLY_PORT = envPort('PV_DRAGONFLY_PORT');
const CREDENTIALS = process.env.PV_LAB_CREDENTIALS ?? '';
const STORAGE = process.env.PV_REGISTRY_STORAGE ?? '';
if (!STORAGE || !path.isAbsolute(STORAGE)) {
  console.error(
    `harbor-core: PV_REGISTRY_STORAGE must be the registry's absolute storage root, got '${STORAGE}'`,
  );
  process.exit(2);
}

interface Creds {
  postgres: { apps: { harbor: string } };
  dragonfly: { password: string };
}
const creds = (): Creds => JSON.parse(fs.readFileSync(CREDENTIALS, 'utf8')) as Creds;

type Component = { name: string; status: 'healthy' | 'unhealthy'; error?: string };
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0]!;

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>(
      (_, rej) => (t = setTimeout(() => rej(new Error(`${what}: timeout after ${ms} ms`)), ms)),
    ),
  ]).finally(() => clearTimeout(t));
}

async function probeRegistry(): Promise<Component> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: REGISTRY_PORT, path: '/v2/', timeout: 2_000 }, (res) => {
      res.resume();
      // 401 = up with auth on (what Harbor's registry answers anonymously); 200 = up
      const ok = res.statusCode === 401 || res.statusCode === 200;
      resolve(
        ok
          ? { name: 'registry', status: 'healthy' }
          : { name: 'registry', status: 'unhealthy', error: `HTTP ${res.statusCode}` },
      );
    });
    req.on('timeout', () => req.destroy(new Error('timeout after 2000 ms')));
    req.on('error', (e) => resolve({ name: 'registry', status: 'unhealthy', error: message(e) }));
  });
}

async function probeDatabase(): Promise<Component> {
  const client = new pg.Client({
    host: '127.0.0.1',
    port: POOLER_PORT,
    user: 'harbor',
    password: creds().postgres.apps.harbor,
    database: 'registry',
    connectionTimeoutMillis: 2_000,
    query_timeout: 2_000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { name: 'database', status: 'healthy' };
  } catch (e) {
    return { name: 'database', status: 'unhealthy', error: message(e) };
  } finally {
    await client.end().catch(() => {});
  }
}

async function probeRedis(): Promise<Component> {
  const r = new Redis({
    host: '127.0.0.1',
    port: DRAGONFLY_PORT,
    password: creds().dragonfly.password,
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  r.on('error', () => {});
  try {
    await timeout(r.connect(), 3_000, 'redis connect');
    await r.ping();
    return { name: 'redis', status: 'healthy' };
  } catch (e) {
    return { name: 'redis', status: 'unhealthy', error: message(e) };
  } finally {
    r.disconnect();
  }
}

let last: { at: number; body: { status: string; components: Component[] } } | undefined;
const lastLogged = new Map<string, string>();

async function health() {
  if (last && Date.now() - last.at < 1_000) return last.body; // coalesce bursts of probes
  const components = [
    { name: 'core', status: 'healthy' } as Component,
    ...(await Promise.all([probeDatabase(), probeRedis(), probeRegistry()])),
  ];
  for (const c of components) {
    const line = `${c.status}${c.error ? ` (${c.error})` : ''}`;
    if (lastLogged.get(c.name) !== line) {
      console.log(`${new Date().toISOString()} health: ${c.name} is ${line}`);
      lastLogged.set(c.name, line);
    }
  }
  const body = {
    status: components.every((c) => c.status === 'healthy') ? 'healthy' : 'unhealthy',
    components,
  };
  last = { at: Date.now(), body };
  return body;
}

function proxyToRegistry(req: http.IncomingMessage, res: http.ServerResponse) {
  const upstream = http.request(
    {
      host: '127.0.0.1',
      port: REGISTRY_PORT,
      method: req.method,
      path: req.url,
      // keep the client's Host: the registry builds Location headers from it
      headers: { ...req.headers, 'x-forwarded-proto': 'http' },
      timeout: 60_000,
    },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('timeout', () => upstream.destroy(new Error('registry timeout')));
  upstream.on('error', (e) => {
    if (!res.headersSent) {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ errors: [{ code: 'UNKNOWN', message: `registry unreachable: ${message(e)}` }] }),
      );
    } else res.destroy();
  });
  req.pipe(upstream);
}

function sendJson(
  res: http.ServerResponse,
  status: number,
  body?: unknown,
  headers: http.OutgoingHttpHeaders = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

const harborError = (code: string, msg: string) => ({ errors: [{ code, message: msg }] });

/** Whether the registry accepts these credentials: its own htpasswd decides (GET /v2/ -> 200). */
function registryAccepts(authorization: string | undefined): Promise<boolean> {
  if (!authorization || !/^Basic /i.test(authorization)) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: '127.0.0.1', port: REGISTRY_PORT, path: '/v2/', headers: { authorization }, timeout: 5_000 },
      (res) => {
        res.resume();
        if (res.statusCode === 200) resolve(true);
        else if (res.statusCode === 401) resolve(false);
        else reject(new Error(`registry /v2/ answered HTTP ${res.statusCode}`));
      },
    );
    req.on('timeout', () => req.destroy(new Error('registry /v2/: timeout after 5000 ms')));
    req.on('error', reject);
  });
}

// Distribution's path-component grammar: also rules out '..', '.', empty and absolute parts
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const REPO_API = /^\/api\/v2\.0\/projects\/([^/]+)\/repositories\/([^/]+)$/;
const REPO_LIST = /^\/api\/v2\.0\/projects\/([^/]+)\/repositories$/;

/** Repository names under a project directory (a repository is a directory holding _manifests). */
function repositoriesUnder(projectDir: string, prefix = '', depth = 0): string[] {
  if (depth > 4) return [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(projectDir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('_'))
    .flatMap((e) => {
      const dir = path.join(projectDir, e.name);
      const name = `${prefix}${e.name}`;
      const self = fs.existsSync(path.join(dir, '_manifests')) ? [name] : [];
      return [...self, ...repositoriesUnder(dir, `${name}/`, depth + 1)];
    });
}

async function listRepositories(req: http.IncomingMessage, res: http.ServerResponse, project: string) {
  if (!(await registryAccepts(req.headers.authorization))) {
    return sendJson(res, 401, harborError('UNAUTHORIZED', 'unauthorized'), {
      'www-authenticate': 'Basic realm="harbor"',
    });
  }
  const where = repositoryDir(project, 'x');
  if ('bad' in where) return sendJson(res, 400, harborError('BAD_REQUEST', where.bad));
  if (!fs.existsSync(where.projectDir)) {
    return sendJson(res, 404, harborError('NOT_FOUND', `project ${project} not found`));
  }
  const qs = new URL(req.url ?? '/', 'http://x').searchParams;
  const fuzzy = /^name=~(.*)$/.exec(qs.get('q') ?? '')?.[1];
  const page = Math.max(1, Number(qs.get('page') ?? 1) || 1);
  const size = Math.min(100, Math.max(1, Number(qs.get('page_size') ?? 10) || 10));
  const all = repositoriesUnder(where.projectDir)
    .filter((n) => fuzzy === undefined || n.includes(fuzzy))
    .sort();
  const body = all.slice((page - 1) * size, page * size).map((n) => ({ name: `${project}/${n}` }));
  return sendJson(res, 200, body, { 'x-total-count': String(all.length) });
}

/** `<storage>/docker/registry/v2/repositories/<project>/<repo>` for a valid name, else an error text. */
function repositoryDir(project: string, repo: string): { dir: string; projectDir: string } | { bad: string } {
  const parts = [project, ...repo.split('/')];
  const badPart = parts.find((p) => !COMPONENT.test(p));
  if (badPart !== undefined)
    return { bad: `invalid repository name '${project}/${repo}' (component '${badPart}')` };
  const root = path.join(STORAGE, 'docker', 'registry', 'v2', 'repositories');
  const dir = path.join(root, ...parts);
  if (!dir.startsWith(root + path.sep)) return { bad: `invalid repository name '${project}/${repo}'` };
  return { dir, projectDir: path.join(root, project) };
}

function countDirs(dir: string): number {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).length;
  } catch {
    return 0;
  }
}

async function repositoryApi(req: http.IncomingMessage, res: http.ServerResponse, m: RegExpMatchArray) {
  if (req.method !== 'GET' && req.method !== 'DELETE') {
    return sendJson(res, 405, harborError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here`), {
      allow: 'GET, DELETE',
    });
  }
  let project: string;
  let repo: string;
  try {
    project = decodeURIComponent(m[1]!);
    // Harbor: "If it contains slash, encode it twice over" (a/b -> a%2Fb -> a%252Fb)
    repo = decodeURIComponent(decodeURIComponent(m[2]!));
  } catch {
    return sendJson(res, 400, harborError('BAD_REQUEST', 'malformed URL encoding in the repository path'));
  }
  if (!(await registryAccepts(req.headers.authorization))) {
    return sendJson(res, 401, harborError('UNAUTHORIZED', 'unauthorized'), {
      'www-authenticate': 'Basic realm="harbor"',
    });
  }
  const where = repositoryDir(project, repo);
  if ('bad' in where) return sendJson(res, 400, harborError('BAD_REQUEST', where.bad));
  if (!fs.existsSync(where.projectDir)) {
    return sendJson(res, 404, harborError('NOT_FOUND', `project ${project} not found`));
  }
  // a repository, for Distribution, is a directory holding _manifests
  const st = fs.statSync(path.join(where.dir, '_manifests'), { throwIfNoEntry: false });
  if (!st?.isDirectory()) {
    return sendJson(res, 404, harborError('NOT_FOUND', `repository ${project}/${repo} not found`));
  }
  if (req.method === 'GET') {
    const revisions = path.join(where.dir, '_manifests', 'revisions', 'sha256');
    return sendJson(res, 200, {
      name: `${project}/${repo}`,
      artifact_count: countDirs(revisions),
      creation_time: fs.statSync(where.dir).birthtime.toISOString(),
      update_time: st.mtime.toISOString(),
    });
  }
  fs.rmSync(where.dir, { recursive: true, force: true });
  console.log(
    `${new Date().toISOString()} repository ${project}/${repo} deleted (storage directory removed)`,
  );
  return sendJson(res, 200);
}

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/v2' || url.startsWith('/v2/')) return proxyToRegistry(req, res);
  const repoList = REPO_LIST.exec(url.split('?')[0]!);
  if (repoList && req.method === 'GET') {
    let project: string;
    try {
      project = decodeURIComponent(repoList[1]!);
    } catch {
      return sendJson(res, 400, harborError('BAD_REQUEST', 'malformed URL encoding in the project'));
    }
    listRepositories(req, res, project).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, harborError('UNKNOWN', message(e)));
      else res.destroy();
    });
    return;
  }
  const repoApi = REPO_API.exec(url.split('?')[0]!);
  if (repoApi) {
    repositoryApi(req, res, repoApi).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, harborError('UNKNOWN', message(e)));
      else res.destroy();
    });
    return;
  }
  if (req.method === 'GET' && url.split('?')[0] === '/api/v2.0/health') {
    health().then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (e) => {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ errors: [{ code: 'UNKNOWN', message: message(e) }] }));
      },
    );
    return;
  }
  if (req.method === 'GET' && url === '/api/v2.0/ping') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Pong');
    return;
  }
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      errors: [{ code: 'NOT_FOUND', message: `${req.method} ${url}: not served by the lab's harbor-core` }],
    }),
  );
});

server.listen(PORT, '127.0.0.1', () => {
  console.log(`${new Date().toISOString()} harbor-core (lab simulation) listening on 127.0.0.1:${PORT}`);
  console.log(
    `database: postgresql://harbor@harbor-pooler-rw.cnpg-system:5432/registry (harbor-pooler, PgBouncer)`,
  );
  console.log(`redis: dragonfly.dragonfly-system:6379 (DragonflyDB, password from dragonfly-auth)`);
  console.log(`registry: http://harbor-registry:5000 (storage driver: filesystem, lab)`);
  void health();
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
