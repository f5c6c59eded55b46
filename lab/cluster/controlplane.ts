/**
 * Starts one cluster's control plane: etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler and the KWOK controller. Every process is a managed process (lab/core/process),
 * named "<cluster>-<component>", so `lab down` and `lab status` find it.
 */
import fs from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import path from 'node:path';
import type { ProcessManager, StartOptions } from '../core/process.js';
import type { LabPaths } from '../core/paths.js';
import { TOPOLOGY, type LabClusterName } from '../core/topology.js';
import { prepareAudit } from './audit.js';
import type { Binaries } from './binaries.js';
import { writeComponentKubeconfig } from './kubeconfig.js';
import { writeKwokStages } from './kwok-stages.js';
import type { Pki } from './pki.js';
import { assertPortFree } from './ports.js';

export const CONTROL_PLANE_COMPONENTS = [
  'etcd',
  'apiserver',
  'controller-manager',
  'scheduler',
  'kwok',
] as const;
export type ControlPlaneComponent = (typeof CONTROL_PLANE_COMPONENTS)[number];
export const processName = (cluster: LabClusterName, c: ControlPlaneComponent) => `${cluster}-${c}`;

/** GET a URL; resolves with the status code (0 on a connection error). */
function get(url: string, tls?: { ca: string; cert: string; key: string } | 'insecure'): Promise<number> {
  return new Promise((resolve) => {
    const opts =
      tls === 'insecure'
        ? { rejectUnauthorized: false }
        : tls
          ? { ca: fs.readFileSync(tls.ca), cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) }
          : {};
    const req = (url.startsWith('https') ? https : http).get(url, { ...opts, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

export interface ControlPlaneDeps {
  paths: LabPaths;
  pki: Pki;
  bin: Binaries;
  procs: ProcessManager;
  env: NodeJS.ProcessEnv;
}

async function startChecked(deps: ControlPlaneDeps, opts: StartOptions, host = '127.0.0.1'): Promise<void> {
  if (deps.procs.isRunning(opts.name)) return; // idempotent `lab up`
  for (const port of opts.ports ?? []) await assertPortFree(port, host, opts.name);
  if (!fs.existsSync(opts.command)) {
    throw new Error(`${opts.name}: binary ${opts.command} is missing; run 'pnpm lab build'`);
  }
  // GOGC=50: the Go heap grows to 1.5x live instead of 2x; the lab trades a little CPU for
  // staying well under its memory budget (two clusters + services < 4 GiB)
  await deps.procs.start({ group: 'control-plane', ...opts, env: { GOGC: '50', ...(opts.env ?? deps.env) } });
}

export async function startEtcd(deps: ControlPlaneDeps, cluster: LabClusterName): Promise<void> {
  const t = TOPOLOGY[cluster];
  const dataDir = path.join(deps.paths.data, cluster, 'etcd');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const client = `http://127.0.0.1:${t.etcdClientPort}`;
  const peer = `http://127.0.0.1:${t.etcdPeerPort}`;
  await startChecked(deps, {
    name: processName(cluster, 'etcd'),
    command: deps.bin.etcd,
    args: [
      `--name=${cluster}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=${cluster}=${peer}`,
      '--unsafe-no-fsync', // a lab on a laptop disk: durability is not the point, latency is
      '--quota-backend-bytes=1073741824',
      '--log-level=warn',
    ],
    ports: [t.etcdClientPort, t.etcdPeerPort],
    ready: async () => (await get(`${client}/health`)) === 200,
    readyTimeoutMs: 30_000,
  });
}

export async function startApiserver(deps: ControlPlaneDeps, cluster: LabClusterName): Promise<void> {
  const t = TOPOLOGY[cluster];
  const { pki } = deps;
  const kubeletClient = pki.client('apiserver-kubelet-client');
  const admin = pki.client('admin');
  const audit = prepareAudit(deps.paths, cluster); // read at start only: a running apiserver keeps its own
  await startChecked(deps, {
    name: processName(cluster, 'apiserver'),
    command: deps.bin.apiserver,
    args: [
      `--etcd-servers=http://127.0.0.1:${t.etcdClientPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${t.apiserverPort}`,
      `--tls-cert-file=${pki.apiserverCert}`,
      `--tls-private-key-file=${pki.apiserverKey}`,
      `--client-ca-file=${pki.caCert}`,
      '--authorization-mode=Node,RBAC',
      '--anonymous-auth=true', // only /healthz, /livez, /readyz, /version via RBAC's system:public-info-viewer
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPub}`,
      `--service-account-signing-key-file=${pki.saKey}`,
      `--service-cluster-ip-range=${t.serviceCIDR}`,
      '--service-node-port-range=30000-32767',
      // the `kubernetes` Service endpoint would be 127.0.0.1, which Endpoints validation rejects
      '--endpoint-reconciler-type=none',
      `--kubelet-client-certificate=${kubeletClient.cert}`,
      `--kubelet-client-key=${kubeletClient.key}`,
      `--kubelet-certificate-authority=${pki.caCert}`,
      '--kubelet-preferred-address-types=InternalIP',
      '--allow-privileged=true',
      '--profiling=false',
      '--enable-garbage-collector=true',
      '--event-ttl=1h',
      ...audit, // lab/cluster/audit.ts: counts a run's requests (pnpm bench api-requests)
      '--v=1',
    ],
    ports: [t.apiserverPort],
    ready: async () =>
      (await get(`https://127.0.0.1:${t.apiserverPort}/readyz`, { ca: pki.caCert, ...admin })) === 200,
    readyTimeoutMs: 90_000,
  });
}

export async function startControllerManager(deps: ControlPlaneDeps, cluster: LabClusterName): Promise<void> {
  const t = TOPOLOGY[cluster];
  const kubeconfig = writeComponentKubeconfig(deps.pki, 'kube-controller-manager', cluster);
  await startChecked(deps, {
    name: processName(cluster, 'controller-manager'),
    command: deps.bin.controllerManager,
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${t.controllerManagerPort}`,
      `--cluster-name=${cluster}`,
      `--service-cluster-ip-range=${t.serviceCIDR}`,
      `--cluster-cidr=${t.podCIDR}`,
      '--allocate-node-cidrs=false', // nodes are created with their podCIDR
      `--service-account-private-key-file=${deps.pki.saKey}`,
      `--root-ca-file=${deps.pki.caCert}`,
      '--use-service-account-credentials=true',
      `--cluster-signing-cert-file=${deps.pki.caCert}`,
      `--cluster-signing-key-file=${deps.pki.caKey}`,
      '--leader-elect=false',
      '--profiling=false',
      '--v=1',
    ],
    ports: [t.controllerManagerPort],
    ready: async () =>
      (await get(`https://127.0.0.1:${t.controllerManagerPort}/healthz`, 'insecure')) === 200,
    readyTimeoutMs: 60_000,
  });
}

export async function startScheduler(deps: ControlPlaneDeps, cluster: LabClusterName): Promise<void> {
  const t = TOPOLOGY[cluster];
  const kubeconfig = writeComponentKubeconfig(deps.pki, 'kube-scheduler', cluster);
  await startChecked(deps, {
    name: processName(cluster, 'scheduler'),
    command: deps.bin.scheduler,
    args: [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${t.schedulerPort}`,
      '--leader-elect=false',
      '--profiling=false',
      '--v=1',
    ],
    ports: [t.schedulerPort],
    ready: async () => (await get(`https://127.0.0.1:${t.schedulerPort}/healthz`, 'insecure')) === 200,
    readyTimeoutMs: 60_000,
  });
}

/** kwok.x-k8s.io kinds KWOK reads from the API (so routes can change while it runs) */
export const KWOK_CRD_KINDS = [
  'Exec',
  'ClusterExec',
  'PortForward',
  'ClusterPortForward',
  'Logs',
  'ClusterLogs',
];

export async function startKwok(deps: ControlPlaneDeps, cluster: LabClusterName): Promise<void> {
  const t = TOPOLOGY[cluster];
  const kubeconfig = writeComponentKubeconfig(deps.pki, 'kwok', cluster);
  const stages = writeKwokStages(deps.bin.kwokStages, path.join(deps.paths.root, 'kwok'));
  await startChecked(
    deps,
    {
      name: processName(cluster, 'kwok'),
      command: deps.bin.kwok,
      args: [
        `--kubeconfig=${kubeconfig}`,
        `--config=${stages}`,
        '--manage-all-nodes=false',
        '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
        `--node-ip=${t.nodeIP}`,
        `--node-port=${t.kubeletPort}`,
        `--server-address=${t.nodeIP}:${t.kubeletPort}`,
        `--tls-cert-file=${deps.pki.kwokCert}`,
        `--tls-private-key-file=${deps.pki.kwokKey}`,
        `--cidr=${t.podCIDR}`,
        '--node-lease-duration-seconds=40',
        `--enable-crds=${KWOK_CRD_KINDS.join(',')}`,
        '--v=WARN', // INFO logs every pod status patch
      ],
      // exec'd commands are resolved on KWOK's own PATH: shims first, then our kubectl etc.
      env: { ...deps.env, PATH: `${deps.paths.shims}:${deps.paths.bin}:${deps.env.PATH ?? '/usr/bin:/bin'}` },
      ports: [t.kubeletPort],
      ready: async () => (await get(`https://${t.nodeIP}:${t.kubeletPort}/healthz`, 'insecure')) === 200,
      readyTimeoutMs: 60_000,
    },
    t.nodeIP,
  );
}
