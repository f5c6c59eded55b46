/**
 * One real PgBouncer per CNPG Pooler (gitlab, harbor, keycloak, synergyflow), each on its own
 * port, in front of shared-postgres-1 like a CNPG `type: rw` Pooler. CNPG's poolers look users
 * up with auth_query over TLS; the lab uses an auth_file holding the pooler's app user only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { appDatabases, type PoolerApp } from './catalogue.js';
import type { ServiceCredentials } from './credentials.js';
import { servicePorts } from './ports.js';
import { probePostgres } from './probes.js';
import {
  ownedDir,
  ownedFile,
  procName,
  serviceDir,
  unprivilegedUser,
  type ServicesContext,
} from './runtime.js';

const PGBOUNCER = process.env.PV_LAB_PGBOUNCER || '/usr/sbin/pgbouncer';

export async function startPgbouncer(
  ctx: ServicesContext,
  creds: ServiceCredentials,
  app: PoolerApp,
): Promise<void> {
  if (!fs.existsSync(PGBOUNCER)) {
    throw new Error(
      `${PGBOUNCER} not found: install Debian's pgbouncer package (apt-get install pgbouncer) or set PV_LAB_PGBOUNCER`,
    );
  }
  const runAs = unprivilegedUser();
  const name = `pgbouncer-${app}`;
  const dir = ownedDir(serviceDir(ctx, name), runAs);
  const p = servicePorts();
  const port = p.pgbouncer[app];
  const { user, database } = appDatabases[app];
  const password = creds.postgres.apps[app];
  const userlist = path.join(dir, 'userlist.txt');
  ownedFile(userlist, `"${user}" "${password}"\n`, runAs);
  const ini = path.join(dir, 'pgbouncer.ini');
  ownedFile(
    ini,
    [
      '; written by lab/services/pgbouncer.ts',
      '[databases]',
      `* = host=127.0.0.1 port=${p.postgres[0]}`,
      '',
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      `auth_file = ${userlist}`,
      'pool_mode = session',
      'max_client_conn = 100',
      'default_pool_size = 5',
      'ignore_startup_parameters = extra_float_digits,options',
      'server_tls_sslmode = disable',
      `application_name_add_host = 0`,
      '',
    ].join('\n'),
    runAs,
  );
  const common = {
    command: PGBOUNCER,
    args: [ini],
    ports: [port],
    ready: async () => (await probePostgres({ port, user, password, database, timeoutMs: 2_000 })).ok,
    readyTimeoutMs: 30_000,
  };
  await ctx.procs.start({ name: procName(name), group: 'services', ...(runAs ? { runAs } : {}), ...common });
}

/** SIGTERM is PgBouncer's immediate shutdown: clients see their connections drop. */
export async function stopPgbouncer(ctx: ServicesContext, app: PoolerApp): Promise<void> {
  await ctx.procs.stop(procName(`pgbouncer-${app}`), 5_000);
}
