/**
 * The lab's GitOps remote: a bare repository (.lab/sim/git/k8s-gitops.git) with the clusters'
 * entry points, served read-only over Git's smart HTTP protocol by the real `git http-backend`
 * (CGI) behind a small Node HTTP front on 127.0.0.1. The Flux GitRepository points at it and its
 * simulated status reports the branch head, so a check can validate the source live
 * (`git ls-remote`) and compare it with the artifact revision.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { GIT_PORT } from './ports.js';

export const GIT_REPO = 'k8s-gitops.git';

export function gitRoot(stateRoot: string): string {
  return path.join(stateRoot, 'sim', 'git');
}

export function gitUrl(): string {
  return `http://127.0.0.1:${GIT_PORT}/${GIT_REPO}`;
}

const git = (args: string[], cwd?: string) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'platform-bot',
      GIT_AUTHOR_EMAIL: 'platform-bot@monosense.io',
      GIT_COMMITTER_NAME: 'platform-bot',
      GIT_COMMITTER_EMAIL: 'platform-bot@monosense.io',
      GIT_AUTHOR_DATE: '2025-10-26T03:00:00Z',
      GIT_COMMITTER_DATE: '2025-10-26T03:00:00Z',
    },
  }).trim();

/** Create the bare repository once (a commit with both clusters' Flux entry points). */
export function ensureGitRepo(stateRoot: string): string {
  const bare = path.join(gitRoot(stateRoot), GIT_REPO);
  if (fs.existsSync(path.join(bare, 'HEAD'))) return bare;
  const files: Record<string, string> = { 'README.md': '# k8s-gitops (lab copy)\n' };
  for (const c of ['infra', 'apps'])
    files[`kubernetes/clusters/${c}/flux-system/kustomization.yaml`] =
      `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../settings\n  - ../infrastructure.yaml\n  - ../workloads.yaml\n`;
  return writeBareRepo(stateRoot, GIT_REPO, files, 'feat: clusters infra and apps');
}

/**
 * (Re)create a bare repository `name` on the lab remote with one commit of `files` (path -> text)
 * on `main`: what a push of that tree would leave. Served at `http://127.0.0.1:<GIT_PORT>/<name>`.
 */
export function writeBareRepo(
  stateRoot: string,
  name: string,
  files: Record<string, string>,
  message = `lab: ${name}`,
): string {
  const bare = path.join(gitRoot(stateRoot), name);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-lab-git-'));
  try {
    git(['init', '-q', '-b', 'main', work]);
    for (const [file, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
      fs.writeFileSync(path.join(work, file), text);
    }
    git(['add', '-A'], work);
    git(['commit', '-q', '-m', message], work);
    fs.rmSync(bare, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(bare), { recursive: true });
    git(['clone', '-q', '--bare', work, bare]);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return bare;
}

/** `main@sha1:<head>` of the lab repository, or undefined when it does not exist (no lab). */
export function gitRevision(stateRoot: string): string | undefined {
  const bare = path.join(gitRoot(stateRoot), GIT_REPO);
  if (!fs.existsSync(path.join(bare, 'HEAD'))) return undefined;
  return `main@sha1:${git(['--git-dir', bare, 'rev-parse', 'refs/heads/main'])}`;
}

/** Serve the repositories under gitRoot read-only through `git http-backend` (CGI). */
export function startGitServer(stateRoot: string, port = GIT_PORT): Promise<http.Server> {
  const root = gitRoot(stateRoot);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (
      url.pathname.endsWith('/git-receive-pack') ||
      url.searchParams.get('service') === 'git-receive-pack'
    ) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('read-only lab remote\n');
      return;
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        CONTENT_LENGTH: req.headers['content-length'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
        SERVER_PROTOCOL: 'HTTP/1.1',
      },
    });
    const timer = setTimeout(() => cgi.kill('SIGKILL'), 30_000);
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        if (i < 0) continue;
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]) || 200;
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', (code) => {
      clearTimeout(timer);
      if (!headersDone) res.writeHead(code === 0 ? 200 : 500).end();
      else res.end();
    });
    cgi.on('error', () => {
      clearTimeout(timer);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
