import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import fs from 'node:fs';
import path from 'node:path';
import { FLUX_RECONCILER, FLUX_RECONCILER_LABEL, fluxProcess } from '../services/flux.js';
import { sleep } from '../services/runtime.js';
import { gitRoot, writeBareRepo } from '../sim/git.js';
import { GIT_PORT } from '../sim/ports.js';
import type { Scenario } from './types.js';

/** Where the broken layer lives: a namespace and a repository of the scenario's own, on apps. */
export const BROKEN_LAYER = {
  cluster: 'apps',
  namespace: 'lab-flux-broken',
  name: 'broken-layer',
  repo: 'lab-broken-layer.git',
} as const;
const REPO = BROKEN_LAYER.repo;
const KS = { group: 'kustomize.toolkit.fluxcd.io', version: 'v1', plural: 'kustomizations' };
const GIT = { group: 'source.toolkit.fluxcd.io', version: 'v1', plural: 'gitrepositories' };

// An unquoted number in a ConfigMap: valid YAML, kustomize builds it, the API server refuses it.
const BROKEN_MANIFEST = `apiVersion: v1
kind: ConfigMap
metadata:
  name: app-settings
data:
  replicas: 3
`;

const notFound = (e: unknown) => (e as { code?: number }).code === 404;

function objects(): { api: typeof KS; body: Record<string, unknown> }[] {
  const metadata = {
    name: BROKEN_LAYER.name,
    namespace: BROKEN_LAYER.namespace,
    labels: { [FLUX_RECONCILER_LABEL]: FLUX_RECONCILER },
  };
  return [
    {
      api: GIT,
      body: {
        apiVersion: 'source.toolkit.fluxcd.io/v1',
        kind: 'GitRepository',
        metadata,
        spec: { interval: '1m', url: `http://127.0.0.1:${GIT_PORT}/${REPO}`, ref: { branch: 'main' } },
      },
    },
    {
      api: KS,
      body: {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata,
        spec: {
          interval: '1m',
          retryInterval: '10s',
          timeout: '20s',
          prune: true,
          path: './',
          targetNamespace: BROKEN_LAYER.namespace,
          sourceRef: { kind: 'GitRepository', name: BROKEN_LAYER.name },
        },
      },
    },
  ];
}

interface Cond {
  type: string;
  status: string;
  reason?: string;
}

/**
 * A broken manifest pushed to a Git repository that the lab's real source-controller and
 * kustomize-controller reconcile into apps: the Kustomization goes Ready=False with the
 * controller's own reason and message (the API server's refusal of the ConfigMap).
 */
export const fluxBrokenManifest: Scenario = {
  name: 'flux-broken-manifest',
  summary: `apps: a ConfigMap with an unquoted number pushed to ${REPO}; the real kustomize-controller reconciles Kustomization ${BROKEN_LAYER.namespace}/${BROKEN_LAYER.name} and reports it not Ready`,
  expect:
    "BOOT-CORE-010 fails on apps naming lab-flux-broken/broken-layer with the controller's message (ReconciliationFailed: ConfigMap/lab-flux-broken/app-settings dry-run failed: .data.replicas: expected string); infra and the sources pass",
  faults: {},
  apply: async (ctx) => {
    const proc = fluxProcess('kustomize-controller', BROKEN_LAYER.cluster);
    if (!ctx.procs.isRunning(proc))
      throw new Error(`scenario flux-broken-manifest: ${proc} is not running (pnpm lab up starts it)`);
    writeBareRepo(ctx.paths.root, REPO, { 'app-settings.yaml': BROKEN_MANIFEST });
    const kc = ctx.clusters[BROKEN_LAYER.cluster].kc;
    await kc
      .makeApiClient(CoreV1Api)
      .createNamespace({ body: { metadata: { name: BROKEN_LAYER.namespace } } })
      .catch((e: unknown) => {
        if ((e as { code?: number }).code !== 409) throw e;
      });
    const custom = kc.makeApiClient(CustomObjectsApi);
    for (const o of objects())
      await custom.patchNamespacedCustomObject(
        {
          ...o.api,
          namespace: BROKEN_LAYER.namespace,
          name: BROKEN_LAYER.name,
          body: o.body,
          force: true,
          fieldManager: 'pv-lab-scenario',
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    // the scenario is applied once the controller has said so (first reconcile: a few seconds)
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ks = (await custom.getNamespacedCustomObject({
        ...KS,
        namespace: BROKEN_LAYER.namespace,
        name: BROKEN_LAYER.name,
      })) as { status?: { conditions?: Cond[] } };
      const r = ks.status?.conditions?.find((c) => c.type === 'Ready');
      if (r?.status === 'False' && r.reason !== 'Progressing') return;
      if (Date.now() > deadline)
        throw new Error(
          `scenario flux-broken-manifest: Kustomization ${BROKEN_LAYER.namespace}/${BROKEN_LAYER.name} not failed after 60 s (Ready ${r ? `${r.status} ${r.reason ?? ''}` : 'absent'})`,
        );
      await sleep(1_000);
    }
  },
  revert: async (ctx) => {
    const kc = ctx.clusters[BROKEN_LAYER.cluster].kc;
    const custom = kc.makeApiClient(CustomObjectsApi);
    const core = kc.makeApiClient(CoreV1Api);
    const ref = { namespace: BROKEN_LAYER.namespace, name: BROKEN_LAYER.name };
    // the Kustomization first, while its controller can still run its finalizer (prune); a
    // controller that is not running never finalizes, so its finalizers go after 15 s
    for (const api of [KS, GIT])
      await deleteAndWait(
        `${api.plural} ${BROKEN_LAYER.namespace}/${BROKEN_LAYER.name}`,
        () => custom.deleteNamespacedCustomObject({ ...api, ...ref }),
        () => custom.getNamespacedCustomObject({ ...api, ...ref }),
        () =>
          custom.patchNamespacedCustomObject({
            ...api,
            ...ref,
            body: [{ op: 'remove', path: '/metadata/finalizers' }],
          }),
      );
    // gone, not Terminating: a namespace being deleted would fail BOOT-NS-001 after the reset
    await deleteAndWait(
      `namespace ${BROKEN_LAYER.namespace}`,
      () => core.deleteNamespace({ name: BROKEN_LAYER.namespace }),
      () => core.readNamespace({ name: BROKEN_LAYER.namespace }),
    );
    fs.rmSync(path.join(gitRoot(ctx.paths.root), REPO), { recursive: true, force: true });
  },
};

/** Delete an object and wait (at most 60 s) until it is gone; an absent object is done at once. */
async function deleteAndWait(
  what: string,
  del: () => Promise<unknown>,
  get: () => Promise<unknown>,
  unstick?: () => Promise<unknown>,
): Promise<void> {
  const absent = (e: unknown) => {
    if (notFound(e)) return true;
    throw e;
  };
  if (await del().then(() => false, absent)) return;
  for (let i = 0; i < 60; i++) {
    if (await get().then(() => false, absent)) return;
    if (i === 15 && unstick) await unstick().catch(() => undefined);
    await sleep(1_000);
  }
  throw new Error(`scenario flux-broken-manifest: ${what} still there 60 s after its deletion`);
}
