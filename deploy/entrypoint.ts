// Container entrypoint (deploy/Containerfile): turns the pod's ServiceAccount mount into the
// kubeconfig the runner reads (context `in-cluster`), then runs what `pnpm test` runs
// (`node bin/launch.mjs bin/test.ts`) with the arguments (e.g. `--env in-cluster --project apps`)
// and exits with its code. With PV_METRICS_URL set, `pnpm gate --push-metrics` follows the run.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeInClusterKubeconfig, detectInCluster } from '../helpers/incluster/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const file = process.env.PV_INCLUSTER_KUBECONFIG ?? '/tmp/pv/kubeconfig';
if (!detectInCluster()) {
  process.stderr.write(
    'platform-validation entrypoint: not in a pod (KUBERNETES_SERVICE_HOST unset or no ServiceAccount token); set automountServiceAccountToken and serviceAccountName\n',
  );
  process.exit(2);
}
writeInClusterKubeconfig(file);
process.env.PV_MODE ??= 'in-cluster';
const child = spawn(
  process.execPath,
  [path.join(root, 'bin', 'launch.mjs'), path.join(root, 'bin', 'test.ts'), ...process.argv.slice(2)],
  { stdio: 'inherit', env: process.env },
);
// PID 1 of a container gets no default signal handling: without these handlers the kubelet's SIGTERM
// (Job deleted, activeDeadlineSeconds) would be ignored until SIGKILL, and the run would end without
// its JUnit and run.json. Forwarded, the runner cancels the run and writes them (outcome interrupted).
for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => child.kill(sig));
child.on('error', (e) => {
  process.stderr.write(`platform-validation entrypoint: cannot start the run: ${e.message}\n`);
  process.exit(1);
});
// a child ended by a signal: 128 + its number, as a shell reports it
child.on('exit', (code, signal) => {
  const exit = code ?? 128 + (signal ? (os.constants.signals[signal] ?? 15) : 15);
  if (!process.env.PV_METRICS_URL || signal) process.exit(exit);
  // PV_METRICS_URL: the gate pushes this run's metrics (per check x cluster, the decision); the
  // pod's exit code stays the run's, a failed push is the gate's warning in the log
  const evidence = process.env.PV_EVIDENCE_DIR ?? path.join(root, 'docs', 'qa', 'evidence');
  const gate = spawn(
    process.execPath,
    [
      ...process.execArgv,
      path.join(root, 'reports', 'gate', 'cli.ts'),
      '--run',
      path.join(evidence, 'latest'),
      '--gates-dir',
      path.join(evidence, 'gates'),
      '--no-report', // the gate reads PV_METRICS_URL from the env: the URL stays out of argv (ps)
    ],
    { stdio: 'inherit', env: process.env },
  );
  gate.on('error', (e) => {
    process.stderr.write(`platform-validation entrypoint: cannot start the gate: ${e.message}\n`);
    process.exit(exit);
  });
  gate.on('exit', () => process.exit(exit));
});
