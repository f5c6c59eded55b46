// The live GitOps mechanisms (helpers/probes/flux.ts): the GitRepository's remote, ref and Secret on
// recorded objects (and what the run refuses), the live head of a local Git repository through `git
// ls-remote`, and the Kustomizations behind their source. Passing and failing shapes.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { factsDefaults, type Facts } from '../../../helpers/config/index.js';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import type { KObject } from '../../../helpers/reads/k8s.js';
import { remoteHost, revisionSha } from '../../../helpers/reads/git.js';
import {
  gitSourceOf,
  highestTagIn,
  trackedRef,
  type TrackedRef,
  kustomizationsBehind,
  liveRemoteHead,
  readKustomizationsBehind,
} from '../../../helpers/probes/flux.js';
import { failure, fakeEvidence } from './fake-run.js';
import { closedPort } from '../harness.js';

const flux = (): Facts['flux'] => ({
  ...(structuredClone(factsDefaults('infra')) as Facts).flux,
  remoteUrl: '',
});
const gitRepo = (spec: Record<string, unknown>, revision?: string): KObject => ({
  metadata: { namespace: 'flux-system', name: 'flux-system' },
  spec,
  status: revision ? { artifact: { revision } } : {},
});

describe('gitSourceOf (GITOPS-FLUX-001)', () => {
  it('passes: spec.url, the branch as a full ref, the Secret the facts name', () => {
    const f = flux();
    expect(
      gitSourceOf(gitRepo({ url: 'https://git.example/p.git', ref: { branch: 'prod' } }), f, false),
    ).toEqual({
      url: 'https://git.example/p.git',
      tracked: { kind: 'branch', branch: 'prod' },
      ref: 'refs/heads/prod',
    });
    const withSecret = gitRepo({
      url: 'http://127.0.0.1:3000/p.git',
      ref: { branch: 'main' },
      secretRef: { name: f.gitSecret },
    });
    expect(gitSourceOf(withSecret, f, true)).toMatchObject({
      url: 'http://127.0.0.1:3000/p.git',
      ref: 'refs/heads/main',
      secret: f.gitSecret,
    });
    expect(
      gitSourceOf(
        gitRepo({ url: 'x', ref: { name: 'refs/tags/v1' } }),
        { ...f, remoteUrl: 'http://localhost/p' },
        true,
      ),
    ).toMatchObject({ url: 'http://localhost/p', ref: 'refs/tags/v1' });
  });
  it("no spec.ref (or an empty one) tracks Flux's default branch master, not main nor the remote HEAD", () => {
    for (const spec of [{ url: 'https://git.example/p.git' }, { url: 'https://git.example/p.git', ref: {} }])
      expect(gitSourceOf(gitRepo(spec), flux(), false).ref).toBe('refs/heads/master');
  });
  it('spec.ref precedence is commit > name > semver > tag > branch (source-controller v1)', () => {
    const all = { branch: 'b', tag: 't', semver: '^1', name: 'refs/pull/1/head', commit: 'c'.repeat(40) };
    const order: [keyof typeof all, TrackedRef][] = [
      ['commit', { kind: 'commit', commit: 'c'.repeat(40), branch: 'b' }],
      ['name', { kind: 'name', name: 'refs/pull/1/head' }],
      ['semver', { kind: 'semver', range: '^1' }],
      ['tag', { kind: 'tag', tag: 't' }],
      ['branch', { kind: 'branch', branch: 'b' }],
    ];
    const ref: Record<string, string> = { ...all };
    for (const [field, want] of order) {
      expect(trackedRef(ref), `with ${Object.keys(ref).join(', ')}`).toEqual(want);
      delete ref[field];
    }
  });
  it('fails naming the GitRepository: no URL, a non-loopback remote in the lab, another Secret', async () => {
    const f = flux();
    expect(await failure(() => gitSourceOf(gitRepo({}), f, false))).toMatch(
      new RegExp(`^GitRepository ${f.namespace}/${f.gitRepository} spec.url: expected '' not to be ''`),
    );
    for (const url of [
      'https://github.com/o/r',
      'git@github.com:o/r.git',
      'ssh://git@10.0.0.5/o/r.git',
      'github.com:o/r.git',
      '/srv/git/r.git',
    ])
      expect(await failure(() => gitSourceOf(gitRepo({ url }), f, true)), url).toContain(
        `GitRepository remote ${url} is not on loopback`,
      );
    const other = gitRepo({ url: 'https://git.example/p.git', secretRef: { name: 'deploy-key' } });
    expect(await failure(() => gitSourceOf(other, f, false))).toContain(
      `takes its credentials from Secret deploy-key, but facts.flux.gitSecret names "${f.gitSecret}"`,
    );
  });
  it('reads the host of scp-like and ssh remotes (the loopback rule applies to them)', () => {
    expect(remoteHost('git@127.0.0.1:org/repo.git')).toBe('127.0.0.1');
    expect(remoteHost('git@github.com:org/repo.git')).toBe('github.com');
    expect(remoteHost('ssh://git@[::1]:2222/org/repo.git')).toBe('[::1]');
    expect(gitSourceOf(gitRepo({ url: 'git@127.0.0.1:org/r.git' }), flux(), true).url).toBe(
      'git@127.0.0.1:org/r.git',
    );
  });
});

describe('highestTagIn (semver refs)', () => {
  const tags = ['v1.0.0', 'v1.2.0', '1.2.1-rc.1', 'v2.0.0', 'latest', 'v1.1.9'];
  it('picks the highest tag in the range, as Flux does (v prefix, comma AND, no prerelease unless asked)', () => {
    expect(highestTagIn(tags, '^1.0.0')).toBe('v1.2.0');
    expect(highestTagIn(tags, '>=1.0.0, <3.0.0')).toBe('v2.0.0');
    expect(highestTagIn(tags, '~1.1')).toBe('v1.1.9');
    expect(highestTagIn(tags, '1.x || 3.x')).toBe('v1.2.0');
    expect(highestTagIn(tags, '>=1.2.1-rc.0 <1.3.0')).toBe('1.2.1-rc.1');
    expect(highestTagIn(tags, '>=3')).toBeUndefined();
  });
  it('fails naming a range that is not semver', () => {
    expect(() => highestTagIn(tags, 'not a range')).toThrow(
      'spec.ref.semver "not a range" is not a semver range',
    );
  });
});

describe('revisionSha (every Flux revision format)', () => {
  const sha = 'b'.repeat(40);
  it('reads branch, tag, name, commit-only, sha256 and the v1beta2 form', () => {
    for (const r of [
      `main@sha1:${sha}`,
      `v1.2.0@sha1:${sha}`,
      `refs/pull/1/head@sha1:${sha}`,
      `sha1:${sha}`,
      `main/${sha}`,
    ])
      expect(revisionSha(r), r).toBe(sha);
    expect(revisionSha(`main@sha256:${'c'.repeat(64)}`)).toBe('c'.repeat(64));
  });
});

describe('liveRemoteHead (GITOPS-FLUX-001)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const repoDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-flux-'));
    dirs.push(dir);
    const git = (...a: string[]) =>
      execFileSync('git', ['-C', dir, '-c', 'user.name=pv', '-c', 'user.email=pv@example.invalid', ...a], {
        encoding: 'utf8',
      }).trim();
    const commit = (m: string) => {
      git('commit', '-q', '--allow-empty', '-m', m);
      return git('rev-parse', 'HEAD');
    };
    git('init', '-q', '-b', 'main');
    const first = commit('one');
    git('tag', 'v1.0.0'); // lightweight
    const second = commit('two');
    git('tag', '-a', 'v1.2.0', '-m', 'release'); // annotated: the tag object is not the commit
    git('tag', 'v2.0.0-rc.1');
    const head = commit('three');
    git('branch', 'master', first);
    return { dir, head, first, second, tagObject: git('rev-parse', 'v1.2.0') };
  };
  const secretOf = (data: Record<string, string>) => ({
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  });
  const cluster = (repo: KObject, secretReads: string[], data = { username: 'git', password: 't0ken' }) =>
    ({
      custom: { getNamespacedCustomObject: async () => repo },
      core: {
        readNamespacedSecret: async ({ name }: { name: string }) => {
          secretReads.push(name);
          return secretOf(data);
        },
      },
    }) as unknown as ClusterHandle;
  const live = (repo: KObject, reads: string[] = [], data?: Record<string, string>) =>
    liveRemoteHead(cluster(repo, reads, data as never), flux(), fakeEvidence().evidence, false);
  it('passes: the head of the tracked branch, asked of the remote with the Secret’s basic auth', async () => {
    const { dir, head } = repoDir();
    const f = flux();
    const reads: string[] = [];
    const { evidence, attached } = fakeEvidence();
    const got = await liveRemoteHead(
      cluster(gitRepo({ url: dir, ref: { branch: 'main' }, secretRef: { name: f.gitSecret } }), reads),
      f,
      evidence,
      false,
    );
    expect(got).toMatchObject({ url: dir, ref: 'refs/heads/main', remoteHead: head });
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((n) => n === f.gitSecret)).toBe(true);
    expect(Object.keys(attached)).toEqual(['status flux-system']);
  });
  it('no ref: the head of master, where the remote HEAD (main) is elsewhere', async () => {
    const { dir, first } = repoDir();
    expect(await live(gitRepo({ url: dir }))).toMatchObject({ ref: 'refs/heads/master', remoteHead: first });
  });
  it('tag: the commit an annotated tag points at (peeled), not the tag object', async () => {
    const { dir, first, second, tagObject } = repoDir();
    expect(tagObject).not.toBe(second);
    expect(await live(gitRepo({ url: dir, ref: { tag: 'v1.2.0' } }))).toMatchObject({
      ref: 'refs/tags/v1.2.0',
      remoteHead: second,
    });
    expect((await live(gitRepo({ url: dir, ref: { tag: 'v1.0.0' } }))).remoteHead).toBe(first);
    expect((await live(gitRepo({ url: dir, ref: { name: 'refs/tags/v1.2.0' } }))).remoteHead).toBe(second);
  });
  it('semver: the peeled commit of the highest tag in the range', async () => {
    const { dir, first, second } = repoDir();
    expect(await live(gitRepo({ url: dir, ref: { semver: '^1.0.0' } }))).toMatchObject({
      ref: 'refs/tags/v1.2.0',
      remoteHead: second,
    });
    expect((await live(gitRepo({ url: dir, ref: { semver: '~1.0.0' } }))).remoteHead).toBe(first);
    expect(await failure(live(gitRepo({ url: dir, ref: { semver: '>=3' } })))).toBe(
      `git ls-remote ${dir}: no tag satisfies semver >=3 (tags: v1.0.0, v1.2.0, v2.0.0-rc.1)`,
    );
  });
  it('commit: the pinned commit, with the remote still asked (reachability)', async () => {
    const { dir, first } = repoDir();
    expect(await live(gitRepo({ url: dir, ref: { commit: first, branch: 'main' } }))).toMatchObject({
      ref: `commit ${first}`,
      remoteHead: first,
    });
    const gone = path.join(dir, 'no-such-repo');
    expect(await failure(live(gitRepo({ url: gone, ref: { commit: first } })))).toMatch(
      new RegExp(`^git ls-remote ${gone} HEAD failed: `),
    );
  });
  it('GITOPS-FLUX-001 fails naming the remote and the ref it lacks', async () => {
    const { dir } = repoDir();
    const msg = await failure(live(gitRepo({ url: dir, ref: { branch: 'prod' } })));
    expect(msg).toBe(`git ls-remote ${dir}: ref refs/heads/prod not found on the remote`);
  });
  it('ssh: the Secret’s identity and known_hosts, strict host keys, the key never in a message nor left on disk', async () => {
    const port = await closedPort();
    const url = `ssh://git@127.0.0.1:${port}/org/repo.git`;
    const f = flux();
    const key =
      '-----BEGIN OPENSSH PRIVATE KEY-----\npv-fake-key-material-4471\n-----END OPENSSH PRIVATE KEY-----';
    const leftovers = () => fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('pv-ssh-'));
    const before = leftovers();
    const repo = gitRepo({ url, ref: { branch: 'main' }, secretRef: { name: f.gitSecret } });
    const msg = await failure(live(repo, [], { identity: key, known_hosts: '127.0.0.1 ssh-ed25519 AAAA' }));
    expect(msg).toMatch(
      new RegExp(`^git ls-remote ${url} refs/heads/main failed: .*(Connection refused|connect to host)`, 's'),
    );
    expect(msg).not.toContain('pv-fake-key-material');
    expect(leftovers()).toEqual(before);
    // an SSH remote with only basic auth in the Secret: said, not tried
    expect(await failure(live(repo, [], { username: 'git', password: 'x' }))).toBe(
      `GitRepository remote ${url} is SSH, but Secret ${f.namespace}/${f.gitSecret} lacks identity (source-controller needs both: flux create secret git --url=ssh://...)`,
    );
    expect(await failure(live(repo, [], { identity: key }))).toContain('lacks known_hosts');
  });
});

describe('kustomizationsBehind (GITOPS-FLUX-002)', () => {
  const f = flux();
  const rev = 'main@sha1:' + 'a'.repeat(40);
  const ks = (name: string, applied?: string, source = f.gitRepository): KObject => ({
    metadata: { namespace: f.namespace, name },
    spec: { sourceRef: { kind: 'GitRepository', name: source } },
    status: { lastAppliedRevision: applied, conditions: [{ type: 'Ready', status: 'True' }] },
  });
  it('passes: every Kustomization of the source applied its revision (others are not counted)', async () => {
    const all = [ks('apps', rev), ks('infra', rev), ks('other', 'main@sha1:0', 'elsewhere')];
    const { seen, behind } = kustomizationsBehind(gitRepo({}, rev), all, f);
    expect(behind).toEqual([]);
    expect(seen.items.map((i) => i.name)).toEqual([`${f.namespace}/apps`, `${f.namespace}/infra`]);
    const k = {
      custom: {
        getNamespacedCustomObject: async () => gitRepo({}, rev),
        listClusterCustomObject: async () => ({ items: all }),
      },
    } as unknown as ClusterHandle;
    const { evidence, attached } = fakeEvidence();
    expect(await readKustomizationsBehind(k, f, evidence)).toEqual([]);
    expect(attached.kustomizations).toEqual(seen);
  });
  it('GITOPS-FLUX-002 fails naming each one behind with the revision it applied and the source’s', () => {
    const { behind } = kustomizationsBehind(
      gitRepo({}, rev),
      [ks('apps', rev), ks('infra', 'main@sha1:0'), ks('new')],
      f,
    );
    expect(behind).toEqual([
      `${f.namespace}/infra at main@sha1:0 (source ${rev})`,
      `${f.namespace}/new at nothing (source ${rev})`,
    ]);
  });
  it('fails when the source has no revision, or no Kustomization uses it', () => {
    expect(kustomizationsBehind(gitRepo({}), [ks('apps', rev)], f).behind).toEqual([
      'GitRepository has no artifact revision',
    ]);
    expect(kustomizationsBehind(gitRepo({}, rev), [ks('x', rev, 'elsewhere')], f).behind).toEqual([
      `no Kustomization sources GitRepository ${f.namespace}/${f.gitRepository}`,
    ]);
  });
});
