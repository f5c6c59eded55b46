/**
 * Reloader restarts what a ConfigMap change concerns (STORY-VALIDATE-NETWORKING AC2.24).
 *
 * Creates, in the run-owned namespace: a ConfigMap and a one-replica Deployment (the catalogue's
 * restricted netexec pod, reading the ConfigMap) annotated `configmap.reloader.stakater.com/reload`;
 * then changes the ConfigMap's data and waits for the Deployment to roll. Reads the Reloader
 * Deployment named in facts.reloader for the failure message. Both objects go with the namespace.
 *
 * Lab: apps runs Stakater Reloader's real controller (lab/services/reloader.ts) and the real
 * kube-controller-manager, whose ReplicaSets' pods KWOK runs; infra's Reloader is a simulated object
 * only, so facts.reloader.enabled is false there and the check is skipped with that reason.
 */
import { suite } from '../../helpers/check/suite.js';
import { reloadsOnConfigMapChange } from '../../helpers/probes/reloader.js';

const reloader = suite({
  component: 'reloader',
  clusters: ['infra', 'apps'],
  story: 'STORY-VALIDATE-NETWORKING',
  requires: { 'reloader.enabled': 'no Reloader controller runs on this cluster' },
  timeoutMs: 180_000,
});

reloader.check(
  {
    id: 'BOOT-RELOADER-001',
    title: 'changing a ConfigMap rolls the Deployment that names it in Reloader’s annotation',
    priority: 'P2',
    ac: ['AC2.24'],
    suggestedAction:
      'kubectl -n kube-system logs deploy/reloader; check its --namespaces-to-ignore / --resources-to-ignore flags and its RBAC (update deployments); kubectl -n <run ns> describe deploy',
  },
  reloadsOnConfigMapChange(),
);
