/**
 * Per-cluster substitution values for the fixtures (Flux postBuild style `${VAR}`), from the lab
 * topology and the reference platform's cluster-settings. Generated per-lab secrets (tokens that
 * no service checks, e.g. the 1Password Connect token) are kept in .lab/sim/secrets.json (0600).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ClusterTopology, LabClusterName } from '../core/topology.js';
import { gitUrl } from './git.js';

export type Values = Record<string, string>;

/** Reference values that are not part of the lab topology (000_e70d…: ASNs, ClusterMesh address; the LB pool and Gateway address come from the topology). */
const REFERENCE: Record<LabClusterName, Values> = {
  infra: {
    CLUSTERMESH_IP: '10.245.10.200',
    BGP_LOCAL_ASN: '64512',
  },
  apps: {
    CLUSTERMESH_IP: '10.247.10.200',
    BGP_LOCAL_ASN: '64513',
  },
};

/** The revision reported when the lab's Git remote does not exist (unit tests). */
export const GIT_REVISION = 'main@sha1:4f1c2b9e7d3a5c8b0e6f2a1d9c7b5e3f8a0d2c4b';

interface SimSecrets {
  /** when this lab was first seeded (Helm release timestamps stay stable across re-seeds) */
  createdAt?: string;
  onepasswordToken: string;
  grafanaPassword: string;
  s3AccessKey: string;
  s3SecretKey: string;
}

function loadSimSecrets(stateRoot: string): SimSecrets {
  const file = path.join(stateRoot, 'sim', 'secrets.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SimSecrets;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new Error(`${file}: unreadable (${(e as Error).message}); delete it and run lab up again`, {
        cause: e,
      });
  }
  const gen = (n: number) => randomBytes(n).toString('base64url');
  const s: SimSecrets = {
    createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    onepasswordToken: gen(48),
    grafanaPassword: gen(18),
    s3AccessKey: gen(12).toUpperCase(),
    s3SecretKey: gen(30),
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(s, null, 2), { mode: 0o600 });
  return s;
}

function iso(offsetMs: number, now: number): string {
  return new Date(now + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function clusterValues(topo: ClusterTopology, stateRoot: string, now = Date.now()): Values {
  const s = loadSimSecrets(stateRoot);
  const h = 3_600_000;
  return {
    CLUSTER: topo.name,
    CLUSTER_ID: String(topo.id),
    POD_CIDR: topo.podCIDR,
    SERVICE_CIDR: topo.serviceCIDR,
    COREDNS_CLUSTER_IP: topo.dnsClusterIP,
    COREDNS_REPLICAS: '2',
    SECRET_DOMAIN: 'monosense.io',
    DRAGONFLY_AUTH_SECRET_PATH: 'dragonfly/auth',
    GIT_URL: gitUrl(),
    GIT_REVISION,
    LB_POOL_CIDR: topo.lbPoolCIDR,
    GATEWAY_LB_IP: topo.gatewayIP,
    ...REFERENCE[topo.name],
    ONEPASSWORD_TOKEN: s.onepasswordToken,
    GRAFANA_PASSWORD: s.grafanaPassword,
    S3_ACCESS_KEY: s.s3AccessKey,
    S3_SECRET_KEY: s.s3SecretKey,
    SEEDED_AT: s.createdAt ?? '2025-10-26T03:00:00Z',
    NOW: iso(0, now),
    NOW_MINUS_1H: iso(-h, now),
    NOW_PLUS_23H: iso(23 * h, now),
    NOW_PLUS_60D: iso(60 * 24 * h, now),
    NOW_PLUS_90D: iso(90 * 24 * h, now),
  };
}

/** Replace `${VAR}` like Flux postBuild; an unknown variable is an error naming the file. */
export function substitute(text: string, values: Values, file: string): string {
  return text.replace(/\$\{([A-Z0-9_]+)\}/g, (_m, name: string) => {
    const v = values[name];
    if (v === undefined)
      throw new Error(
        `${file}: unknown substitution variable \${${name}} (known: ${Object.keys(values).sort().join(', ')})`,
      );
    return v;
  });
}
