/**
 * GitOps sync, validated live (GitOps sync risks 002: RISK-T001 Git access, RISK-T004 consistency
 * between Git, controller and cluster; Cilium risk TECH-009).
 *
 * Reads: the Flux GitRepository (url, ref, secretRef, artifact revision), its credentials Secret
 * when it holds basic auth (redacted), every Kustomization sourced from it. Asks the Git remote
 * itself for the head of the tracked branch with `git ls-remote`: a cached Ready condition is
 * never taken as proof that the source is reachable.
 *
 * Lab: source-controller is simulated (GitRepository status from lab/sim); the remote must be a
 * real Git repository served on loopback by the lab (its URL in the GitRepository, or in
 * facts.flux.remoteUrl). In the `lab` environment the check refuses to dial a non-loopback remote.
 */
import { expect, inject } from 'vitest';
import { check } from '../../helpers/check/index.js';
import { isLoopbackHost, lsRemote, remoteHost, revisionSha } from '../../helpers/checks/git.js';
import {
  GVR,
  describeCondition,
  getCustom,
  listCustom,
  readSecretValue,
  refName,
} from '../../helpers/checks/k8s.js';

const STORY = 'STORY-BOOT-CORE';

check(
  {
    id: 'GITOPS-FLUX-001',
    title: 'the Git remote is reachable now and its branch head is the revision Flux has fetched',
    priority: 'P0',
    component: 'flux',
    clusters: ['infra', 'apps'],
    story: STORY,
    ac: ['AC3', 'AC4'],
    risks: ['RISK-T001', 'TECH-009'],
    suggestedAction:
      'git ls-remote <url>; flux reconcile source git flux-system; check the deploy key / token in the GitRepository Secret',
    timeoutMs: 90_000,
  },
  async ({ cluster: k, facts, evidence }) => {
    const { namespace, gitRepository } = facts.flux;
    const repo = await getCustom(k, GVR.gitRepository, namespace, gitRepository);
    evidence.status(repo);
    const spec = repo.spec as {
      url?: string;
      ref?: { branch?: string; name?: string };
      secretRef?: { name?: string };
    };
    const url = facts.flux.remoteUrl || spec.url || '';
    expect(url, `GitRepository ${namespace}/${gitRepository} spec.url`).not.toBe('');
    const ref = spec.ref?.name ?? `refs/heads/${spec.ref?.branch ?? 'main'}`;
    if (inject('pvEnv').name === 'lab' && !isLoopbackHost(remoteHost(url))) {
      throw new Error(
        `GitRepository remote ${url} is not on loopback; the lab never dials other addresses: serve the repository on 127.0.0.1 and point spec.url (or facts.flux.remoteUrl) at it`,
      );
    }
    let auth: { username?: string; password?: string } = {};
    // the least-privilege identity may read only the Secret the facts name (deploy/rbac, `pnpm rbac`)
    if (spec.secretRef?.name && spec.secretRef.name !== facts.flux.gitSecret) {
      throw new Error(
        `GitRepository ${namespace}/${gitRepository} takes its credentials from Secret ${spec.secretRef.name}, but facts.flux.gitSecret names "${facts.flux.gitSecret}": set the fact to the Secret and regenerate the RBAC (pnpm rbac)`,
      );
    }
    if (spec.secretRef?.name) {
      const s = await k.core.readNamespacedSecret({ namespace, name: spec.secretRef.name });
      if (s.data?.username && s.data?.password) {
        auth = {
          username: await readSecretValue(k, namespace, spec.secretRef.name, 'username'),
          password: await readSecretValue(k, namespace, spec.secretRef.name, 'password'),
        };
      }
    }
    const remote = await lsRemote(url, ref, { ...auth, timeoutMs: 20_000 });
    let fetched: string | undefined;
    await expect
      .poll(
        async () => {
          const r = await getCustom(k, GVR.gitRepository, namespace, gitRepository);
          fetched = (r.status?.artifact as { revision?: string } | undefined)?.revision;
          return revisionSha(fetched);
        },
        {
          timeout: 60_000,
          interval: 3_000,
          message: `artifact revision of ${namespace}/${gitRepository} vs live remote head ${remote.sha}`,
        },
      )
      .toBe(remote.sha);
    evidence.json('git-live', {
      url,
      ref,
      remoteHead: remote.sha,
      lsRemoteMs: remote.ms,
      artifactRevision: fetched,
    });
  },
);

check(
  {
    id: 'GITOPS-FLUX-002',
    title: 'every Kustomization has applied the revision of its Git source',
    priority: 'P1',
    component: 'flux',
    clusters: ['infra', 'apps'],
    story: STORY,
    ac: ['AC4'],
    risks: ['RISK-T004', 'DATA-002'],
    suggestedAction:
      'flux get kustomizations -A (REVISION column); flux reconcile kustomization <name> --with-source',
    timeoutMs: 90_000,
  },
  async ({ cluster: k, facts, evidence }) => {
    const { namespace, gitRepository } = facts.flux;
    let lagging: string[] = [];
    await expect
      .poll(
        async () => {
          const repo = await getCustom(k, GVR.gitRepository, namespace, gitRepository);
          const revision = (repo.status?.artifact as { revision?: string } | undefined)?.revision;
          const ks = (await listCustom(k, GVR.kustomization)).filter((x) => {
            const src = x.spec?.sourceRef as { kind?: string; name?: string; namespace?: string } | undefined;
            return (
              src?.kind === 'GitRepository' &&
              src.name === gitRepository &&
              (src.namespace ?? x.metadata?.namespace) === namespace
            );
          });
          evidence.json('kustomizations', {
            source: revision,
            items: ks.map((x) => ({
              name: refName(x),
              lastApplied: x.status?.lastAppliedRevision,
              ready: describeCondition(x, 'Ready'),
            })),
          });
          if (!revision) return ['GitRepository has no artifact revision'];
          if (ks.length === 0)
            return [`no Kustomization sources GitRepository ${namespace}/${gitRepository}`];
          lagging = ks
            .filter((x) => x.status?.lastAppliedRevision !== revision)
            .map(
              (x) =>
                `${refName(x)} at ${String(x.status?.lastAppliedRevision ?? 'nothing')} (source ${revision})`,
            );
          return lagging;
        },
        { timeout: 60_000, interval: 3_000, message: 'Kustomizations behind their source' },
      )
      .toEqual([]);
  },
);
