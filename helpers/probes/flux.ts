// The mechanisms of the live GitOps checks (suites/gitops/flux-sync.test.ts): which remote, ref and
// credentials the Flux GitRepository names (refusing what the run may not use), the remote's live
// head through `git ls-remote`, and the Kustomizations that have not applied their source's revision.
import { expect } from 'vitest';
import type { Facts } from '../config/index.js';
import type { CheckEvidence } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { isLoopbackHost, lsRemote, remoteHost } from '../checks/git.js';
import {
  GVR,
  describeCondition,
  getCustom,
  listCustom,
  readSecretValue,
  refName,
  type KObject,
} from '../checks/k8s.js';

type Flux = Facts['flux'];

export interface GitSource {
  url: string;
  /** the full ref asked of the remote: spec.ref.name, or refs/heads/<spec.ref.branch, default main> */
  ref: string;
  /** the Secret of spec.secretRef, when there is one */
  secret?: string;
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
    ref?: { branch?: string; name?: string };
    secretRef?: { name?: string };
  };
  const url = flux.remoteUrl || spec.url || '';
  expect(url, `GitRepository ${namespace}/${gitRepository} spec.url`).not.toBe('');
  const ref = spec.ref?.name ?? `refs/heads/${spec.ref?.branch ?? 'main'}`;
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
  return { url, ref, ...(secret ? { secret } : {}) };
}

/** Basic auth from the Secret when it holds both username and password (else none: e.g. an SSH key). */
async function basicAuth(
  k: ClusterHandle,
  namespace: string,
  secret: string | undefined,
): Promise<{ username?: string; password?: string }> {
  if (!secret) return {};
  const s = await k.core.readNamespacedSecret({ namespace, name: secret });
  if (!s.data?.username || !s.data?.password) return {};
  return {
    username: await readSecretValue(k, namespace, secret, 'username'),
    password: await readSecretValue(k, namespace, secret, 'password'),
  };
}

/**
 * The head of the GitRepository's ref on the remote now (`git ls-remote`, 20 s, timed), with the
 * GitRepository's credentials; the GitRepository is attached. Throws as gitSourceOf, and when the
 * remote does not answer or lacks the ref.
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
  const auth = await basicAuth(k, flux.namespace, source.secret);
  const remote = await lsRemote(source.url, source.ref, { ...auth, timeoutMs: 20_000 });
  return { url: source.url, ref: source.ref, remoteHead: remote.sha, lsRemoteMs: remote.ms };
}

/** The GitRepository's status.artifact.revision (`main@sha1:<sha>`), undefined before its first fetch. */
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
