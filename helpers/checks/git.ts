/**
 * Live Git source validation (GitOps sync risks RISK-T001/RISK-T004; Cilium risk TECH-009): ask the
 * remote itself for the head of the tracked ref with `git ls-remote`, never a cached status.
 * Credentials (basic auth from the GitRepository's Secret) go through GIT_CONFIG_* environment
 * variables, not the command line, so they never show up in a process listing.
 */
import { execFile } from 'node:child_process';

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

export async function lsRemote(
  url: string,
  ref: string,
  opts: { username?: string; password?: string; timeoutMs?: number } = {},
): Promise<{ sha: string; output: string; ms: number }> {
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
  const t0 = performance.now();
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      'git',
      ['ls-remote', '--', url, ref],
      { env, timeout: opts.timeoutMs ?? 20_000, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err)
          reject(new GitRemoteError(`git ls-remote ${url} ${ref} failed: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      },
    );
  });
  const line = output.split('\n').find((l) => l.endsWith(`\t${ref}`));
  if (!line) throw new GitRemoteError(`git ls-remote ${url}: ref ${ref} not found on the remote`);
  return { sha: line.split('\t')[0]!, output, ms: Math.round(performance.now() - t0) };
}

/** `main@sha1:<sha>` (Flux v2 revision format) or a bare sha -> the sha. */
export function revisionSha(revision: string | undefined): string | undefined {
  if (!revision) return undefined;
  const m = revision.match(/(?:sha1:|sha256:|\/)?([0-9a-f]{40}|[0-9a-f]{64})$/);
  return m?.[1];
}
