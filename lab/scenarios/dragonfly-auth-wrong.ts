import type { Scenario } from './types.js';

/** Redis (Dragonfly) now requires a password other than the one in dragonfly-auth. */
export const dragonflyAuthWrong: Scenario = {
  name: 'dragonfly-auth-wrong',
  summary:
    'apps: the three Redis processes behind dragonfly-0..2 switch to another password; the dragonfly-auth Secret and its ExternalSecret are unchanged (a rotated 1Password item not yet rolled out)',
  expect:
    'apps: the Dragonfly protocol checks (PING/SET/GET with the Secret password, latency) fail with WRONGPASS/NOAUTH; pods, PDB, NetworkPolicy and ExternalSecret checks still pass, as does everything on infra',
  faults: { dragonflyAuthWrong: true },
  services: { faults: ['dragonfly-auth-wrong'] },
};
