import type { Scenario } from './types.js';

/** infra's cert-manager controller restarted its container a moment ago and runs again. */
export const certManagerRestarted: Scenario = {
  name: 'cert-manager-restarted',
  summary:
    'infra: the cert-manager controller container restarted just now (restartCount 1, lastState terminated exit 137) and is Running and Ready again',
  expect:
    'infra: the core-controller restart check fails naming the cert-manager pod, its container, the restart count and the exit; the rollout checks (still Available) and apps pass. reset restores the restart count',
  faults: { certManagerRestarted: ['infra'] },
};
