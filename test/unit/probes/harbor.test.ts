// The Harbor check mechanisms (helpers/probes/harbor.ts): the health API read from a loopback HTTP
// server behind a fake tunnel, and REG-HARBOR-002's image session on a fake registry and repository
// API. Passing and failing shapes as the suite's assertions see them; the sweep of crashed runs.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import { tinyImage } from '../../../helpers/reads/oci.js';
import { runOwnedName } from '../../../helpers/run/ids.js';
import {
  harborHealth,
  imageLifecycle,
  imageRoundTrip,
  unhealthyComponents,
  type ImageRegistry,
  type ImageSession,
  type RepositoryApi,
} from '../../../helpers/probes/harbor.js';
import { failure, fakeEvidence, fakeRun, runIdHoursAgo } from './fake-run.js';

const srv = vi.hoisted(() => ({ port: 0, health: {} as unknown, tunnels: 0 }));
vi.mock('../../../helpers/reads/tunnel.js', () => ({
  withTunnel: async (_k: unknown, _t: unknown, fn: (t: { host: string; port: number }) => unknown) => {
    srv.tunnels++;
    return fn({ host: '127.0.0.1', port: srv.port });
  },
}));

let server: http.Server;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    const body = req.url === '/api/v2.0/health' ? srv.health : { errors: [{ code: 'NOT_FOUND' }] };
    res.writeHead(req.url === '/api/v2.0/health' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  srv.port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const harbor = (): Facts['harbor'] => (structuredClone(factsDefaults('apps')) as Facts).harbor;

describe('harborHealth / unhealthyComponents (REG-HARBOR-001)', () => {
  it('passes: HTTP 200, healthy, every component healthy', async () => {
    srv.health = { status: 'healthy', components: [{ name: 'core', status: 'healthy' }] };
    const body = await harborHealth({} as ClusterHandle, harbor());
    expect(body).toEqual({ http: 200, ...(srv.health as object) });
    expect(unhealthyComponents(body)).toEqual([]);
  });
  it('fails naming each unhealthy component with its error', async () => {
    srv.health = {
      status: 'unhealthy',
      components: [
        { name: 'core', status: 'healthy' },
        { name: 'database', status: 'unhealthy', error: 'dial tcp harbor-pooler:5432: connection refused' },
        { name: 'redis', status: 'unhealthy' },
      ],
    };
    const bad = unhealthyComponents(await harborHealth({} as ClusterHandle, harbor()));
    const msg = await failure(() =>
      expect(bad, `unhealthy Harbor components: ${bad.join(' | ')}`).toEqual([]),
    );
    expect(msg).toContain(
      'unhealthy Harbor components: database: unhealthy (dial tcp harbor-pooler:5432: connection refused) | redis: unhealthy',
    );
  });
});

/** A registry holding manifests by tag and a Harbor knowing repositories; each step may fail. */
function fakeHarbor(
  o: { repos?: string[]; pulled?: string; keepRepository?: boolean; pushFails?: boolean } = {},
) {
  const repos = new Set(o.repos ?? []);
  const tags = new Map<string, string>();
  const reg: ImageRegistry = {
    pushBlob: async () => {
      if (o.pushFails) throw new Error('push blob: HTTP 507 insufficient storage');
    },
    pushManifest: async (tag, m) => (tags.set(tag, m.digest), m.digest),
    pullManifest: async (tag) => ({
      digest: o.pulled ?? tags.get(tag)!,
      headerDigest: tags.get(tag),
      body: Buffer.alloc(0),
    }),
    deleteManifest: async (digest) => tags.forEach((d, t) => d === digest && tags.delete(t)),
    tags: async () => [...tags.keys()],
  };
  const api: RepositoryApi = {
    listRepositories: async (_p, contains) => [...repos].filter((r) => r.includes(contains)),
    deleteRepository: async (_p, r) => (o.keepRepository ? 'absent' : repos.delete(r) ? 'deleted' : 'absent'),
    getRepository: async (_p, r) => (o.keepRepository || repos.has(r) ? { name: r } : undefined),
  };
  return { reg, api, repos };
}

const suiteAssertions = (log: ImageSession) => {
  expect(log, `push/pull/delete of ${log.repository}:${log.tag}`).toMatchObject({
    pushedDigest: log.expectedDigest,
    pulledDigest: log.expectedDigest,
    tagsAfterDelete: [],
  });
  expect(
    { repositoryDelete: log.repositoryDelete, repositoryAfterDelete: log.repositoryAfterDelete },
    `repository ${log.repository} deleted through Harbor's API and gone`,
  ).toEqual({ repositoryDelete: 'deleted', repositoryAfterDelete: 'not found (404)' });
};

describe('imageLifecycle (REG-HARBOR-002)', () => {
  const image = tinyImage('platform-validation unit');
  it('passes: same digest pushed and pulled, no tag left, repository deleted and unknown; old ones swept', async () => {
    const old = runOwnedName(runIdHoursAgo(4), 'pv-image');
    const recent = runOwnedName(runIdHoursAgo(1), 'pv-image');
    const h = fakeHarbor({ repos: [old, recent, 'app'] });
    const { run, pending } = fakeRun();
    const { evidence, swept } = fakeEvidence();
    const repoName = run.name('pv-image');
    // the push creates the repository
    h.reg.pushBlob = async () => void h.repos.add(repoName);
    const log = await imageLifecycle(
      h.reg,
      h.api,
      { project: 'library', repoName, tag: 'pv', image },
      run,
      evidence,
    );
    suiteAssertions(log);
    expect(log).toMatchObject({ repository: `library/${repoName}`, pushedDigest: image.manifest.digest });
    expect(swept['registry repository']).toEqual({ removed: [old], failed: [] });
    expect([...h.repos].sort()).toEqual(['app', recent].sort());
    expect(pending.size).toBe(0);
  });
  it('fails naming the repository and the seen digests when another manifest comes back', async () => {
    const h = fakeHarbor({ pulled: 'sha256:0000' });
    h.reg.pushBlob = async () => void h.repos.add('pv-image-x');
    const { run } = fakeRun();
    const log = await imageLifecycle(
      h.reg,
      h.api,
      { project: 'library', repoName: 'pv-image-x', tag: 'pv', image },
      run,
      fakeEvidence().evidence,
    );
    const msg = await failure(() => suiteAssertions(log));
    expect(msg).toContain('push/pull/delete of library/pv-image-x:pv');
    expect(msg).toContain('"pulledDigest":"sha256:0000"');
  });
  it('fails naming the repository when Harbor still knows it (the removal stays registered)', async () => {
    const h = fakeHarbor({ keepRepository: true });
    const { run, pending } = fakeRun();
    const log = await imageLifecycle(
      h.reg,
      h.api,
      { project: 'library', repoName: 'pv-image-y', tag: 'pv', image },
      run,
      fakeEvidence().evidence,
    );
    const msg = await failure(() => suiteAssertions(log));
    expect(msg).toContain("repository library/pv-image-y deleted through Harbor's API and gone");
    expect(msg).toContain('"repositoryAfterDelete":{"name":"pv-image-y"}');
    expect([...pending.keys()]).toEqual(['delete repository library/pv-image-y']);
  });
  it('a failed push throws after the repository is deleted anyway', async () => {
    const h = fakeHarbor({ pushFails: true, repos: ['pv-image-z'] });
    const msg = await failure(
      imageLifecycle(
        h.reg,
        h.api,
        { project: 'library', repoName: 'pv-image-z', tag: 'pv', image },
        fakeRun().run,
        fakeEvidence().evidence,
      ),
    );
    expect(msg).toBe('push blob: HTTP 507 insufficient storage');
    expect(h.repos.has('pv-image-z')).toBe(false);
  });
});

describe('imageRoundTrip (REG-HARBOR-002)', () => {
  it('fails naming the Secret and the missing key before it opens a tunnel', async () => {
    const h = harbor();
    const k = {
      context: 'apps',
      core: {
        readNamespacedSecret: async () => ({ data: { username: Buffer.from('admin').toString('base64') } }),
      },
    } as unknown as ClusterHandle;
    const before = srv.tunnels;
    const msg = await failure(imageRoundTrip(k, h, fakeRun().run, fakeEvidence().evidence));
    expect(msg).toContain(`Secret ${h.namespace}/${h.credentials} has no key "password" (keys: username)`);
    expect(srv.tunnels).toBe(before);
  });
});
