/**
 * The lab's certificates, made with openssl (Debian): one lab CA, the apiserver serving cert,
 * client certs for the admin and each control-plane component, a serving cert for the KWOK
 * kubelet endpoints, and the service-account signing key. EC P-256 keys keep generation fast.
 * Idempotent: existing files are kept (delete .lab/pki to rotate).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LAB_CLUSTERS, TOPOLOGY } from '../core/topology.js';

export interface ClientIdentity {
  /** file stem in .lab/pki */
  file: string;
  cn: string;
  org?: string;
}

/** Every client identity the control planes use; RBAC binds them by CN/O. */
export const CLIENTS: ClientIdentity[] = [
  { file: 'admin', cn: 'lab-admin', org: 'system:masters' },
  { file: 'kube-controller-manager', cn: 'system:kube-controller-manager' },
  { file: 'kube-scheduler', cn: 'system:kube-scheduler' },
  // KWOK updates nodes/pods and reads its CRDs in every namespace
  { file: 'kwok', cn: 'kwok-controller', org: 'system:masters' },
  { file: 'apiserver-kubelet-client', cn: 'kube-apiserver-kubelet-client', org: 'system:masters' },
];

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  apiserverCert: string;
  apiserverKey: string;
  kwokCert: string;
  kwokKey: string;
  saKey: string;
  saPub: string;
  client(file: string): { cert: string; key: string };
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { code?: string; stderr?: Buffer };
    if (err.code === 'ENOENT') {
      throw new Error('openssl not found on PATH; install it (Debian: apt-get install -y openssl)', {
        cause: e,
      });
    }
    throw new Error(
      `openssl ${args.slice(0, 2).join(' ')} failed: ${err.stderr?.toString().trim() ?? String(e)}`,
      { cause: e },
    );
  }
}

function ecKey(dir: string, name: string): void {
  if (!fs.existsSync(path.join(dir, `${name}.key`))) {
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`], dir);
  }
}

function signed(dir: string, name: string, subject: string, ext: string): void {
  if (fs.existsSync(path.join(dir, `${name}.crt`))) return;
  ecKey(dir, name);
  const extFile = path.join(dir, `${name}.ext`);
  fs.writeFileSync(extFile, ext);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`], dir);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '3650',
      '-sha256',
      '-extfile',
      extFile,
      '-out',
      `${name}.crt`,
    ],
    dir,
  );
  fs.rmSync(path.join(dir, `${name}.csr`));
  fs.rmSync(extFile);
}

export function ensurePki(dir: string): Pki {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!fs.existsSync(path.join(dir, 'ca.crt'))) {
    ecKey(dir, 'ca');
    openssl(
      [
        'req',
        '-x509',
        '-new',
        '-key',
        'ca.key',
        '-subj',
        '/CN=pv-lab-ca',
        '-days',
        '3650',
        '-sha256',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
        '-out',
        'ca.crt',
      ],
      dir,
    );
  }
  const serviceIPs = LAB_CLUSTERS.map((c) => TOPOLOGY[c].serviceCIDR.replace(/\.0\/16$/, '.1'));
  const serverSans = [
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
    'IP:127.0.0.1',
    ...serviceIPs.map((ip) => `IP:${ip}`),
  ];
  const serverExt = (sans: string[]) =>
    `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n` +
    `extendedKeyUsage=serverAuth\nsubjectAltName=${sans.join(',')}\n`;
  signed(dir, 'apiserver', '/CN=kube-apiserver', serverExt(serverSans));
  signed(
    dir,
    'kwok-serving',
    '/CN=kwok-kubelet',
    serverExt(['DNS:localhost', 'IP:127.0.0.1', ...LAB_CLUSTERS.map((c) => `IP:${TOPOLOGY[c].nodeIP}`)]),
  );
  const clientExt =
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n';
  for (const c of CLIENTS) signed(dir, c.file, `${c.org ? `/O=${c.org}` : ''}/CN=${c.cn}`, clientExt);
  if (!fs.existsSync(path.join(dir, 'sa.key'))) {
    ecKey(dir, 'sa');
    openssl(['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
  }
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.key')) fs.chmodSync(path.join(dir, f), 0o600);
  const p = (f: string) => path.join(dir, f);
  return {
    dir,
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    apiserverCert: p('apiserver.crt'),
    apiserverKey: p('apiserver.key'),
    kwokCert: p('kwok-serving.crt'),
    kwokKey: p('kwok-serving.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
    client: (file) => ({ cert: p(`${file}.crt`), key: p(`${file}.key`) }),
  };
}
