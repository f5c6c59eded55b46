/**
 * The real OCI registry behind Harbor's `harbor-registry` Service: Debian's docker-registry
 * (Docker Distribution 2.8) with htpasswd (bcrypt) authentication for the `harbor-admin` Secret's
 * user, deletes enabled, filesystem storage under .lab/services/harbor-registry/.
 * registry-auth-broken swaps the htpasswd for one with another password (Distribution re-reads
 * the file when its mtime changes, so no restart is needed).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { ServiceCredentials } from './credentials.js';
import { servicePorts } from './ports.js';
import { probeHttp } from './probes.js';
import { ownedFile, procName, serviceDir, type ServicesContext } from './runtime.js';

const REGISTRY = process.env.PV_LAB_REGISTRY || '/usr/bin/docker-registry';
const HTPASSWD = process.env.PV_LAB_HTPASSWD || '/usr/bin/htpasswd';

/** `htpasswd -iBn user` with the password on stdin (never on a command line) */
function bcryptLine(user: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(HTPASSWD, ['-iBn', '-C', '10', user], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`${HTPASSWD}: ${e.message} (install Debian's apache2-utils)`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n')[0] ?? '';
      if (code === 0 && line.startsWith(`${user}:$2`)) resolve(`${line}\n`);
      else reject(new Error(`htpasswd failed (exit ${code}): ${err.trim()}`));
    });
    child.stdin.end(`${password}\n`);
  });
}

export function htpasswdFile(ctx: ServicesContext): string {
  return path.join(serviceDir(ctx, 'harbor-registry'), 'htpasswd');
}

/** Write the htpasswd for the Secret's password ('secret') or a different one ('broken'). */
export async function setRegistryAuth(
  ctx: ServicesContext,
  creds: ServiceCredentials,
  which: 'secret' | 'broken',
) {
  const pw = which === 'secret' ? creds.harbor.password : creds.harbor.broken;
  const file = htpasswdFile(ctx);
  ownedFile(`${file}.tmp`, await bcryptLine(creds.harbor.username, pw), undefined);
  fs.renameSync(`${file}.tmp`, file);
  // mtime granularity: make sure the registry sees a new modification time
  const now = new Date();
  fs.utimesSync(file, now, now);
}

export async function startRegistry(ctx: ServicesContext, creds: ServiceCredentials): Promise<void> {
  if (!fs.existsSync(REGISTRY)) {
    throw new Error(
      `${REGISTRY} not found: install Debian's docker-registry package (apt-get install docker-registry) or set PV_LAB_REGISTRY`,
    );
  }
  const dir = serviceDir(ctx, 'harbor-registry');
  fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
  const port = servicePorts().registry;
  if (!fs.existsSync(htpasswdFile(ctx))) await setRegistryAuth(ctx, creds, 'secret');
  const config = path.join(dir, 'config.yml');
  const secretFile = path.join(dir, 'http-secret');
  if (!fs.existsSync(secretFile)) ownedFile(secretFile, randomBytes(24).toString('hex'), undefined);
  ownedFile(
    config,
    [
      '# written by lab/services/registry.ts',
      'version: 0.1',
      'log:',
      '  level: info',
      '  formatter: text',
      '  fields: { service: harbor-registry }',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${path.join(dir, 'data')}`,
      '  delete:',
      '    enabled: true',
      '  cache:',
      '    blobdescriptor: inmemory',
      '  maintenance:',
      '    uploadpurging: { enabled: false }',
      'http:',
      `  addr: 127.0.0.1:${port}`,
      `  secret: ${fs.readFileSync(secretFile, 'utf8').trim()}`,
      '  headers:',
      '    X-Content-Type-Options: [nosniff]',
      'auth:',
      '  htpasswd:',
      '    realm: harbor-registry',
      `    path: ${htpasswdFile(ctx)}`,
      'health:',
      '  storagedriver: { enabled: false }',
      '',
    ].join('\n'),
    undefined,
  );
  await ctx.procs.start({
    name: procName('harbor-registry'),
    command: REGISTRY,
    args: ['serve', config],
    ports: [port],
    group: 'services',
    // the registry API answers 401 with a Basic challenge when auth is on
    ready: async () => (await probeHttp(`http://127.0.0.1:${port}/v2/`, [401], 2_000)).ok,
    readyTimeoutMs: 20_000,
  });
}

export async function stopRegistry(ctx: ServicesContext): Promise<void> {
  await ctx.procs.stop(procName('harbor-registry'), 5_000);
}
