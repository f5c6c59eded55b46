import type { Scenario } from './types.js';

/** The registry no longer accepts the credentials in harbor/harbor-admin. */
export const registryAuthBroken: Scenario = {
  name: 'registry-auth-broken',
  summary: "apps: the registry's htpasswd is switched to another password; harbor/harbor-admin is unchanged",
  expect:
    'apps: the image push/pull check fails with 401 Unauthorized at the token/blob upload; harbor health and everything else pass',
  faults: { registryAuthBroken: true },
  services: { faults: ['registry-auth-broken'] },
};
