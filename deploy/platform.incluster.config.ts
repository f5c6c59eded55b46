// The in-cluster environment: one Job per cluster, each with its own ServiceAccount token, so each
// pod validates the cluster it runs in (`--project <its cluster>`). The kubeconfig is written by
// deploy/entrypoint.ts from the ServiceAccount mount; identity is proven as for any run.
// Copy your environments' facts here (or import them from your platform.config.ts).
import { definePlatform } from '../helpers/config/index.js';

const kubeconfig = process.env.PV_INCLUSTER_KUBECONFIG ?? '/tmp/pv/kubeconfig';

export default definePlatform({
  defaultEnv: 'in-cluster',
  evidenceDir: process.env.PV_EVIDENCE_DIR ?? '/evidence',
  environments: {
    'in-cluster': {
      clusters: {
        infra: { context: 'in-cluster', kubeconfig },
        apps: { context: 'in-cluster', kubeconfig },
      },
    },
  },
});
