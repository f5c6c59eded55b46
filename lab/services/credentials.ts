/**
 * Per-lab random credentials of the services, generated once and kept in
 * .lab/services/credentials.json (mode 0600, git-ignored). Never printed: callers put them in
 * Secrets (serviceSecrets) and config files with mode 0600.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { poolerApps, type PoolerApp } from './catalogue.js';

export interface ServiceCredentials {
  postgres: {
    superuser: string;
    app: string;
    replication: string;
    /** the pg_monitor role DB-CNPG-001 reads pg_stat_replication with */
    monitor: string;
    apps: Record<PoolerApp, string>;
  };
  dragonfly: { password: string; /** the value dragonfly-auth-wrong switches Redis to */ wrong: string };
  harbor: {
    username: string;
    password: string;
    /** htpasswd password while registry-auth-broken */ broken: string;
  };
}

/** 24 url-safe characters (144 random bits): safe in URIs, pgbouncer/redis config and htpasswd */
export function newPassword(): string {
  return randomBytes(18).toString('base64url');
}

export function credentialsFile(stateRoot: string): string {
  return path.join(stateRoot, 'services', 'credentials.json');
}

function generate(): ServiceCredentials {
  const apps = Object.fromEntries(poolerApps.map((a) => [a, newPassword()])) as Record<PoolerApp, string>;
  return {
    postgres: {
      superuser: newPassword(),
      app: newPassword(),
      replication: newPassword(),
      monitor: newPassword(),
      apps,
    },
    dragonfly: { password: newPassword(), wrong: newPassword() },
    harbor: { username: 'admin', password: newPassword(), broken: newPassword() },
  };
}

/** Load the lab's credentials, creating them on first use. */
export function loadCredentials(stateRoot: string): ServiceCredentials {
  const file = credentialsFile(stateRoot);
  try {
    const kept = JSON.parse(fs.readFileSync(file, 'utf8')) as ServiceCredentials;
    // a lab made before a credential was added gets it now, the others kept
    if (!kept.postgres.monitor) {
      kept.postgres.monitor = newPassword();
      writePrivate(file, JSON.stringify(kept, null, 2));
    }
    return kept;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(
        `${file}: unreadable lab credentials (${(e as Error).message}); delete it and run lab up again`,
        { cause: e },
      );
    }
  }
  const creds = generate();
  writePrivate(file, JSON.stringify(creds, null, 2));
  return creds;
}

/** Write a file only its owner can read (created 0600 before any byte is written). */
export function writePrivate(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, { mode: 0o600 });
  fs.renameSync(tmp, file);
}
