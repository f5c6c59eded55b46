/**
 * The lab's harbor-core simulation (lab/services/harbor/core.ts) answers Harbor's repository API
 * the way Harbor does, over the real registry's storage: auth decided by the registry's htpasswd,
 * GET/DELETE of /api/v2.0/projects/{p}/repositories/{r} (name encoded twice), DELETE removing the
 * repository so /v2/_catalog stops listing it.
 *
 * Runs a private harbor-core process (a free loopback port) against the running lab's registry, so
 * it tests this checkout's core.ts whether or not the lab's own harbor-core has been restarted.
 * Needs the lab's registry up (`pnpm lab up`).
 *   npx vitest run --project lab test/lab/lab/harbor-core.test.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HarborApi, listCatalog, RegistryClient, tinyImage } from '../../../helpers/reads/oci.js';
import { labPaths } from '../../../lab/core/paths.js';
import { credentialsFile, loadCredentials } from '../../../lab/services/credentials.js';
import { servicePorts } from '../../../lab/services/ports.js';
import { REPO } from '../framework/lab.js';

const paths = labPaths();
const P = servicePorts();
const STORAGE = path.join(paths.root, 'services', 'harbor-registry', 'data');
const REPOS = path.join(STORAGE, 'docker', 'registry', 'v2', 'repositories');
const suffix = randomBytes(3).toString('hex');
let core: ChildProcess | undefined;
let base = '';
let creds: { username: string; password: string };

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  if (!fs.existsSync(STORAGE))
    throw new Error(`the lab's registry storage ${STORAGE} does not exist (pnpm lab up)`);
  const c = loadCredentials(paths.root).harbor;
  creds = { username: c.username, password: c.password };
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  let log = '';
  core = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'lab/services/harbor/core.ts')], {
    cwd: REPO,
    env: {
      ...process.env,
      PV_HARBOR_CORE_PORT: String(port),
      PV_REGISTRY_PORT: String(P.registry),
      PV_HARBOR_POOLER_PORT: String(P.pgbouncer.harbor),
      PV_DRAGONFLY_PORT: String(P.redis[0]),
      PV_LAB_CREDENTIALS: credentialsFile(paths.root),
      PV_REGISTRY_STORAGE: STORAGE,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  core.stdout?.on('data', (d: Buffer) => (log += d.toString()));
  core.stderr?.on('data', (d: Buffer) => (log += d.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const ok = await fetch(`${base}/api/v2.0/ping`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline || core.exitCode !== null)
      throw new Error(`private harbor-core did not answer /api/v2.0/ping within 30 s:\n${log.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 60_000);

afterAll(() => {
  core?.kill('SIGTERM');
});

async function push(repository: string): Promise<string> {
  const reg = new RegistryClient({ baseUrl: base, ...creds }, repository);
  const image = tinyImage(`harbor-core test ${repository}`);
  await reg.pushBlob(image.layer);
  await reg.pushBlob(image.config);
  return reg.pushManifest('t', image.manifest, image.mediaType);
}

const catalog = () => listCatalog({ baseUrl: base, ...creds });

const raw = (method: string, p: string, authorization?: string) =>
  fetch(`${base}${p}`, {
    method,
    headers: authorization ? { authorization } : {},
    signal: AbortSignal.timeout(15_000),
  });

describe('harbor-core repository API (lab simulation over the real registry storage)', () => {
  it('GET shows a pushed repository; DELETE removes it from storage and /v2/_catalog; then 404', async () => {
    const name = `pv-core-${suffix}`;
    await push(`library/${name}`);
    const api = new HarborApi({ baseUrl: base, ...creds });
    expect(await catalog()).toContain(`library/${name}`);
    expect(await api.getRepository('library', name)).toMatchObject({
      name: `library/${name}`,
      artifact_count: 1,
    });
    expect(await api.deleteRepository('library', name)).toBe('deleted');
    expect(fs.existsSync(path.join(REPOS, 'library', name))).toBe(false);
    expect(await api.getRepository('library', name)).toBeUndefined();
    expect(await catalog()).not.toContain(`library/${name}`);
    expect(await api.deleteRepository('library', name)).toBe('absent');
  });

  it('listCatalog follows the Link header: small pages give the same list as one page', async () => {
    // a fresh lab's registry holds fewer repositories than two pages: push three of our own
    const names = [1, 2, 3].map((i) => `library/pv-core-page${i}-${suffix}`);
    for (const n of names) await push(n);
    const api = new HarborApi({ baseUrl: base, ...creds });
    try {
      const one = await catalog();
      expect(one.length).toBeGreaterThan(2);
      expect(one).toEqual(expect.arrayContaining(names));
      expect(await listCatalog({ baseUrl: base, ...creds }, 2)).toEqual(one);
    } finally {
      for (const n of names) await api.deleteRepository('library', n.split('/')[1]!);
    }
  });

  it('401 without credentials and with a wrong password; nothing is deleted then', async () => {
    const name = `pv-core-auth-${suffix}`;
    await push(`library/${name}`);
    const p = HarborApi.repositoryPath('library', name);
    const wrong = 'Basic ' + Buffer.from(`${creds.username}:wrong-${suffix}`).toString('base64');
    for (const method of ['GET', 'DELETE']) {
      for (const auth of [undefined, wrong]) {
        const r = await raw(method, p, auth);
        expect(r.status, `${method} with ${auth ? 'a wrong password' : 'no credentials'}`).toBe(401);
        expect(await r.json()).toMatchObject({ errors: [{ code: 'UNAUTHORIZED' }] });
      }
    }
    const api = new HarborApi({ baseUrl: base, ...creds });
    expect(await api.getRepository('library', name)).toMatchObject({ name: `library/${name}` });
    expect(await api.deleteRepository('library', name)).toBe('deleted');
  });

  it('a name with a slash is encoded twice (a/b -> a%252Fb)', async () => {
    const name = `pv-core-${suffix}/nested`;
    await push(`library/${name}`);
    expect(HarborApi.repositoryPath('library', name)).toMatch(/pv-core-[0-9a-f]{6}%252Fnested$/);
    const api = new HarborApi({ baseUrl: base, ...creds });
    expect(await api.getRepository('library', name)).toMatchObject({ name: `library/${name}` });
    expect(await api.deleteRepository('library', name)).toBe('deleted');
    expect(await catalog()).not.toContain(`library/${name}`);
    fs.rmSync(path.join(REPOS, 'library', `pv-core-${suffix}`), { recursive: true, force: true });
  });

  it('unknown project/repository: 404; a name escaping the storage: 400', async () => {
    const api = new HarborApi({ baseUrl: base, ...creds });
    expect(await api.getRepository(`nope-${suffix}`, 'x')).toBeUndefined();
    expect(await api.deleteRepository('library', `never-pushed-${suffix}`)).toBe('absent');
    const auth = 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
    const r = await raw('DELETE', HarborApi.repositoryPath('library', '../library'), auth);
    expect(r.status).toBe(400);
    expect(fs.existsSync(path.join(REPOS, 'library'))).toBe(true);
  });
});
