import type { Scenario } from './types.js';

/**
 * The synchronous standby's PostgreSQL process is stopped while the simulated CNPG status still
 * reports three ready instances: the status is a claim, pg_stat_replication on the primary is the
 * fact (what CNPG's status would show a reconcile later).
 */
export const pgStandbyDown: Scenario = {
  name: 'pg-standby-down',
  summary:
    'apps: the PostgreSQL standby behind shared-postgres-2 (the synchronous one) is stopped; shared-postgres-3 takes over as the synchronous standby; the Cluster status still reports 3 ready instances',
  expect:
    'apps: the CNPG health check fails (pg_stat_replication on the primary shows 1 streaming standby, 2 expected); writes through the poolers and everything on infra still pass (one synchronous standby remains)',
  faults: {},
  services: { stopped: ['shared-postgres-2'] },
};
