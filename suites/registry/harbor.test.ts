/**
 * Harbor registry (STORY-VALIDATE-NETWORKING AC9).
 *
 * Reads: Harbor's health API and the admin/robot credentials Secret (redacted). Pushes a tiny OCI
 * image generated in memory (fixtures-free: one gzipped tar layer holding the run id) to a
 * run-owned repository through a tunnel to harbor-core, pulls the manifest back, compares digests,
 * then deletes the manifest and verifies no tag remains, then deletes the repository itself through
 * Harbor's API (DELETE /api/v2.0/projects/{p}/repositories/{r}; the distribution API has none) and
 * verifies Harbor no longer knows it (GET -> 404), so the run leaves no repository behind.
 *
 * Lab: harbor-core is a lab simulation whose /api/v2.0/health is computed from real probes (the
 * registry, the harbor pooler, Dragonfly) and whose /v2/ proxies to a real CNCF distribution
 * registry (htpasswd auth, delete enabled); its repository API (GET/DELETE of a repository) is
 * simulated over that registry's storage (DELETE removes the repository's directory).
 */
import { expect } from 'vitest';
import { check } from '../../helpers/check/index.js';
import { readSecretValue } from '../../helpers/checks/k8s.js';
import { HarborApi, RegistryClient, tinyImage } from '../../helpers/checks/oci.js';
import { withTunnel } from '../../helpers/checks/tunnel.js';
import { sweepRunOwned } from '../../helpers/run/sweep-owned.js';

const STORY = 'STORY-VALIDATE-NETWORKING';

check(
  {
    id: 'REG-HARBOR-001',
    title: 'Harbor health API reports every component healthy',
    priority: 'P1',
    component: 'harbor',
    clusters: ['apps'],
    story: STORY,
    ac: ['AC9'],
    risks: ['TECH-004'],
    suggestedAction:
      'curl harbor-core/api/v2.0/health; check the unhealthy component (database via harbor-pooler, redis via Dragonfly, registry)',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence, skip }) => {
    const h = facts.harbor;
    if (!h.enabled) skip('facts.harbor.enabled is false');
    const body = await withTunnel(
      cluster,
      { kind: 'Service', namespace: h.namespace, name: h.service, port: h.port },
      async (t) => {
        const res = await fetch(`http://${t.host}:${t.port}/api/v2.0/health`, {
          signal: AbortSignal.timeout(15_000),
        });
        return {
          http: res.status,
          ...((await res.json()) as {
            status?: string;
            components?: { name: string; status: string; error?: string }[];
          }),
        };
      },
    );
    evidence.json('harbor-health', body);
    const bad = (body.components ?? [])
      .filter((c) => c.status !== 'healthy')
      .map((c) => `${c.name}: ${c.status}${c.error ? ` (${c.error})` : ''}`);
    expect(bad, `unhealthy Harbor components: ${bad.join(' | ')}`).toEqual([]);
    expect({ http: body.http, status: body.status }, 'Harbor overall health').toEqual({
      http: 200,
      status: 'healthy',
    });
  },
);

check(
  {
    id: 'REG-HARBOR-002',
    title:
      'a generated OCI image is pushed to a run-owned repository, pulled back with the same digest, and the image and repository deleted',
    priority: 'P1',
    component: 'harbor',
    clusters: ['apps'],
    story: STORY,
    ac: ['AC9', 'AC11'],
    risks: ['TECH-004'],
    suggestedAction:
      'docker login/push/pull against Harbor; check registry storage (S3) and harbor-core logs',
    timeoutMs: 90_000,
  },
  async ({ cluster: k, facts, evidence, run, skip }) => {
    const h = facts.harbor;
    if (!h.enabled) skip('facts.harbor.enabled is false');
    const username = await readSecretValue(k, h.namespace, h.credentials, 'username');
    const password = await readSecretValue(k, h.namespace, h.credentials, 'password');
    const repoName = run.name('pv-image');
    const repository = `${h.project}/${repoName}`;
    const image = tinyImage(`platform-validation ${run.id}`);
    const tag = 'pv';
    const log = await withTunnel(
      k,
      { kind: 'Service', namespace: h.namespace, name: h.service, port: h.port },
      async (t) => {
        const opts = { baseUrl: `http://${t.host}:${t.port}`, username, password };
        const reg = new RegistryClient(opts, repository);
        const harbor = new HarborApi(opts);
        const out: Record<string, unknown> = { repository, tag, expectedDigest: image.manifest.digest };
        let pushed: string | undefined;
        // what crashed runs left in the project
        await sweepRunOwned(evidence, {
          kind: 'registry repository',
          prefixes: ['pv-image'],
          list: () => harbor.listRepositories(h.project, 'pv-image-'),
          remove: (r) => harbor.deleteRepository(h.project, r),
        });
        const release = run.cleanup(`delete repository ${repository}`, () =>
          harbor.deleteRepository(h.project, repoName),
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
          // the repository itself (also when the push failed half-way: blobs may have created it)
          out.repositoryDelete = await harbor
            .deleteRepository(h.project, repoName)
            .catch((e: Error) => `delete failed: ${e.message}`);
          out.repositoryAfterDelete = await harbor
            .getRepository(h.project, repoName)
            .then((r) => (r === undefined ? 'not found (404)' : r))
            .catch((e: Error) => `get failed: ${e.message}`);
          if (out.repositoryAfterDelete === 'not found (404)') release();
        }
        return out;
      },
    );
    evidence.json('oci-session', log);
    expect(log, `push/pull/delete of ${repository}:${tag}`).toMatchObject({
      pushedDigest: image.manifest.digest,
      pulledDigest: image.manifest.digest,
      tagsAfterDelete: [],
    });
    expect(
      { repositoryDelete: log.repositoryDelete, repositoryAfterDelete: log.repositoryAfterDelete },
      `repository ${repository} deleted through Harbor's API and gone`,
    ).toEqual({ repositoryDelete: 'deleted', repositoryAfterDelete: 'not found (404)' });
  },
);
