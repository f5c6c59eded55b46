/**
 * Component health evidence for the QA gate (STORY-VALIDATE-NETWORKING AC12.3 and T15 "Component
 * health checks": `cilium status`, `ceph status`, `kubectl get all -A`, per cluster).
 *
 * Reads: every Cilium agent (exec `cilium-dbg status`), the Rook toolbox (exec `ceph status -f json`)
 * when facts.storage.ceph.enabled, and pods, Services, DaemonSets, Deployments, ReplicaSets,
 * StatefulSets, Jobs and CronJobs of all namespaces. Attaches VALIDATE-NET-cilium-status-<cluster>.txt,
 * VALIDATE-NET-ceph-status-<cluster>.txt and VALIDATE-NET-inventory-<cluster>.txt. Read-only. It
 * passes when all three were captured, whatever they say: the health verdicts are NET-CILIUM-001,
 * STO-CEPH-002 and the rollout checks.
 *
 * Lab: the agents answer with Cilium's own formatter, the toolbox with the Ceph model (lab/sim).
 *
 * EVID-FLUX-001 (AC12.2, "Flux reconciliation logs captured"): the state of every Kustomization and
 * HelmRelease, the Events about them and the tail of each Flux controller's log (facts.flux.controllers,
 * pods labelled app=<controller>), attached as VALIDATE-NET-flux-reconciliation-<cluster>.txt and
 * VALIDATE-NET-flux-logs-<cluster>.txt. Read-only; it passes when all were captured. Lab: the pods of
 * the source- and kustomize-controller show the real controllers' logs, helm- and
 * notification-controller's the simulated controllers' lines.
 */
import { suite } from '../../helpers/check/suite.js';
import { fluxReconciliationCaptured } from '../../helpers/probes/flux-evidence.js';
import { healthEvidenceCaptured } from '../../helpers/probes/health-evidence.js';

const evidence = suite({
  clusters: ['infra', 'apps'],
  story: 'STORY-VALIDATE-NETWORKING',
  timeoutMs: 120_000,
});

evidence.check(
  {
    id: 'EVID-HEALTH-001',
    title: 'cilium status, ceph status and the kubectl get all -A inventory are captured as evidence',
    priority: 'P2',
    component: 'kubernetes',
    ac: ['AC12.3'],
    suggestedAction:
      'the failure names the capture that could not be made: kubectl -n kube-system exec ds/cilium -- cilium-dbg status; kubectl -n rook-ceph exec deploy/rook-ceph-tools -- ceph status; kubectl get all -A',
  },
  healthEvidenceCaptured(),
);

evidence.check(
  {
    id: 'EVID-FLUX-001',
    title:
      'Flux reconciliation state, its Events and every Flux controller log tail are captured as evidence',
    priority: 'P2',
    component: 'flux',
    ac: ['AC12.2'],
    suggestedAction:
      'the failure names the capture that could not be made: flux get all -A; kubectl events -A --for kustomization/<name>; flux logs --all-namespaces (or kubectl -n flux-system logs deploy/<controller>)',
  },
  fluxReconciliationCaptured(),
);
