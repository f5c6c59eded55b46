// Container entrypoint (deploy/Containerfile): turns the pod's ServiceAccount mount into the
// kubeconfig the runner reads (context `in-cluster`), then runs `pnpm test` with the arguments
// (e.g. `--env in-cluster --project apps --grep P0`) and exits with its code.
import { spawnSync } from 'node:child_process';
import { writeInClusterKubeconfig, detectInCluster } from '../helpers/incluster/index.js';

const file = process.env.PV_INCLUSTER_KUBECONFIG ?? '/tmp/pv/kubeconfig';
if (!detectInCluster()) {
  process.stderr.write(
    'platform-validation entrypoint: not in a pod (KUBERNETES_SERVICE_HOST unset or no ServiceAccount token); set automountServiceAccountToken and serviceAccountName\n',
  );
  process.exit(2);
}
writeInClusterKubeconfig(file);
process.env.PV_MODE ??= 'in-cluster';
const r = spawnSync(process.execPath, ['--import', 'tsx', 'bin/test.ts', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: process.env,
});
process.exit(r.status ?? 1);
