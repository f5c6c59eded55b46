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
 */
import { suite } from '../../helpers/check/suite.js';
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
