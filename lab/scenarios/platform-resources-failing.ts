import type { Scenario } from './types.js';

/**
 * The platform's custom resources each report a failure the way their operator writes it: a chart
 * source that cannot pull, a HelmRelease and a FluxInstance that fail, the wildcard certificate
 * lost, a BGP session down, a failed backup, a failed VolSync mover, and VictoriaMetrics CRs whose
 * rollout failed. The workloads keep running: only the status of the resources says it.
 */
export const platformResourcesFailing: Scenario = {
  name: 'platform-resources-failing',
  summary:
    'infra: OCIRepository flux-system/spegel cannot pull, FluxInstance flux-system/flux ReconciliationFailed, VMCluster/VMAuth/VLCluster updateStatus failed; apps: HelmRelease flux-system/flux-instance UpgradeFailed, Certificate cert-manager/wildcard-cert lost, BGP session of apps-cp-2 Active, Backup cnpg-system/shared-postgres-daily-initial failed, ReplicationSource harbor/harbor-trivy mover Failed',
  expect:
    'GITOPS-SRC-001, GITOPS-FLUXOP-001, OBS-VM-003, OBS-VM-004, OBS-VL-002 fail on infra; GITOPS-FLUXOP-002, BOOT-CORE-011 (every HelmRelease), NET-CERT-001, NET-BGP-001, DB-CNPG-003, STO-VOLSYNC-001 fail on apps, each naming the object; the same checks pass on the other cluster, and the workload, Git and data-path checks pass',
  faults: {
    resourcesFailing: {
      infra: [
        'OCIRepository/flux-system/spegel',
        'FluxInstance/flux-system/flux',
        'VMCluster/observability/victoria-metrics',
        'VMAuth/observability/victoria-metrics',
        'VLCluster/observability/victoria-logs',
      ],
      apps: [
        'HelmRelease/flux-system/flux-instance',
        'Certificate/cert-manager/wildcard-cert',
        'CiliumBGPNodeConfig//apps-cp-2',
        'Backup/cnpg-system/shared-postgres-daily-initial',
        'ReplicationSource/harbor/harbor-trivy',
      ],
    },
  },
};
