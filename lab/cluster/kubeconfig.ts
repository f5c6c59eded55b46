/**
 * Kubeconfig files: .lab/kubeconfig (contexts lab-infra, lab-apps; user lab-admin) for people,
 * tests and the framework, and one per control-plane component and cluster in .lab/pki/.
 * Certificates are embedded as data so the file works when copied elsewhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { LAB_CLUSTERS, TOPOLOGY, type LabClusterName } from '../core/topology.js';
import type { Pki } from './pki.js';

const b64 = (file: string) => fs.readFileSync(file).toString('base64');

export function serverUrl(cluster: LabClusterName): string {
  return `https://127.0.0.1:${TOPOLOGY[cluster].apiserverPort}`;
}

function build(
  pki: Pki,
  clientFile: string,
  user: string,
  clusters: readonly LabClusterName[],
  current: LabClusterName,
): string {
  const { cert, key } = pki.client(clientFile);
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: clusters.map((c) => ({
      name: TOPOLOGY[c].context,
      cluster: { server: serverUrl(c), 'certificate-authority-data': b64(pki.caCert) },
    })),
    users: [{ name: user, user: { 'client-certificate-data': b64(cert), 'client-key-data': b64(key) } }],
    contexts: clusters.map((c) => ({
      name: TOPOLOGY[c].context,
      context: { cluster: TOPOLOGY[c].context, user },
    })),
    'current-context': TOPOLOGY[current].context,
    preferences: {},
  });
}

/** .lab/kubeconfig with both contexts (current: lab-infra). */
export function writeAdminKubeconfig(file: string, pki: Pki): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, build(pki, 'admin', 'lab-admin', LAB_CLUSTERS, 'infra'), { mode: 0o600 });
}

/** kubeconfig of one component (kube-controller-manager, kube-scheduler, kwok) for one cluster */
export function writeComponentKubeconfig(pki: Pki, component: string, cluster: LabClusterName): string {
  const file = path.join(pki.dir, `${cluster}-${component}.kubeconfig`);
  fs.writeFileSync(file, build(pki, component, component, [cluster], cluster), { mode: 0o600 });
  return file;
}
