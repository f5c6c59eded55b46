/**
 * PostgreSQL for the CNPG cluster `shared-postgres`: a real primary (shared-postgres-1) and two
 * real hot standbys streaming from it (shared-postgres-2 synchronous, -3 potential), Debian's
 * PostgreSQL 15 binaries, run as an unprivileged user when the lab runs as root.
 * Roles and databases are created the way CNPG bootstraps them (app/app) plus one role and
 * database per pooler app, with the passwords of the lab's Secrets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { MONITOR_USER, appDatabases, poolerApps } from './catalogue.js';
import { writePrivate, type ServiceCredentials } from './credentials.js';
import { servicePorts } from './ports.js';
import { probePostgres } from './probes.js';
import {
  ownedDir,
  ownedFile,
  procName,
  runToEnd,
  serviceDir,
  stopWith,
  unprivilegedUser,
  type ServicesContext,
} from './runtime.js';
import pg from 'pg';

export const PG_BIN = process.env.PV_LAB_PG_BIN || '/usr/lib/postgresql/15/bin';
export const PG_INSTANCES = ['shared-postgres-1', 'shared-postgres-2', 'shared-postgres-3'] as const;
const REPLICATION_USER = 'streaming_replica';

function checkBinaries(): void {
  for (const b of ['initdb', 'postgres', 'pg_basebackup']) {
    if (!fs.existsSync(path.join(PG_BIN, b))) {
      throw new Error(
        `${path.join(PG_BIN, b)} not found: install Debian's postgresql package (apt-get install postgresql) or set PV_LAB_PG_BIN to its bin directory`,
      );
    }
  }
}

function dataDir(ctx: ServicesContext, instance: string): string {
  return path.join(serviceDir(ctx, 'postgres'), instance);
}

/** postgres -c settings (no secrets: those live in files only the server user reads) */
function settings(instance: string, port: number): string[] {
  const s: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: '',
    cluster_name: instance,
    max_connections: '60',
    shared_buffers: '16MB',
    wal_level: 'replica',
    max_wal_senders: '6',
    wal_keep_size: '128MB',
    hot_standby: 'on',
    hot_standby_feedback: 'on',
    password_encryption: 'scram-sha-256',
    fsync: 'off', // a throw-away lab: durability is not what it demonstrates
    log_destination: 'stderr',
    logging_collector: 'off',
    log_line_prefix: '%m [%p] %q%u@%d ',
  };
  if (instance === PG_INSTANCES[0]) {
    // CNPG `synchronous: {method: first, number: 1}`: -2 is 'sync', -3 'potential' in pg_stat_replication
    s.synchronous_standby_names = `FIRST 1 ("${PG_INSTANCES[1]}", "${PG_INSTANCES[2]}")`;
  }
  return Object.entries(s).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
}

const HBA = [
  '# written by lab/services/postgres.ts: loopback only, SCRAM everywhere',
  `host replication ${REPLICATION_USER} 127.0.0.1/32 scram-sha-256`,
  'host all all 127.0.0.1/32 scram-sha-256',
  '',
].join('\n');

async function initPrimary(ctx: ServicesContext, creds: ServiceCredentials): Promise<void> {
  const runAs = unprivilegedUser();
  const dir = dataDir(ctx, PG_INSTANCES[0]);
  if (fs.existsSync(path.join(dir, 'PG_VERSION'))) return;
  fs.rmSync(dir, { recursive: true, force: true });
  ownedDir(dir, runAs);
  const pwfile = path.join(serviceDir(ctx, 'postgres'), '.initdb-pw');
  ownedFile(pwfile, `${creds.postgres.superuser}\n`, runAs);
  try {
    await runToEnd(
      path.join(PG_BIN, 'initdb'),
      [
        '-D',
        dir,
        '-U',
        'postgres',
        `--pwfile=${pwfile}`,
        '-A',
        'scram-sha-256',
        '-E',
        'UTF8',
        '--no-locale',
        '--no-sync',
      ],
      { runAs, timeoutMs: 120_000 },
    );
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
  ownedFile(path.join(dir, 'pg_hba.conf'), HBA, runAs);
}

async function initStandby(ctx: ServicesContext, creds: ServiceCredentials, instance: string): Promise<void> {
  const runAs = unprivilegedUser();
  const dir = dataDir(ctx, instance);
  if (fs.existsSync(path.join(dir, 'PG_VERSION'))) return;
  fs.rmSync(dir, { recursive: true, force: true });
  ownedDir(dir, runAs);
  const primaryPort = servicePorts().postgres[0];
  await runToEnd(
    path.join(PG_BIN, 'pg_basebackup'),
    [
      '-h',
      '127.0.0.1',
      '-p',
      String(primaryPort),
      '-U',
      REPLICATION_USER,
      '-D',
      dir,
      '-X',
      'stream',
      '-c',
      'fast',
      '--no-sync',
    ],
    { runAs, env: { ...process.env, PGPASSWORD: creds.postgres.replication }, timeoutMs: 120_000 },
  );
  ownedFile(path.join(dir, 'standby.signal'), '', runAs);
}

/** primary_conninfo carries the replication password: only in the server user's 0600 file (every start, so a moved port base follows) */
function writeConninfo(ctx: ServicesContext, creds: ServiceCredentials, instance: string): void {
  const primaryPort = servicePorts().postgres[0];
  const conninfo = `host=127.0.0.1 port=${primaryPort} user=${REPLICATION_USER} password=${creds.postgres.replication} application_name=${instance}`;
  ownedFile(
    path.join(dataDir(ctx, instance), 'postgresql.auto.conf'),
    `primary_conninfo = '${conninfo}'\n`,
    unprivilegedUser(),
  );
}

/** Roles and databases (idempotent; passwords re-applied so they always match the Secrets). */
async function bootstrapSql(creds: ServiceCredentials): Promise<void> {
  const port = servicePorts().postgres[0];
  const connect = () =>
    new pg.Client({
      host: '127.0.0.1',
      port,
      user: 'postgres',
      password: creds.postgres.superuser,
      database: 'postgres',
      connectionTimeoutMillis: 5_000,
    });
  // the primary answered its readiness probe, but a loaded machine can still miss one connect
  // (pg's "timeout expired"): retry for a bounded 30 s, then fail naming the primary
  const deadline = Date.now() + 30_000;
  let client = connect();
  for (;;) {
    try {
      await client.connect();
      break;
    } catch (e) {
      await client.end().catch(() => {});
      if (Date.now() > deadline)
        throw new Error(
          `postgres primary 127.0.0.1:${port}: cannot connect to create roles and databases for 30 s: ${(e as Error).message}`,
          { cause: e },
        );
      await new Promise((r) => setTimeout(r, 1_000));
      client = connect();
    }
  }
  try {
    // the standbys are cloned after this: do not wait for a synchronous standby that is not there yet
    await client.query('SET synchronous_commit TO local');
    const lit = (s: string) => client.escapeLiteral(s);
    const id = (s: string) => client.escapeIdentifier(s);
    const role = async (name: string, password: string, extra = '') => {
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      const verb = exists.rowCount ? 'ALTER' : 'CREATE';
      await client.query(`${verb} ROLE ${id(name)} WITH LOGIN ${extra} PASSWORD ${lit(password)}`);
    };
    const database = async (name: string, owner: string) => {
      const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!exists.rowCount) await client.query(`CREATE DATABASE ${id(name)} OWNER ${id(owner)}`);
    };
    await role(REPLICATION_USER, creds.postgres.replication, 'REPLICATION');
    await role('app', creds.postgres.app);
    // what a CNPG managed role with inRoles: [pg_monitor] is: reads pg_stat_replication's state
    await role(MONITOR_USER, creds.postgres.monitor);
    await client.query(`GRANT pg_monitor TO ${id(MONITOR_USER)}`);
    await database('app', 'app');
    for (const app of poolerApps) {
      const { user, database: db } = appDatabases[app];
      await role(user, creds.postgres.apps[app]);
      await database(db, user);
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/** The pgpass file `kubectl exec shared-postgres-N -- psql -U postgres` uses (PGPASSFILE). */
export function pgpassFile(ctx: ServicesContext): string {
  return path.join(ctx.paths.root, 'services', 'pgpass');
}

export async function startPostgresInstance(
  ctx: ServicesContext,
  creds: ServiceCredentials,
  instance: string,
) {
  const runAs = unprivilegedUser();
  const index = PG_INSTANCES.indexOf(instance as (typeof PG_INSTANCES)[number]);
  if (index < 0) throw new Error(`unknown postgres instance ${instance}`);
  const port = servicePorts().postgres[index]!;
  const dir = dataDir(ctx, instance);
  if (index > 0 && !ctx.procs.isRunning(procName(instance))) writeConninfo(ctx, creds, instance);
  const common = {
    command: path.join(PG_BIN, 'postgres'),
    args: ['-D', dir, ...settings(instance, port)],
    ports: [port],
    ready: async () =>
      (
        await probePostgres({
          port,
          user: 'postgres',
          password: creds.postgres.superuser,
          database: 'postgres',
          timeoutMs: 2_000,
        })
      ).ok,
    readyTimeoutMs: 60_000,
  };
  await ctx.procs.start({
    name: procName(instance),
    group: 'services',
    ...(runAs ? { runAs } : {}),
    ...common,
  });
}

/** Start primary, create roles/databases, then the standbys (cloned on first start). */
export async function startPostgres(ctx: ServicesContext, creds: ServiceCredentials): Promise<void> {
  checkBinaries();
  const runAs = unprivilegedUser();
  ownedDir(serviceDir(ctx, 'postgres'), runAs, 0o755);
  writePrivate(
    pgpassFile(ctx),
    servicePorts()
      .postgres.map((port) => `127.0.0.1:${port}:*:postgres:${creds.postgres.superuser}`)
      .join('\n') + '\n',
  );
  await initPrimary(ctx, creds);
  // pg_hba is ours on every start (a scenario or a person may have edited it)
  ownedFile(path.join(dataDir(ctx, PG_INSTANCES[0]), 'pg_hba.conf'), HBA, runAs);
  await startPostgresInstance(ctx, creds, PG_INSTANCES[0]);
  await bootstrapSql(creds);
  await Promise.all(
    PG_INSTANCES.slice(1).map(async (instance) => {
      await initStandby(ctx, creds, instance);
      await startPostgresInstance(ctx, creds, instance);
    }),
  );
}

export async function stopPostgresInstance(ctx: ServicesContext, instance: string): Promise<void> {
  await stopWith(ctx, procName(instance), 'SIGINT', 15_000); // fast shutdown
}

/** Standbys first, then the primary. */
export async function stopPostgres(ctx: ServicesContext): Promise<void> {
  await Promise.all(PG_INSTANCES.slice(1).map((i) => stopPostgresInstance(ctx, i)));
  await stopPostgresInstance(ctx, PG_INSTANCES[0]);
}
