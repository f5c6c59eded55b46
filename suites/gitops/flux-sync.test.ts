/**
 * GitOps sync, validated live (GitOps sync risks 002: RISK-T001 Git access, RISK-T004 consistency
 * between Git, controller and cluster; Cilium risk TECH-009).
 *
 * Reads: the Flux GitRepository (url, ref, secretRef, artifact revision), its credentials Secret
 * (basic auth, or an SSH identity with known_hosts; redacted), every Kustomization sourced from it.
 * Asks the Git remote itself with `git ls-remote` for the commit spec.ref names, resolved as
 * source-controller does (commit > name > semver > tag > branch, default branch master, annotated
 * tags peeled): a cached Ready condition is never taken as proof that the source is reachable.
 *
 * Lab: source-controller is simulated (GitRepository status from lab/sim); the remote must be a
 * real Git repository served on loopback by the lab (its URL in the GitRepository, or in
 * facts.flux.remoteUrl). In the `lab` environment the check refuses to dial a non-loopback remote.
 */
import { expect, inject } from 'vitest';
import { suite } from '../../helpers/check/suite.js';
import { revisionSha } from '../../helpers/reads/git.js';
import { artifactRevision, liveRemoteHead, readKustomizationsBehind } from '../../helpers/probes/flux.js';

const gitops = suite({
  component: 'flux',
  clusters: ['infra', 'apps'],
  story: 'STORY-BOOT-CORE',
  timeoutMs: 90_000,
});

gitops.check(
  {
    id: 'GITOPS-FLUX-001',
    title: 'the Git remote is reachable now and the commit its ref names is the revision Flux has fetched',
    priority: 'P0',
    ac: ['AC3c', 'AC4a', 'NET:AC10.5', 'NET:P0-3', 'GITSYNC:T001.live', 'GITSYNC:T004.git-ctl'],
    risks: ['GITSYNC:RISK-T001', 'CILIUM:TECH-009'],
    suggestedAction:
      'git ls-remote <url> <ref> (branch: refs/heads/<branch>, master when spec.ref is unset; tag: its ^{} commit; semver: the highest matching tag); flux reconcile source git flux-system; check the deploy key (identity, known_hosts) or token in the GitRepository Secret',
  },
  async ({ cluster, facts, evidence }) => {
    const { namespace, gitRepository } = facts.flux;
    // in the lab the check refuses to dial a non-loopback remote
    const loopbackOnly = inject('pvEnv').name === 'lab';
    const live = await liveRemoteHead(cluster, facts.flux, evidence, loopbackOnly);
    let fetched: string | undefined;
    await expect
      .poll(async () => revisionSha((fetched = await artifactRevision(cluster, facts.flux))), {
        timeout: 60_000,
        interval: 3_000,
        message: `artifact revision of ${namespace}/${gitRepository} vs live remote head ${live.remoteHead}`,
      })
      .toBe(live.remoteHead);
    evidence.json('git-live', { ...live, artifactRevision: fetched });
  },
);

gitops.check(
  {
    id: 'GITOPS-FLUX-002',
    title: 'every Kustomization has applied the revision of its Git source',
    priority: 'P0',
    ac: ['AC4b', 'NET:P0-3'],
    risks: ['GITSYNC:RISK-T004', 'NET:R4'],
    suggestedAction:
      'flux get kustomizations -A (REVISION column); flux reconcile kustomization <name> --with-source',
  },
  async ({ cluster, facts, evidence }) => {
    await expect
      .poll(() => readKustomizationsBehind(cluster, facts.flux, evidence), {
        timeout: 60_000,
        interval: 3_000,
        message: 'Kustomizations behind their source',
      })
      .toEqual([]);
  },
);
