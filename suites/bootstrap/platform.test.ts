/**
 * The platform's operators and cluster hygiene (STORY-VALIDATE-NETWORKING AC1.7, AC2.12, AC2.21,
 * AC3.3/AC3.7, AC4.1, AC4.10, AC5.11/AC5.12, AC6.1, AC7.1/AC7.2, AC8.1, AC10.1, AC11.14, AC11.15;
 * STORY-BOOT-CORE AC3a, RF-P2b).
 *
 * Reads: Namespaces, the operators' and controllers' Deployments/DaemonSets named in
 * facts.workloads, every ExternalSecret, Pod and PodDisruptionBudget (restart counts of the Flux,
 * cert-manager and External Secrets pods). Read-only: nothing is created.
 *
 * Lab: the workloads are real objects whose pods KWOK runs; ExternalSecret status is written by
 * lab/sim (what External Secrets writes); PodDisruptionBudget status is the real disruption
 * controller's (kube-controller-manager).
 */
import { suite } from '../../helpers/check/suite.js';
import { GVR } from '../../helpers/reads/k8s.js';
import { everyReady, rolledOut } from '../../helpers/probes/kubernetes.js';
import {
  namespacesActive,
  noCrashLoopingPods,
  noRecentRestarts,
  pdbsAllowDisruption,
} from '../../helpers/probes/hygiene.js';

const both = suite({ clusters: ['infra', 'apps'], story: 'STORY-VALIDATE-NETWORKING', timeoutMs: 90_000 });
const apps = suite({ clusters: ['apps'], story: 'STORY-VALIDATE-NETWORKING', timeoutMs: 90_000 });
const rollout = (ns: string, kind = 'deploy') =>
  `kubectl -n ${ns} get ${kind}; kubectl -n ${ns} describe ${kind}`;

both.check(
  {
    id: 'BOOT-NS-001',
    title: 'the platform namespaces exist and are Active',
    priority: 'P0',
    component: 'kubernetes',
    ac: ['AC1.7'],
    risks: ['R1'],
    suggestedAction: 'kubectl get namespaces; a Terminating one: kubectl get ns <name> -o yaml (finalizers)',
  },
  namespacesActive((f) => f.namespaces),
);

both.check(
  {
    id: 'BOOT-ESO-001',
    title: 'every ExternalSecret is Ready (no sync failure)',
    priority: 'P0',
    component: 'external-secrets',
    ac: ['AC2.21', 'P0-6'],
    risks: ['R9', 'BOOT:SEC-001'],
    suggestedAction:
      'kubectl get externalsecrets -A; kubectl describe externalsecret <name> (SecretSyncedError: the item or property in 1Password)',
  },
  everyReady({ plural: 'externalSecrets', gvr: GVR.externalSecret }),
);

both.check(
  {
    id: 'BOOT-OPS-001',
    title: 'the Rook-Ceph operator is Running',
    priority: 'P0',
    component: 'rook-ceph',
    ac: ['AC3.3', 'AC3.7'],
    risks: ['R5'],
    requires: 'storage.ceph.enabled',
    suggestedAction: rollout('rook-ceph'),
  },
  rolledOut((f) => f.workloads.rookCephOperator),
);

both.check(
  {
    id: 'BOOT-OPS-002',
    title: 'the CloudNativePG operator is Running',
    priority: 'P0',
    component: 'cnpg',
    ac: ['AC4.1'],
    risks: ['R6'],
    suggestedAction: rollout('cnpg-system'),
  },
  rolledOut((f) => f.workloads.cnpgOperator),
);

apps.check(
  {
    id: 'BOOT-OPS-003',
    title: 'the Dragonfly operator is Running',
    priority: 'P0',
    component: 'dragonfly',
    ac: ['AC4.10'],
    risks: ['R6'],
    requires: 'dragonfly.enabled',
    suggestedAction: rollout('dragonfly-system'),
  },
  rolledOut((f) => f.workloads.dragonflyOperator),
);

apps.check(
  {
    id: 'BOOT-OPS-004',
    title: 'the Strimzi cluster operator is Running',
    priority: 'P1',
    component: 'kafka',
    ac: ['AC6.1'],
    requires: 'kafka.enabled',
    suggestedAction: rollout('messaging'),
  },
  rolledOut((f) => f.workloads.strimziOperator),
);

both.check(
  {
    id: 'BOOT-OPS-005',
    title: 'the flux-operator is Running',
    priority: 'P0',
    component: 'flux',
    ac: ['AC10.1', 'P2-4', 'BOOT:AC3a'],
    risks: ['R4'],
    suggestedAction: `${rollout('flux-system')}; flux-operator logs: kubectl -n flux-system logs deploy/flux-operator`,
  },
  rolledOut((f) => f.workloads.fluxOperator),
);

both.check(
  {
    id: 'NET-CLUSTERMESH-001',
    title: 'the ClusterMesh control plane (clustermesh-apiserver) is deployed',
    priority: 'P1',
    component: 'clustermesh',
    ac: ['AC2.12'],
    risks: ['R8'],
    suggestedAction:
      'kubectl -n kube-system rollout status deploy/clustermesh-apiserver; cilium clustermesh status',
  },
  rolledOut((f) => f.workloads.clustermeshApiserver),
);

apps.check(
  {
    id: 'BOOT-OPS-006',
    title: 'the CSI snapshot-controller is Running',
    priority: 'P2',
    component: 'volsync',
    ac: ['AC7.1'],
    suggestedAction: rollout('volsync-system'),
  },
  rolledOut((f) => f.workloads.snapshotController),
);

apps.check(
  {
    id: 'BOOT-OPS-007',
    title: 'the VolSync operator is Running',
    priority: 'P2',
    component: 'volsync',
    ac: ['AC7.2'],
    suggestedAction: rollout('volsync-system'),
  },
  rolledOut((f) => f.workloads.volsync),
);

apps.check(
  {
    id: 'BOOT-OPS-008',
    title: 'the Actions Runner Controller is Running',
    priority: 'P1',
    component: 'arc',
    ac: ['AC8.1'],
    suggestedAction: rollout('actions-runner'),
  },
  rolledOut((f) => f.workloads.arcController),
);

apps.check(
  {
    id: 'OBS-KSM-001',
    title: 'kube-state-metrics is Running on apps',
    priority: 'P1',
    component: 'victoriametrics',
    ac: ['AC5.11'],
    suggestedAction: rollout('observability'),
  },
  rolledOut((f) => f.workloads.kubeStateMetrics),
);

apps.check(
  {
    id: 'OBS-NODEEXP-001',
    title: 'the node-exporter DaemonSet is rolled out on apps',
    priority: 'P1',
    component: 'victoriametrics',
    ac: ['AC5.12'],
    suggestedAction: rollout('observability', 'ds'),
  },
  rolledOut((f) => f.workloads.nodeExporter),
);

both.check(
  {
    id: 'BOOT-HYG-001',
    title: 'no pod is in CrashLoopBackOff',
    priority: 'P2',
    component: 'kubernetes',
    ac: ['AC11.14'],
    suggestedAction:
      'kubectl get pods -A | grep CrashLoopBackOff; kubectl logs -p -n <ns> <pod> -c <container>',
  },
  noCrashLoopingPods(),
);

both.check(
  {
    id: 'BOOT-HYG-002',
    title: 'no PodDisruptionBudget is violated or blocks every eviction',
    priority: 'P2',
    component: 'kubernetes',
    ac: ['AC11.15'],
    suggestedAction:
      'kubectl get pdb -A (ALLOWED DISRUPTIONS 0); raise the replicas or use maxUnavailable so a node drain can finish',
  },
  pdbsAllowDisruption(),
);

both.check(
  {
    id: 'BOOT-HYG-003',
    title: 'no core controller (Flux, cert-manager, External Secrets) restarted in the last hour',
    priority: 'P1',
    component: 'kubernetes',
    story: 'STORY-BOOT-CORE',
    ac: ['RF-P2b'],
    risks: ['NET:R1'],
    suggestedAction:
      'kubectl get pods -n <ns> (RESTARTS); kubectl logs -p -n <ns> <pod> -c <container>; kubectl describe pod (Last State: OOMKilled raises the memory limit)',
  },
  noRecentRestarts((f) => [f.flux.namespace, f.certManager.namespace, f.externalSecrets.namespace], 60),
);
