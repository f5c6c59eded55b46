import type { Scenario } from './types.js';

/** apps' workloads Kustomization fails its health checks. */
export const kustomizationNotReady: Scenario = {
  name: 'kustomization-not-ready',
  summary:
    'apps: Kustomization flux-system/cluster-apps-workloads has Ready=False (HealthCheckFailed: timeout waiting for HelmRelease/gitlab/gitlab)',
  expect:
    'apps: the "every Kustomization Ready" check fails naming cluster-apps-workloads; the GitRepository, HelmReleases and everything else (and infra) pass',
  faults: { kustomizationsNotReady: { apps: ['cluster-apps-workloads'] } },
};
