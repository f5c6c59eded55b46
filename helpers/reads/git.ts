/**
 * Live Git source validation (GitOps sync risks RISK-T001/RISK-T004; Cilium risk TECH-009): ask the
 * remote itself for the head of the tracked ref with `git ls-remote`, never a cached status.
 * Credentials (basic auth from the GitRepository's Secret) go through GIT_CONFIG_* environment
 * variables, not the command line, so they never show up in a process listing.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class GitRemoteError extends Error {
  override name = 'GitRemoteError';
}

/** Host of an http(s)/git/ssh URL or scp-like `git@host:path`. */
export function remoteHost(url: string): string {
  const scp = url.match(/^[^/@]+@([^:/]+):/);
  if (scp) return scp[1]!;
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host) || host === '::1' || host === '[::1]';
}

/** How to reach the remote: basic auth (http) or an SSH identity with its known_hosts (ssh). */
export interface GitAuth {
  username?: string;
  password?: string;
  /** private key (the Secret's `identity`) and host keys (`known_hosts`), for ssh:// and scp-like remotes */
  ssh?: { identity: string; knownHosts: string };
  timeoutMs?: number;
}

/** The key directory's path is of no use to a reader: `<tmp>` instead. */
const hideDir = (msg: string, dir: string | undefined) => (dir ? msg.split(dir).join('<tmp>') : msg);

export function isSshRemote(url: string): boolean {
  return url.startsWith('ssh://') || /^[^/@]+@[^:/]+:/.test(url);
}

/**
 * `git ls-remote [--tags] <url> [patterns...]` as a map ref -> sha (annotated tags also as
 * `<ref>^{}`, the peeled commit). Basic auth goes through GIT_CONFIG_* variables; an SSH identity
 * through a 0600 key file in a 0700 temporary directory, removed afterwards, with strict host key
 * checking against the given known_hosts (as Flux does): neither reaches a command line or output.
 */
export async function lsRemoteRefs(
  url: string,
  patterns: string[],
  opts: GitAuth & { tags?: boolean } = {},
): Promise<{ refs: Map<string, string>; ms: number }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: 'true',
    SSH_ASKPASS: 'true',
  };
  if (opts.username !== undefined && opts.password !== undefined) {
    const token = Buffer.from(`${opts.username}:${opts.password}`).toString('base64');
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${token}`;
  }
  let keyDir: string | undefined;
  if (opts.ssh) {
    keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-ssh-'));
    const key = path.join(keyDir, 'identity');
    const known = path.join(keyDir, 'known_hosts');
    fs.writeFileSync(key, opts.ssh.identity.endsWith('\n') ? opts.ssh.identity : `${opts.ssh.identity}\n`, {
      mode: 0o600,
    });
    fs.writeFileSync(known, opts.ssh.knownHosts, { mode: 0o600 });
    env.GIT_SSH_COMMAND = [
      'ssh',
      `-i ${key}`,
      '-o IdentitiesOnly=yes',
      '-o BatchMode=yes',
      '-o StrictHostKeyChecking=yes',
      `-o UserKnownHostsFile=${known}`,
      '-o GlobalKnownHostsFile=/dev/null',
      '-o ConnectTimeout=10',
      '-F /dev/null',
    ].join(' ');
  }
  const args = ['ls-remote', ...(opts.tags ? ['--tags'] : []), '--', url, ...patterns];
  const t0 = performance.now();
  try {
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        'git',
        args,
        { env, timeout: opts.timeoutMs ?? 20_000, maxBuffer: 8 << 20 },
        (err, stdout, stderr) => {
          if (err)
            reject(
              new GitRemoteError(
                hideDir(
                  `git ls-remote ${url}${opts.tags ? ' --tags' : ''} ${patterns.filter((p) => !p.endsWith('^{}')).join(' ')} failed: ${(stderr || err.message).trim()}`,
                  keyDir,
                ),
              ),
            );
          else resolve(stdout);
        },
      );
    });
    const refs = new Map<string, string>();
    for (const line of output.split('\n')) {
      const [sha, ref] = line.split('\t');
      if (sha && ref) refs.set(ref, sha);
    }
    return { refs, ms: Math.round(performance.now() - t0) };
  } finally {
    if (keyDir) fs.rmSync(keyDir, { recursive: true, force: true });
  }
}

/**
 * The commit a ref names on the remote: for an annotated tag the peeled commit (`<ref>^{}`), which
 * is what Flux checks out and records in its revision.
 */
export async function lsRemote(
  url: string,
  ref: string,
  opts: GitAuth = {},
): Promise<{ sha: string; ms: number }> {
  const { refs, ms } = await lsRemoteRefs(url, [ref, `${ref}^{}`], opts);
  const sha = refs.get(`${ref}^{}`) ?? refs.get(ref);
  if (!sha) throw new GitRemoteError(`git ls-remote ${url}: ref ${ref} not found on the remote`);
  return { sha, ms };
}

/**
 * The sha of a Flux revision: `<branch|tag|ref>@sha1:<sha>` (or `sha256:`), `sha1:<sha>` for a
 * commit-only ref, the v1beta2 `main/<sha>`, or a bare sha.
 */
export function revisionSha(revision: string | undefined): string | undefined {
  if (!revision) return undefined;
  const m = revision.match(/(?:sha1:|sha256:|\/)?([0-9a-f]{40}|[0-9a-f]{64})$/);
  return m?.[1];
}
