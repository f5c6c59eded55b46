// The platform under validation: environments -> clusters -> kube context (+ optional kubeconfig),
// the identity each cluster must prove, and the facts the suites compare against.
// Validated on load (helpers/config); `PV_CONFIG=<file>` points at another file.
import { definePlatform } from './helpers/config/index.js';
import { labFacts } from './lab/facts.js';

export default definePlatform({
  defaultEnv: 'lab',
  environments: {
    // The local lab (`pnpm lab up` writes .lab/kubeconfig with contexts lab-infra / lab-apps).
    // Its facts differ from the reference only where the lab simulates: its CNI stores
    // NetworkPolicies but does not enforce them, so the denied-namespace test is not run (and is
    // reported skipped with that reason, never passed).
    lab: {
      clusters: {
        infra: { context: 'lab-infra', kubeconfig: '.lab/kubeconfig', facts: labFacts('infra') },
        apps: { context: 'lab-apps', kubeconfig: '.lab/kubeconfig', facts: labFacts('apps') },
      },
    },
    // A real platform: no kubeconfig path, so KUBECONFIG (colon-separated list) or ~/.kube/config is
    // read, as kubectl does. Identity defaults to ConfigMap flux-system/cluster-settings key CLUSTER
    // equal to the cluster name; override per cluster when the platform names itself differently.
    prod: {
      clusters: {
        infra: { context: 'infra' },
        apps: { context: 'apps', identity: { expected: 'apps' } },
      },
    },
  },
});
