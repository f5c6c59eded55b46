import type { Scenario } from './types.js';

/** harbor's PgBouncer is stopped and its pooler pod crash-loops. */
export const poolerDown: Scenario = {
  name: 'pooler-down',
  summary:
    'apps: the PgBouncer process behind cnpg-system/harbor-pooler-rw is stopped; its pod is not Ready (CrashLoopBackOff, restartCount +1)',
  expect:
    'apps: the harbor pooler connectivity check (psql through the pooler) fails (no ready pod / connection refused) and harbor-core health reports its database unhealthy; the gitlab, keycloak and synergyflow poolers, the CNPG cluster and everything on infra pass',
  faults: { poolersDown: ['harbor'] },
  services: { stopped: ['pgbouncer-harbor'] },
};
