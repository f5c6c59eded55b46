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
import type { KObject } from '../../../helpers/checks/k8s.js';
import {
  gitSourceOf,
  kustomizationsBehind,
  liveRemoteHead,
  readKustomizationsBehind,
} from '../../../helpers/probes/flux.js';
import { failure, fakeEvidence } from './fake-run.js';

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
  it('passes: spec.url, the branch as a full ref (default main), the Secret the facts name', () => {
    const f = flux();
    expect(
      gitSourceOf(gitRepo({ url: 'https://git.example/p.git', ref: { branch: 'prod' } }), f, false),
    ).toEqual({
      url: 'https://git.example/p.git',
      ref: 'refs/heads/prod',
    });
    const withSecret = gitRepo({ url: 'http://127.0.0.1:3000/p.git', secretRef: { name: f.gitSecret } });
    expect(gitSourceOf(withSecret, f, true)).toEqual({
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
  it('fails naming the GitRepository: no URL, a non-loopback remote in the lab, another Secret', async () => {
    const f = flux();
    expect(await failure(() => gitSourceOf(gitRepo({}), f, false))).toMatch(
      new RegExp(`^GitRepository ${f.namespace}/${f.gitRepository} spec.url: expected '' not to be ''`),
    );
    expect(await failure(() => gitSourceOf(gitRepo({ url: 'https://github.com/o/r' }), f, true))).toContain(
      'GitRepository remote https://github.com/o/r is not on loopback',
    );
    const other = gitRepo({ url: 'https://git.example/p.git', secretRef: { name: 'deploy-key' } });
    expect(await failure(() => gitSourceOf(other, f, false))).toContain(
      `takes its credentials from Secret deploy-key, but facts.flux.gitSecret names "${f.gitSecret}"`,
    );
  });
});

describe('liveRemoteHead (GITOPS-FLUX-001)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  const repoDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-flux-'));
    dirs.push(dir);
    const git = (...a: string[]) => execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8' }).trim();
    git('init', '-q', '-b', 'main');
    git(
      '-c',
      'user.name=pv',
      '-c',
      'user.email=pv@example.invalid',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'x',
    );
    return { dir, head: git('rev-parse', 'HEAD') };
  };
  const cluster = (repo: KObject, secretReads: string[]) =>
    ({
      custom: { getNamespacedCustomObject: async () => repo },
      core: {
        readNamespacedSecret: async ({ name }: { name: string }) => {
          secretReads.push(name);
          return {
            data: {
              username: Buffer.from('git').toString('base64'),
              password: Buffer.from('t0ken').toString('base64'),
            },
          };
        },
      },
    }) as unknown as ClusterHandle;
  it('passes: the head of the tracked branch, asked of the remote with the Secret’s basic auth', async () => {
    const { dir, head } = repoDir();
    const f = flux();
    const reads: string[] = [];
    const { evidence, attached } = fakeEvidence();
    const live = await liveRemoteHead(
      cluster(gitRepo({ url: dir, secretRef: { name: f.gitSecret } }), reads),
      f,
      evidence,
      false,
    );
    expect(live).toMatchObject({ url: dir, ref: 'refs/heads/main', remoteHead: head });
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.every((n) => n === f.gitSecret)).toBe(true);
    expect(Object.keys(attached)).toEqual(['status flux-system']);
  });
  it('fails naming the remote and the ref it lacks', async () => {
    const { dir } = repoDir();
    const msg = await failure(
      liveRemoteHead(
        cluster(gitRepo({ url: dir, ref: { branch: 'prod' } }), []),
        flux(),
        fakeEvidence().evidence,
        false,
      ),
    );
    expect(msg).toBe(`git ls-remote ${dir}: ref refs/heads/prod not found on the remote`);
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
  it('fails naming each one behind with the revision it applied and the source’s', () => {
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
