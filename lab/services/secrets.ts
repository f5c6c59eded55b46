/**
 * The Secrets that hold the services' credentials, shaped the way the real operators/charts
 * write them (CNPG's basic-auth Secrets with uri/host/port/dbname/...), for lab/sim to apply.
 * Values come from the lab's credentials file; nothing here is printed.
 */
import { MONITOR_USER, appDatabases, poolerApps } from './catalogue.js';
import { loadCredentials } from './credentials.js';
import type { ServicesContext } from './runtime.js';

export interface SecretManifest {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string; labels?: Record<string, string> };
  type: string;
  stringData: Record<string, string>;
}

const PG_NS = 'cnpg-system';

/** CloudNativePG's credentials Secret (pkg/specs/secrets.go CreateSecret): same keys and forms. */
function cnpgSecret(
  name: string,
  hostname: string,
  dbname: string,
  username: string,
  password: string,
  userType: 'superuser' | 'app',
): SecretManifest {
  const port = 5432;
  const namespaced = `${hostname}.${PG_NS}:${port}`;
  const fqdnHost = `${hostname}.${PG_NS}.svc.cluster.local`;
  const uri = (host: string) => {
    const u = new URL(`postgresql://${host}/${dbname}`);
    u.username = username;
    u.password = password;
    return u.toString();
  };
  const jdbc = (host: string) =>
    `jdbc:postgresql://${host}/${dbname}?${new URLSearchParams({ password, user: username }).toString()}`;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name,
      namespace: PG_NS,
      labels: {
        'cnpg.io/userType': userType,
        'cnpg.io/reload': 'true',
        'app.kubernetes.io/managed-by': 'cloudnative-pg',
        'cnpg.io/cluster': 'shared-postgres',
      },
    },
    type: 'kubernetes.io/basic-auth',
    stringData: {
      username,
      user: username,
      password,
      dbname,
      host: fqdnHost,
      hostname,
      port: String(port),
      pgpass: `${hostname}:${port}:${dbname}:${username}:${password}\n`,
      uri: uri(namespaced),
      'jdbc-uri': jdbc(namespaced),
      'fqdn-uri': uri(`${fqdnHost}:${port}`),
      'fqdn-jdbc-uri': jdbc(`${fqdnHost}:${port}`),
    },
  };
}

/**
 * Every credentials Secret the services need, in the apps cluster:
 * - cnpg-system/shared-postgres-superuser, shared-postgres-app (CNPG-generated shape)
 * - cnpg-system/<app>-db-credentials per pooler app: the role CNPG manages from this Secret
 *   (`managed.roles[].passwordSecret`), with CNPG's keys pointing at the app's pooler Service
 * - cnpg-system/platform-validation-pg-monitor: the pg_monitor role DB-CNPG-001 reads
 *   pg_stat_replication with (a managed role, `inRoles: [pg_monitor]`)
 * - dragonfly-system/dragonfly-auth (`password`, used by `spec.authentication.passwordFromSecret`)
 * - harbor/harbor-admin (`username`/`password` of the registry's htpasswd user)
 * - harbor/harbor-core: the chart's core Secret, here with the Redis URLs carrying Dragonfly's password
 *   (`_REDIS_URL_CORE` db 0, `_REDIS_URL_REG` db 2, as the chart's urlForCore/urlForRegistry render
 *   `redis.external.addr` with a password), kept out of the ConfigMap
 */
export function serviceSecrets(ctx: Pick<ServicesContext, 'paths'>): SecretManifest[] {
  const c = loadCredentials(ctx.paths.root);
  const out: SecretManifest[] = [
    cnpgSecret(
      'shared-postgres-superuser',
      'shared-postgres-rw',
      '*',
      'postgres',
      c.postgres.superuser,
      'superuser',
    ),
    cnpgSecret('shared-postgres-app', 'shared-postgres-rw', 'app', 'app', c.postgres.app, 'app'),
  ];
  // a managed role's passwordSecret (basic-auth, written by the platform team, not by CNPG)
  out.push({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'platform-validation-pg-monitor', namespace: PG_NS },
    type: 'kubernetes.io/basic-auth',
    stringData: { username: MONITOR_USER, password: c.postgres.monitor },
  });
  for (const app of poolerApps) {
    const { user, database } = appDatabases[app];
    const s = cnpgSecret(
      `${app}-db-credentials`,
      `${app}-pooler-rw`,
      database,
      user,
      c.postgres.apps[app],
      'app',
    );
    s.metadata.labels = { 'cnpg.io/reload': 'true', 'app.kubernetes.io/part-of': app };
    out.push(s);
  }
  out.push({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'dragonfly-auth', namespace: 'dragonfly-system' },
    type: 'Opaque',
    stringData: { password: c.dragonfly.password },
  });
  out.push({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'harbor-admin', namespace: 'harbor' },
    type: 'kubernetes.io/basic-auth',
    stringData: { username: c.harbor.username, password: c.harbor.password },
  });
  const dragonfly = `redis://:${encodeURIComponent(c.dragonfly.password)}@dragonfly.dragonfly-system:6379`;
  out.push({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'harbor-core', namespace: 'harbor' },
    type: 'Opaque',
    stringData: {
      _REDIS_URL_CORE: `${dragonfly}/0?idle_timeout_seconds=30`,
      _REDIS_URL_REG: `${dragonfly}/2?idle_timeout_seconds=30`,
    },
  });
  return out;
}
