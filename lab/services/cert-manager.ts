/**
 * cert-manager's real controller in both lab clusters (v1.11.5, the newest release whose controller
 * the module proxy serves: lab/build/services/versions.env), a process per cluster on loopback.
 *
 * - It reconciles only the namespace `pv-cert-lab` (`--namespace`, which also disables
 *   ClusterIssuers): the platform's wildcard Certificate and its ACME ClusterIssuers stay with the
 *   simulation, since ACME means Let's Encrypt, outside loopback.
 * - Only the controllers that sign locally run: Issuers, the CertificateRequest approver, the CA
 *   and SelfSigned signers and the Certificate controllers. ACME, Vault and Venafi are off, and
 *   every HTTP(S) proxy variable points at a closed loopback port, so an ACME or Vault Issuer made
 *   there by mistake fails on 127.0.0.1 instead of dialling out. Go never proxies loopback, so the
 *   API server is still reached directly.
 * - Credentials: the lab admin, as the chart binds the controller to wide ClusterRoles. No leader
 *   election; metrics on loopback (the readiness probe: v1.11 has no health endpoint).
 * test/lab/contracts/cert-manager.test.ts holds NET-CERT-001's decision against what it writes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { requireBuilt, serviceArtifacts } from '../build/services/artifacts.js';
import { LAB_CLUSTERS, type LabClusterName } from '../core/topology.js';
import { servicePorts } from './ports.js';
import { probeHttp } from './probes.js';
import { DEAD_PROXY_ENV, clusterKubeconfig, procName, serviceDir, type ServicesContext } from './runtime.js';

/** The one namespace the real controller reconciles. */
export const CERT_MANAGER_LAB_NAMESPACE = 'pv-cert-lab';

/** upstream's controller names (`--controllers`): the ones that need nothing beyond loopback */
const LOCAL_SIGNING_CONTROLLERS = [
  'issuers',
  'certificaterequests-approver',
  'certificaterequests-issuer-ca',
  'certificaterequests-issuer-selfsigned',
  'certificates-trigger',
  'certificates-issuing',
  'certificates-key-manager',
  'certificates-request-manager',
  'certificates-readiness',
  'certificates-revision-manager',
];

export const certManagerProcess = (cluster: LabClusterName) => procName(`cert-manager-${cluster}`);

async function startOne(ctx: ServicesContext, cluster: LabClusterName): Promise<void> {
  const build = serviceArtifacts(ctx.paths.cache).certManagerController;
  requireBuilt(build.dir, `cert-manager controller ${build.version}`);
  const dir = path.join(serviceDir(ctx, 'cert-manager'), cluster);
  fs.mkdirSync(dir, { recursive: true });
  const metrics = servicePorts().certManagerMetrics[cluster];
  await ctx.procs.start({
    name: certManagerProcess(cluster),
    command: build.binary,
    args: [
      // v1.11 reads no KUBECONFIG variable
      `--kubeconfig=${clusterKubeconfig(ctx, cluster, dir)}`,
      `--namespace=${CERT_MANAGER_LAB_NAMESPACE}`,
      `--cluster-resource-namespace=${CERT_MANAGER_LAB_NAMESPACE}`,
      `--controllers=${LOCAL_SIGNING_CONTROLLERS.join(',')}`,
      '--leader-elect=false',
      // the host's resolvers are never asked either (DNS01 is off; this makes it certain)
      '--dns01-recursive-nameservers=127.0.0.1:9',
      '--dns01-recursive-nameservers-only',
      `--metrics-listen-address=127.0.0.1:${metrics}`,
      '--v=2',
    ],
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      TMPDIR: dir,
      POD_NAMESPACE: CERT_MANAGER_LAB_NAMESPACE,
      ...DEAD_PROXY_ENV,
      GOMAXPROCS: '1',
    },
    ports: [metrics],
    group: 'services',
    ready: async () => (await probeHttp(`http://127.0.0.1:${metrics}/metrics`, [200], 2_000)).ok,
    readyTimeoutMs: 60_000,
  });
}

/** The controller on every lab cluster (running ones are kept). */
export async function startCertManager(ctx: ServicesContext): Promise<void> {
  const clusters = ctx.clusterNames ?? LAB_CLUSTERS;
  await Promise.all(
    clusters.map((cl) =>
      ctx.procs.isRunning(certManagerProcess(cl)) ? Promise.resolve() : startOne(ctx, cl),
    ),
  );
}

export async function stopCertManager(ctx: ServicesContext): Promise<void> {
  await Promise.all(LAB_CLUSTERS.map((cl) => ctx.procs.stop(certManagerProcess(cl), 10_000)));
}
