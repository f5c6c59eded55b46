// The observability/gateway configs the lab writes: loopback only, a cluster label on every
// scrape target, and the log sources per cluster. Pure functions; no lab needed.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { nginxConf } from '../../../lab/services/gateway.js';
import { logSources, scrapeConfig } from '../../../lab/services/observability.js';
import type { ServicesContext } from '../../../lab/services/runtime.js';

const ctx = {
  paths: { pki: '/lab/pki', root: '/lab', logs: '/lab/logs' },
  procs: { logFile: (n: string) => path.join('/lab/logs', `${n}.log`) },
  clusterNames: ['infra', 'apps'],
  clusters: { infra: { server: 'https://127.0.0.1:16443' }, apps: { server: 'https://127.0.0.1:26443' } },
  log: () => {},
} as unknown as ServicesContext;

interface Job {
  job_name: string;
  static_configs: { targets: string[]; labels: Record<string, string> }[];
}

describe('scrapeConfig', () => {
  const jobs = (YAML.parse(scrapeConfig(ctx)) as { scrape_configs: Job[] }).scrape_configs;

  it('has only loopback targets, each with a cluster label', () => {
    const targets = jobs.flatMap((j) => j.static_configs.flatMap((s) => s.targets.map((t) => ({ t, s }))));
    expect(targets.length).toBeGreaterThan(0);
    for (const { t, s } of targets) {
      expect(t).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(['infra', 'apps']).toContain(s.labels.cluster);
    }
  });

  it('scrapes both apiservers and one dragonfly target per pod', () => {
    expect(jobs.map((j) => j.job_name)).toEqual(
      expect.arrayContaining(['kube-apiserver-infra', 'kube-apiserver-apps', 'dragonfly']),
    );
    const df = jobs.find((j) => j.job_name === 'dragonfly')!;
    expect(df.static_configs.map((s) => [s.labels.pod, s.labels.__metrics_path__])).toEqual([
      ['dragonfly-0', '/metrics/dragonfly-0'],
      ['dragonfly-1', '/metrics/dragonfly-1'],
      ['dragonfly-2', '/metrics/dragonfly-2'],
    ]);
  });

  it('omits the apiserver job of a cluster that is not up', () => {
    const one = { ...ctx, clusterNames: ['infra'] } as unknown as ServicesContext;
    const names = (YAML.parse(scrapeConfig(one)) as { scrape_configs: Job[] }).scrape_configs.map(
      (j) => j.job_name,
    );
    expect(names).toContain('kube-apiserver-infra');
    expect(names).not.toContain('kube-apiserver-apps');
  });
});

describe('logSources', () => {
  it('maps service logs to their cluster/namespace/pod', () => {
    const s = logSources(ctx);
    expect(s).toContainEqual(
      expect.objectContaining({ cluster: 'apps', namespace: 'cnpg-system', pod: 'shared-postgres-1' }),
    );
    expect(s).toContainEqual(expect.objectContaining({ cluster: 'infra', namespace: 'kube-system' }));
    expect(s).toContainEqual(expect.objectContaining({ cluster: 'infra', namespace: 'observability' }));
  });

  it("ships each cluster's control plane as its kube-system static pods (never quiet for long)", () => {
    const s = logSources(ctx);
    for (const cluster of ['infra', 'apps'])
      expect(s).toContainEqual({
        file: `/lab/logs/${cluster}-controller-manager.log`,
        cluster,
        namespace: 'kube-system',
        pod: `kube-controller-manager-${cluster}-cp-1`,
        container: 'kube-controller-manager',
      });
  });
});

describe('nginxConf', () => {
  it('listens on loopback only and proxies every gateway to the backend', () => {
    const conf = nginxConf('/lab/services/gateway-nginx', ['infra', 'apps']);
    const listens = [...conf.matchAll(/listen ([^;]+);/g)].map((m) => m[1]!);
    // per Gateway: its service port and its address's loopback alias (10.x -> 127.x); the backend
    expect(listens).toEqual([
      expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      '127.245.10.100:80',
      expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      '127.247.10.100:80',
      expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    ]);
    expect(conf.match(/proxy_pass http:\/\/backend;/g)).toHaveLength(2);
  });
});
