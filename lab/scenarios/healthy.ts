import type { Scenario } from './types.js';

/** Everything up and reporting healthy; `lab reset` applies this. */
export const healthy: Scenario = {
  name: 'healthy',
  summary:
    'every simulated operator reports healthy, every real service runs with the credentials in its Secret',
  expect: 'every check passes on both clusters (non-disruptive ones by default)',
  faults: {},
};
