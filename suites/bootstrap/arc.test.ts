/**
 * GitHub Actions runner scale sets (STORY-VALIDATE-NETWORKING AC8.2).
 *
 * Reads: the AutoscalingRunnerSets named in facts.arc, the AutoscalingListeners and listener pods in
 * the controller's namespace. Read-only: nothing is created. Whether GitHub lists the runners
 * (AC8.3) and a job runs (AC8.4) needs GitHub itself: not checked here.
 *
 * Lab: the controller is simulated; the objects are what it writes for a registered scale set (the
 * id annotation, an AutoscalingListener named as upstream names it, the listener pod KWOK runs).
 */
import { suite } from '../../helpers/check/suite.js';
import { scaleSetsListening } from '../../helpers/probes/arc.js';

const arc = suite({
  component: 'arc',
  clusters: ['infra', 'apps'],
  story: 'STORY-VALIDATE-NETWORKING',
  requires: { 'arc.enabled': 'no GitHub runner scale sets on this cluster' },
  timeoutMs: 60_000,
});

arc.check(
  {
    id: 'BOOT-ARC-001',
    title: 'every runner scale set is registered with GitHub and its listener pod is Running',
    priority: 'P1',
    ac: ['AC8.2'],
    suggestedAction:
      'kubectl -n actions-runner get autoscalingrunnersets,autoscalinglisteners,pods; kubectl -n actions-runner logs deploy/gha-rs-controller (scale set creation, GitHub App credentials in githubConfigSecret)',
  },
  scaleSetsListening((f) => f.arc),
);
