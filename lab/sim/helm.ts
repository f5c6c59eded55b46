/**
 * Helm's release storage for the HelmReleases the simulated helm-controller "installed": a Secret
 * `sh.helm.release.v1.<release>.v1` of type helm.sh/release.v1 whose `release` key is
 * base64(gzip(release JSON)), exactly what Helm's Secret driver writes, so `helm get values`
 * (and checks that decode it) see the release's values.
 */
import { gzipSync } from 'node:zlib';
import type { K8sObject } from './fixtures.js';

export function helmStorageSecret(hr: K8sObject, chartVersion: string, deployedAt: string): K8sObject {
  const spec = hr.spec ?? {};
  const release = (spec.releaseName as string | undefined) ?? hr.metadata.name;
  const namespace = (spec.targetNamespace as string | undefined) ?? hr.metadata.namespace ?? 'default';
  const chartName =
    (spec.chart as { spec?: { chart?: string } } | undefined)?.spec?.chart ??
    (spec.chartRef as { name?: string } | undefined)?.name ??
    release;
  const version = chartVersion.replace(/^v/, '');
  const rel = {
    name: release,
    namespace,
    version: 1,
    info: {
      first_deployed: deployedAt,
      last_deployed: deployedAt,
      deleted: '',
      description: 'Install complete',
      status: 'deployed',
    },
    chart: {
      metadata: {
        name: chartName,
        version,
        appVersion: version,
        apiVersion: 'v2',
        description: `${chartName} (simulated install in the lab)`,
        type: 'application',
      },
      lock: null,
      templates: [],
      values: {},
      schema: null,
      files: [],
    },
    config: spec.values ?? {},
    manifest: '',
    labels: {
      'helm.toolkit.fluxcd.io/name': hr.metadata.name,
      'helm.toolkit.fluxcd.io/namespace': hr.metadata.namespace ?? namespace,
    },
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: `sh.helm.release.v1.${release}.v1`,
      namespace,
      labels: {
        name: release,
        owner: 'helm',
        status: 'deployed',
        version: '1',
        modifiedAt: String(Math.floor(Date.parse(deployedAt) / 1000)),
      },
    },
    type: 'helm.sh/release.v1',
    stringData: { release: gzipSync(Buffer.from(JSON.stringify(rel))).toString('base64') },
  };
}
