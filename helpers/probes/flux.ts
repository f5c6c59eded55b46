// The mechanisms of the live GitOps checks (suites/gitops/flux-sync.test.ts): which remote, ref and
// credentials the Flux GitRepository names (refusing what the run may not use), the remote's live
// head through `git ls-remote`, and the Kustomizations that have not applied their source's revision.
import { expect } from 'vitest';
import type { Facts } from '../config/index.js';
import type { CheckEvidence } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import semver from 'semver';
import {
  GitRemoteError,
  isLoopbackHost,
  isSshRemote,
  lsRemote,
  lsRemoteRefs,
  remoteHost,
  type GitAuth,
} from '../reads/git.js';
import {
  GVR,
  describeCondition,
  getCustom,
  listCustom,
  readSecretValue,
  refName,
  type KObject,
} from '../reads/k8s.js';

type Flux = Facts['flux'];

/**
 * What the GitRepository tracks, as source-controller (v1 API) resolves spec.ref: commit over name
 * over semver over tag over branch; no ref at all is the branch `master` (Flux's default, not the
 * remote's HEAD).
 */
export type TrackedRef =
  | { kind: 'commit'; commit: string; branch?: string }
  | { kind: 'name'; name: string }
  | { kind: 'semver'; range: string }
  | { kind: 'tag'; tag: string }
  | { kind: 'branch'; branch: string };

export interface GitSource {
  url: string;
  tracked: TrackedRef;
  /** what is asked of the remote, in words: a full ref, `semver <range>` or `commit <sha>` */
  ref: string;
  /** the Secret of spec.secretRef, when there is one */
  secret?: string;
}

export function trackedRef(ref: Record<string, string | undefined> | undefined): TrackedRef {
  if (ref?.commit)
    return { kind: 'commit', commit: ref.commit, ...(ref.branch ? { branch: ref.branch } : {}) };
  if (ref?.name) return { kind: 'name', name: ref.name };
  if (ref?.semver) return { kind: 'semver', range: ref.semver };
  if (ref?.tag) return { kind: 'tag', tag: ref.tag };
  return { kind: 'branch', branch: ref?.branch || 'master' };
}

function describeRef(t: TrackedRef): string {
  switch (t.kind) {
    case 'commit':
      return `commit ${t.commit}`;
    case 'name':
      return t.name;
    case 'semver':
      return `semver ${t.range}`;
    case 'tag':
      return `refs/tags/${t.tag}`;
    case 'branch':
      return `refs/heads/${t.branch}`;
  }
}

/**
 * The remote (facts.flux.remoteUrl, else spec.url), ref and credentials Secret of the GitRepository.
 * Fails when there is no URL, when `loopbackOnly` (the lab) and the remote is not on loopback, and
 * when the Secret is another than facts.flux.gitSecret (the least-privilege identity may read only
 * that one: deploy/rbac, `pnpm rbac`). Pure: unit-tested.
 */
export function gitSourceOf(repo: KObject, flux: Flux, loopbackOnly: boolean): GitSource {
  const { namespace, gitRepository } = flux;
  const spec = repo.spec as {
    url?: string;
    ref?: Record<string, string | undefined>;
    secretRef?: { name?: string };
  };
  const url = flux.remoteUrl || spec.url || '';
  expect(url, `GitRepository ${namespace}/${gitRepository} spec.url`).not.toBe('');
  if (loopbackOnly && !isLoopbackHost(remoteHost(url))) {
    throw new Error(
      `GitRepository remote ${url} is not on loopback; the lab never dials other addresses: serve the repository on 127.0.0.1 and point spec.url (or facts.flux.remoteUrl) at it`,
    );
  }
  const secret = spec.secretRef?.name;
  if (secret && secret !== flux.gitSecret) {
    throw new Error(
      `GitRepository ${namespace}/${gitRepository} takes its credentials from Secret ${secret}, but facts.flux.gitSecret names "${flux.gitSecret}": set the fact to the Secret and regenerate the RBAC (pnpm rbac)`,
    );
  }
  const tracked = trackedRef(spec.ref);
  return { url, tracked, ref: describeRef(tracked), ...(secret ? { secret } : {}) };
}

/**
 * The highest tag satisfying a Flux semver range, as source-controller picks it (Masterminds
 * constraints: `,` is AND, a `v` prefix is allowed, prereleases only when the range names one).
 * Pure: unit-tested.
 */
export function highestTagIn(tags: readonly string[], range: string): string | undefined {
  const r = semver.validRange(range.replace(/,/g, ' '), { loose: true });
  if (!r) throw new Error(`spec.ref.semver "${range}" is not a semver range`);
  let best: { tag: string; v: string } | undefined;
  for (const tag of tags) {
    const v = semver.valid(tag, { loose: true });
    if (v && semver.satisfies(v, r, { loose: true }) && (!best || semver.gt(v, best.v, { loose: true })))
      best = { tag, v };
  }
  return best?.tag;
}

/**
 * The commit Flux should have fetched now: the head of the branch/tag/name on the remote (the
 * peeled commit of an annotated tag), the highest tag of a semver range, or the pinned commit
 * (then the remote is still asked for the branch or HEAD: reachability is part of the check).
 */
export async function expectedHead(
  url: string,
  t: TrackedRef,
  auth: GitAuth,
): Promise<{ ref: string; remoteHead: string; lsRemoteMs: number }> {
  if (t.kind === 'commit') {
    const reach = t.branch ? `refs/heads/${t.branch}` : 'HEAD';
    const { ms } = await lsRemote(url, reach, auth);
    return { ref: `commit ${t.commit}`, remoteHead: t.commit, lsRemoteMs: ms };
  }
  if (t.kind === 'semver') {
    const { refs, ms } = await lsRemoteRefs(url, [], { ...auth, tags: true });
    const tags = [...refs.keys()].filter((r) => !r.endsWith('^{}')).map((r) => r.slice('refs/tags/'.length));
    const tag = highestTagIn(tags, t.range);
    if (!tag)
      throw new GitRemoteError(
        `git ls-remote ${url}: no tag satisfies semver ${t.range} (tags: ${tags.join(', ') || 'none'})`,
      );
    const ref = `refs/tags/${tag}`;
    return { ref, remoteHead: refs.get(`${ref}^{}`) ?? refs.get(ref)!, lsRemoteMs: ms };
  }
  const ref = describeRef(t);
  const { sha, ms } = await lsRemote(url, ref, auth);
  return { ref, remoteHead: sha, lsRemoteMs: ms };
}

/**
 * How to reach the remote with the GitRepository's Secret, as source-controller reads it: http(s)
 * with `username`/`password` (basic auth), ssh with `identity` and `known_hosts` (required: Flux
 * verifies host keys). No Secret: anonymous.
 */
async function remoteAuth(
  k: ClusterHandle,
  namespace: string,
  secret: string | undefined,
  url: string,
): Promise<GitAuth> {
  if (!secret) return {};
  const s = await k.core.readNamespacedSecret({ namespace, name: secret });
  const value = (key: string) => readSecretValue(k, namespace, secret, key);
  if (isSshRemote(url)) {
    if (!s.data?.identity || !s.data?.known_hosts)
      throw new Error(
        `GitRepository remote ${url} is SSH, but Secret ${namespace}/${secret} lacks ${!s.data?.identity ? 'identity' : 'known_hosts'} (source-controller needs both: flux create secret git --url=ssh://...)`,
      );
    return { ssh: { identity: await value('identity'), knownHosts: await value('known_hosts') } };
  }
  if (!s.data?.username || !s.data?.password) return {};
  return { username: await value('username'), password: await value('password') };
}

/**
 * The commit the GitRepository's ref names on the remote now (`git ls-remote`, 20 s, timed), with
 * the GitRepository's credentials; the GitRepository is attached. Throws as gitSourceOf, and when
 * the remote does not answer or lacks the ref.
 */
export async function liveRemoteHead(
  k: ClusterHandle,
  flux: Flux,
  evidence: CheckEvidence,
  loopbackOnly: boolean,
): Promise<{ url: string; ref: string; remoteHead: string; lsRemoteMs: number }> {
  const repo = await getCustom(k, GVR.gitRepository, flux.namespace, flux.gitRepository);
  evidence.status(repo);
  const source = gitSourceOf(repo, flux, loopbackOnly);
  const auth = await remoteAuth(k, flux.namespace, source.secret, source.url);
  return {
    url: source.url,
    ...(await expectedHead(source.url, source.tracked, { ...auth, timeoutMs: 20_000 })),
  };
}

/** The GitRepository's status.artifact.revision (`main@sha1:<sha>`, `sha1:<sha>` for a commit), undefined before its first fetch. */
export async function artifactRevision(k: ClusterHandle, flux: Flux): Promise<string | undefined> {
  const repo = await getCustom(k, GVR.gitRepository, flux.namespace, flux.gitRepository);
  return (repo.status?.artifact as { revision?: string } | undefined)?.revision;
}

/**
 * What stands between the Kustomizations sourced from the GitRepository and its revision: each one
 * whose lastAppliedRevision differs (`ns/name at <applied> (source <revision>)`), or that the
 * source has no revision, or that no Kustomization uses it; [] when all applied it. Pure: unit-tested.
 */
export function kustomizationsBehind(repo: KObject, all: readonly KObject[], flux: Flux) {
  const { namespace, gitRepository } = flux;
  const revision = (repo.status?.artifact as { revision?: string } | undefined)?.revision;
  const ks = all.filter((x) => {
    const src = x.spec?.sourceRef as { kind?: string; name?: string; namespace?: string } | undefined;
    return (
      src?.kind === 'GitRepository' &&
      src.name === gitRepository &&
      (src.namespace ?? x.metadata?.namespace) === namespace
    );
  });
  const seen = {
    source: revision,
    items: ks.map((x) => ({
      name: refName(x),
      lastApplied: x.status?.lastAppliedRevision,
      ready: describeCondition(x, 'Ready'),
    })),
  };
  const behind = !revision
    ? ['GitRepository has no artifact revision']
    : ks.length === 0
      ? [`no Kustomization sources GitRepository ${namespace}/${gitRepository}`]
      : ks
          .filter((x) => x.status?.lastAppliedRevision !== revision)
          .map(
            (x) =>
              `${refName(x)} at ${String(x.status?.lastAppliedRevision ?? 'nothing')} (source ${revision})`,
          );
  return { seen, behind };
}

/** kustomizationsBehind on the cluster's GitRepository and every Kustomization (attached). */
export async function readKustomizationsBehind(
  k: ClusterHandle,
  flux: Flux,
  evidence: CheckEvidence,
): Promise<string[]> {
  const repo = await getCustom(k, GVR.gitRepository, flux.namespace, flux.gitRepository);
  const { seen, behind } = kustomizationsBehind(repo, await listCustom(k, GVR.kustomization), flux);
  evidence.json('kustomizations', seen);
  return behind;
}
