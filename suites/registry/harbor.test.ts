/**
 * Harbor registry (STORY-VALIDATE-NETWORKING AC9).
 *
 * Reads: Harbor's health API, the admin/robot credentials Secret (redacted), harbor-core's ConfigMap
 * (database settings, Redis URL) and, when the Redis URL is not there, harbor-core's Secret of the
 * same name (redacted; the URL is shown with its password masked). Pushes a tiny OCI
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
import { suite } from '../../helpers/check/suite.js';
import {
  coreRedisUrl,
  databaseNotPooler,
  harborComponent,
  harborHealth,
  imageRoundTrip,
  redisUrlNotDragonfly,
  shownRedisUrl,
  harborHealthProblems,
} from '../../helpers/probes/harbor.js';

const harbor = suite({
  component: 'harbor',
  clusters: ['apps'],
  story: 'STORY-VALIDATE-NETWORKING',
  requires: 'harbor.enabled',
});

harbor.check(
  {
    id: 'REG-HARBOR-001',
    title: 'Harbor health API reports every component healthy',
    priority: 'P1',
    ac: ['AC9.1', 'P1-8'],
    suggestedAction:
      'curl harbor-core/api/v2.0/health; check the unhealthy component (database via harbor-pooler, redis via Dragonfly, registry)',
    timeoutMs: 60_000,
  },
  async ({ cluster, facts, evidence }) => {
    const body = await harborHealth(cluster, facts.harbor);
    evidence.json('harbor-health', body);
    const problems = harborHealthProblems(body);
    expect(problems, `Harbor health: ${problems.join(' | ')}`).toEqual([]);
  },
);

harbor.check(
  {
    id: 'REG-HARBOR-002',
    title:
      'a generated OCI image is pushed to a run-owned repository, pulled back with the same digest, and the image and repository deleted',
    priority: 'P1',
    ac: ['AC9.6', 'P1-8'],
    suggestedAction:
      'docker login/push/pull against Harbor; check registry storage (S3) and harbor-core logs',
    timeoutMs: 90_000,
  },
  async ({ cluster, facts, evidence, run }) => {
    // sweeps expired pv-image repositories of the project first (evidence.swept)
    const log = await imageRoundTrip(cluster, facts.harbor, run, evidence);
    evidence.json('oci-session', log);
    expect(log, `push/pull/delete of ${log.repository}:${log.tag}`).toMatchObject({
      pushedDigest: log.expectedDigest,
      pulledDigest: log.expectedDigest,
      tagsAfterDelete: [],
    });
    expect(
      { repositoryDelete: log.repositoryDelete, repositoryAfterDelete: log.repositoryAfterDelete },
      `repository ${log.repository} deleted through Harbor's API and gone`,
    ).toEqual({ repositoryDelete: 'deleted', repositoryAfterDelete: 'not found (404)' });
  },
);

harbor.check(
  {
    id: 'REG-HARBOR-003',
    title: "Harbor's core uses the external PostgreSQL through its CNPG pooler, and reaches it",
    priority: 'P1',
    ac: ['AC9.4'],
    requires: { 'cnpg.enabled': 'the external PostgreSQL (CNPG) is not on this cluster' },
    suggestedAction:
      'kubectl -n harbor get configmap harbor-core -o yaml (POSTGRESQL_*; Helm values database.type: external, database.external.host: the pooler); curl harbor-core/api/v2.0/health (database)',
  },
  async ({ cluster, facts, evidence }) => {
    const h = facts.harbor;
    const pooler = facts.cnpg.poolers.find((p) => p.name === h.pooler);
    expect(pooler, `harbor.pooler "${h.pooler}" is not among cnpg.poolers`).toBeDefined();
    const cm = await cluster.core.readNamespacedConfigMap({ namespace: h.namespace, name: h.coreConfigMap });
    const data = cm.data ?? {};
    evidence.json('harbor-core-database', {
      DATABASE_TYPE: data.DATABASE_TYPE,
      POSTGRESQL_HOST: data.POSTGRESQL_HOST,
      POSTGRESQL_PORT: data.POSTGRESQL_PORT,
      POSTGRESQL_DATABASE: data.POSTGRESQL_DATABASE,
    });
    const wrong = databaseNotPooler(cm.data, pooler!, facts.cnpg.namespace, h.namespace);
    expect(wrong, `ConfigMap ${h.namespace}/${h.coreConfigMap}: ${wrong.join('; ')}`).toEqual([]);
    const database = await harborComponent(cluster, h, 'database');
    expect(database.component, `Harbor health: database component ${database.reads}`).toMatchObject({
      status: 'healthy',
    });
  },
);

harbor.check(
  {
    id: 'REG-HARBOR-004',
    title: "Harbor's core uses the external Redis, the Dragonfly Service, and reaches it",
    priority: 'P1',
    ac: ['AC9.5'],
    requires: { 'dragonfly.enabled': 'the external Redis (Dragonfly) is not on this cluster' },
    suggestedAction:
      'kubectl -n harbor get configmap,secret harbor-core (_REDIS_URL_CORE; Helm values redis.type: external, redis.external.addr: <dragonfly service>.<namespace>:6379); curl harbor-core/api/v2.0/health (redis)',
  },
  async ({ cluster, facts, evidence }) => {
    const h = facts.harbor;
    const found = await coreRedisUrl(cluster, h);
    evidence.json('harbor-core-redis', {
      from: found.from,
      url: found.url === undefined ? null : shownRedisUrl(found.url),
    });
    const wrong = redisUrlNotDragonfly(found.url, facts.dragonfly, h.namespace);
    expect(wrong, `${found.from}: ${wrong.join('; ')}`).toEqual([]);
    const redis = await harborComponent(cluster, h, 'redis');
    expect(redis.component, `Harbor health: redis component ${redis.reads}`).toMatchObject({
      status: 'healthy',
    });
  },
);
