/**
 * The lab's writes to the real apiservers: server-side apply of objects (field manager
 * `pv-lab-sim`), status through the status subresource (as an operator does), with condition
 * lastTransitionTime kept while a condition's status does not change.
 */
import { CRDS_KUSTOMIZATION, KUSTOMIZE_MANAGER, withOwnership } from './ownership.js';
import { createHash } from 'node:crypto';
import {
  ApiextensionsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesObject,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import type { K8sObject } from './fixtures.js';
import { CRDS, crdObject, pluralFor, type CrdDef } from './crds.js';
import { onObject } from './sim-errors.js';

export const FIELD_MANAGER = 'pv-lab-sim';
/** a separate manager, so a scenario's partial apply never prunes the fixture's fields */
export const SCENARIO_MANAGER = 'pv-lab-scenario';
const APPLY = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function httpCode(e: unknown): number | undefined {
  return typeof e === 'object' && e !== null && 'code' in e
    ? Number((e as { code: unknown }).code)
    : undefined;
}

/** A `.catch` for a delete or read whose object may already be gone: 404 is fine, anything else throws. */
export function unlessGone(e: unknown): void {
  if (httpCode(e) !== 404) throw e;
}

export interface Kube {
  kc: KubeConfig;
  objects: KubernetesObjectApi;
  custom: CustomObjectsApi;
  core: CoreV1Api;
  ext: ApiextensionsV1Api;
}

export function kube(kc: KubeConfig): Kube {
  return {
    kc,
    objects: KubernetesObjectApi.makeApiClient(kc),
    custom: kc.makeApiClient(CustomObjectsApi),
    core: kc.makeApiClient(CoreV1Api),
    ext: kc.makeApiClient(ApiextensionsV1Api),
  };
}

/** Run `fn` over `items` with at most `n` in flight. */
export async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Retry while the apiserver answers 429: right after a CRD is Established its watch cache is
 * still initializing ("storage is (re)initializing", Retry-After 1 s). Bounded in time.
 */
export async function retryTooMany<T>(fn: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (httpCode(e) !== 429 || Date.now() > deadline) throw e;
      await sleep(500);
    }
  }
}

export const HASH_ANNOTATION = 'lab.platform-validation.io/seed-hash';

function bodyHash(obj: K8sObject): string {
  const { status: _s, ...body } = obj;
  return createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 32);
}

/**
 * True when every field the seed declares has the same value on the live object (what the API
 * server adds, e.g. defaults, is ignored; arrays must have the same length and match element-wise).
 * A `kubectl scale --replicas=0` or a hand edit of a declared field is drift.
 */
export function matchesDeclared(declared: unknown, live: unknown): boolean {
  if (Array.isArray(declared))
    return (
      Array.isArray(live) &&
      live.length === declared.length &&
      declared.every((d, i) => matchesDeclared(d, live[i]))
    );
  if (declared && typeof declared === 'object') {
    if (!live || typeof live !== 'object' || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    return Object.entries(declared).every(([key, d]) => d === undefined || matchesDeclared(d, l[key]));
  }
  return declared === live;
}

/**
 * Whether the live copy (an item of a LIST) still is what the seed declared with hash `h`: its seed
 * hash is `h` and every declared field has the declared value. A LIST's items carry no
 * apiVersion/kind (the list has them), so those are matched by key, not compared. A CRD comes back
 * through the typed model, which renames its schema's keys (`enum`, `x-kubernetes-*`): its hash
 * decides alone (no scenario edits a CRD). Pure: unit-tested.
 */
export function seedUnchanged(o: K8sObject, h: string, seen: KubernetesObject | undefined): boolean {
  if (seen?.metadata?.annotations?.[HASH_ANNOTATION] !== h) return false;
  if (o.kind === 'CustomResourceDefinition') return true;
  const { status: _status, metadata, apiVersion: _v, kind: _k, ...rest } = o;
  return matchesDeclared(
    { ...rest, metadata: { labels: metadata.labels, annotations: metadata.annotations } },
    seen,
  );
}

/**
 * Apply many objects, skipping those whose live copy carries the same seed hash and has not
 * drifted from it (one LIST per kind instead of one PATCH per object: a warm `lab up` re-seeds in
 * seconds); a deleted or changed object is applied again, so `lab up`/`lab reset` restore it.
 */
export async function applyAll(
  k: Kube,
  objs: K8sObject[],
  sources?: Map<K8sObject, string>,
  fieldManager = FIELD_MANAGER,
): Promise<{ applied: number; skipped: number }> {
  const kinds = [...new Set(objs.map((o) => `${o.apiVersion}|${o.kind}`))];
  const live = new Map<string, KubernetesObject>();
  await pool(kinds, 8, async (kk) => {
    const [apiVersion, kind] = kk.split('|') as [string, string];
    try {
      const list = await retryTooMany(() => k.objects.list(apiVersion, kind));
      for (const it of list.items) {
        live.set(`${kind}/${it.metadata?.namespace ?? ''}/${it.metadata?.name}`, it);
      }
    } catch (e) {
      if (httpCode(e) !== 404) throw e;
    }
  });
  let skipped = 0;
  const todo: K8sObject[] = [];
  for (const o of objs) {
    const h = bodyHash(o);
    const seen = live.get(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    if (seedUnchanged(o, h, seen)) {
      skipped++;
      continue;
    }
    const withHash = {
      ...o,
      metadata: { ...o.metadata, annotations: { ...(o.metadata.annotations ?? {}), [HASH_ANNOTATION]: h } },
    };
    sources?.set(withHash, sources.get(o) ?? '');
    todo.push(withHash);
  }
  await pool(todo, 8, (o) => apply(k, o, sources?.get(o) || undefined, fieldManager));
  return { applied: todo.length, skipped };
}

/**
 * The live CRDs that still store or serve a version the CRD the lab is about to apply no longer has
 * (the apiserver refuses to drop a version listed in `status.storedVersions`): a lab made before
 * Strimzi moved to v1-only keeps `v1beta2` there. The versions compared are upstream's where the
 * build cache has that CRD (notification's Provider serves v1 and v1beta3 upstream, the open-schema
 * definition only v1beta3): comparing with the definition alone retired a current CRD on every
 * `lab up`/`lab reset`, and its deletion could outlast the wait.
 */
export function staleCrds(
  live: readonly V1CustomResourceDefinition[],
  defs: readonly CrdDef[] = CRDS,
  upstream: ReadonlyMap<string, K8sObject> = new Map(),
): string[] {
  return defs.flatMap((d) => {
    const name = `${d.plural}.${d.group}`;
    const crd = live.find((c) => c.metadata?.name === name);
    if (!crd) return [];
    const up = upstream.get(name) as { spec?: { versions?: { name: string }[] } } | undefined;
    const wanted = up?.spec?.versions?.map((v) => v.name) ?? d.versions;
    const had = [...(crd.status?.storedVersions ?? []), ...crd.spec.versions.map((v) => v.name)];
    return had.some((v) => !wanted.includes(v)) ? [name] : [];
  });
}

/**
 * Delete the stale CRDs (their objects go with them; the seed that follows re-creates them in the
 * applied CRD's versions) and wait until they are gone (bounded).
 */
export async function retireStaleCrds(
  k: Kube,
  upstream: ReadonlyMap<string, K8sObject> = new Map(),
  timeoutMs = 120_000,
): Promise<string[]> {
  const stale = staleCrds((await k.ext.listCustomResourceDefinition()).items, CRDS, upstream);
  for (const name of stale)
    await k.ext.deleteCustomResourceDefinition({ name }).catch((e: unknown) => {
      if (httpCode(e) !== 404) throw e;
    });
  const deadline = Date.now() + timeoutMs;
  while (stale.length) {
    const left = (await k.ext.listCustomResourceDefinition()).items.filter((c) =>
      stale.includes(c.metadata?.name ?? ''),
    );
    if (!left.length) break;
    if (Date.now() > deadline)
      throw new Error(
        `stale CRDs not deleted after ${timeoutMs / 1000}s: ${left.map((c) => c.metadata?.name).join(', ')}`,
      );
    await sleep(500);
  }
  return stale;
}

/**
 * Apply the lab's CRDs, upstream's where the build cache has them (lab/sim/upstream-crds.ts) and the
 * project's open-schema ones for the rest, and wait until every one is Established (bounded).
 */
export async function applyCrds(
  k: Kube,
  upstream: Map<string, K8sObject>,
  timeoutMs = 60_000,
): Promise<number> {
  await retireStaleCrds(k, upstream);
  // Phase 0's Flux Kustomization installs them: its labels, its field manager (TECH-005: one owner)
  await applyAll(
    k,
    CRDS.map((d) =>
      withOwnership(
        upstream.get(`${d.plural}.${d.group}`) ?? (crdObject(d) as unknown as K8sObject),
        CRDS_KUSTOMIZATION,
      ),
    ),
    undefined,
    KUSTOMIZE_MANAGER,
  );
  const names = new Set(CRDS.map((d) => `${d.plural}.${d.group}`));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await k.ext.listCustomResourceDefinition();
    const pending = [...names].filter((n) => {
      const crd = list.items.find((c) => c.metadata?.name === n);
      return !crd?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
    });
    if (!pending.length) return names.size;
    if (Date.now() > deadline)
      throw new Error(`CRDs not Established after ${timeoutMs / 1000}s: ${pending.join(', ')}`);
    await sleep(250);
  }
}

/**
 * A 422 refusing an update that a fresh object would not have: immutable fields (a workload's
 * selector, a Service's clusterIP, ...), or fields another manager still owns that the new declaration
 * excludes (a PodDisruptionBudget kept from an older lab with minAvailable, now declared with
 * maxUnavailable: server-side apply keeps the other manager's field and the pair is invalid).
 */
export function immutableRefusal(e: unknown): boolean {
  if (httpCode(e) !== 422) return false;
  const body = (e as { body?: unknown }).body;
  const text = typeof body === 'string' ? body : JSON.stringify(body ?? (e as Error).message ?? '');
  return /field is immutable|Forbidden: updates to (statefulset|deployment|daemonset) spec|minAvailable and maxUnavailable cannot be both set/i.test(
    text,
  );
}

/** Delete `obj` (background propagation) and wait (bounded) until it is gone: the first half of a replace. */
export async function deleteAndWait(k: Kube, obj: KubernetesObject, timeoutMs = 60_000): Promise<void> {
  await k.objects
    .delete(obj, undefined, undefined, undefined, undefined, 'Background')
    .catch((e: unknown) => {
      if (httpCode(e) !== 404) throw e;
    });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await k.objects.read({
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        metadata: { name: obj.metadata!.name!, namespace: obj.metadata!.namespace },
      });
    } catch (e) {
      if (httpCode(e) === 404) return;
      throw e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${obj.kind} ${obj.metadata?.namespace ?? ''}/${obj.metadata?.name} not deleted after ${timeoutMs / 1000}s`,
      );
    await sleep(250);
  }
}

/** Server-side apply of one object (status stripped: it goes through the status subresource). */
export async function apply(
  k: Kube,
  obj: K8sObject,
  source?: string,
  fieldManager = FIELD_MANAGER,
): Promise<KubernetesObject> {
  const { status: _status, ...body } = obj;
  try {
    // client-node serializes built-in kinds through its typed models, whose attribute names differ
    // from the JSON names in places (NetworkPolicy `from` is `_from`, `x-kubernetes-*` are
    // `x_kubernetes_*`) and drops unknown keys: deserialize the plain JSON into the model first.
    const typed = loadYaml<KubernetesObject>(JSON.stringify(body));
    const patch = () =>
      retryTooMany(() =>
        k.objects.patch(typed, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply),
      );
    try {
      return await patch();
    } catch (e) {
      if (!immutableRefusal(e)) throw e;
      // an operator recreates a child whose immutable fields changed (a StatefulSet's selector when
      // the pod labels change): delete it, wait until it is gone, create it again
      await deleteAndWait(k, typed);
      return await patch();
    }
  } catch (e) {
    const msg = (e as { body?: unknown }).body ?? (e as Error).message;
    throw new Error(
      `apply ${source ?? `${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`}: ${typeof msg === 'string' ? msg : JSON.stringify(msg)}`,
      { cause: e },
    );
  }
}

type Cond = Record<string, unknown> & { type?: string; status?: string };

function fillTimes(value: unknown, now: Record<string, string>): unknown {
  if (typeof value === 'string')
    return value.replace(/\$\{(NOW[A-Z0-9_]*)\}/g, (m, n: string) => now[n] ?? m);
  if (Array.isArray(value)) return value.map((v) => fillTimes(v, now));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillTimes(v, now)]));
  return value;
}

/**
 * The status to write: placeholders filled, observedGeneration set where the status carries one,
 * and each condition's lastTransitionTime kept from `current` when type and status are unchanged.
 */
/** Conditions with lastTransitionTime kept while the status holds (metav1.Condition requires it). */
function stampConditions(conds: Cond[], old: Cond[], generation: number, now: string): Cond[] {
  return conds.map((c) => {
    const prev = old.find((o) => o.type === c.type);
    const ltt =
      prev && prev.status === c.status && typeof prev.lastTransitionTime === 'string'
        ? prev.lastTransitionTime
        : now;
    return {
      ...c,
      ...('observedGeneration' in c ? { observedGeneration: generation } : {}),
      lastTransitionTime: ltt,
    };
  });
}

type Entry = Record<string, unknown>;
/** Which entry of a status list an entry is: its name (a Gateway listener), its parentRef (a route's parent), else its place. */
const entryKey = (e: Entry, i: number) =>
  typeof e.name === 'string' ? `name ${e.name}` : e.parentRef ? `parent ${stable(e.parentRef)}` : `#${i}`;

export function prepareStatus(
  desired: Record<string, unknown>,
  current: Record<string, unknown> | undefined,
  generation: number,
  times: Record<string, string>,
): Record<string, unknown> {
  const s = fillTimes(desired, times) as Record<string, unknown>;
  if ('observedGeneration' in s) s.observedGeneration = generation;
  if ('lastAttemptedGeneration' in s) s.lastAttemptedGeneration = generation;
  if (Array.isArray(s.conditions))
    s.conditions = stampConditions(
      s.conditions as Cond[],
      (current?.conditions as Cond[] | undefined) ?? [],
      generation,
      times.NOW!,
    );
  // conditions one level down, as upstream's schemas require them too: Gateway status.listeners[],
  // HTTPRoute status.parents[]
  for (const [key, v] of Object.entries(s)) {
    if (key === 'conditions' || !Array.isArray(v)) continue;
    const before = (current?.[key] as Entry[] | undefined) ?? [];
    s[key] = (v as unknown[]).map((item, i) => {
      const e = item as Entry;
      if (!e || typeof e !== 'object' || !Array.isArray(e.conditions)) return item;
      const prev = before.find((b, j) => b && typeof b === 'object' && entryKey(b, j) === entryKey(e, i));
      return {
        ...e,
        conditions: stampConditions(
          e.conditions as Cond[],
          (prev?.conditions as Cond[] | undefined) ?? [],
          generation,
          times.NOW!,
        ),
      };
    });
  }
  return s;
}

export function nowTimes(now = Date.now()): Record<string, string> {
  const iso = (ms: number) => new Date(now + ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const h = 3_600_000;
  return {
    NOW: iso(0),
    NOW_MINUS_1H: iso(-h),
    NOW_PLUS_23H: iso(23 * h),
    NOW_PLUS_60D: iso(60 * 24 * h),
    NOW_PLUS_90D: iso(90 * 24 * h),
  };
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x,
  );
}

/** Volatile keys that change every write without meaning a new state. */
function withoutVolatile(s: Record<string, unknown> | undefined): unknown {
  return JSON.parse(
    JSON.stringify(s ?? {}, (k, v: unknown) =>
      [
        'lastTransitionTime',
        'refreshTime',
        'lastUpdateTime',
        'lastChecked',
        'lastUpdated',
        'btime',
        'modified',
      ].includes(k)
        ? undefined
        : v,
    ),
  );
}

type LiveCR = {
  metadata: { name?: string; namespace?: string; generation?: number };
  status?: Record<string, unknown>;
};

/** List the live objects of the given custom kinds (one LIST per kind), keyed Kind/namespace/name. */
export async function listCustomObjects(
  k: Kube,
  kinds: { apiVersion: string; kind: string }[],
): Promise<Map<string, LiveCR>> {
  const out = new Map<string, LiveCR>();
  const uniq = [...new Map(kinds.map((x) => [`${x.apiVersion}|${x.kind}`, x])).values()];
  await pool(uniq, 8, async ({ apiVersion, kind }) => {
    const p = pluralFor(apiVersion, kind);
    if (!p) return;
    try {
      const list = (await retryTooMany(() =>
        k.custom.listClusterCustomObject({ group: p.group, version: p.version, plural: p.plural }),
      )) as { items: LiveCR[] };
      for (const it of list.items) out.set(`${kind}/${it.metadata.namespace ?? ''}/${it.metadata.name}`, it);
    } catch (e) {
      if (httpCode(e) !== 404) throw e;
    }
  });
  return out;
}

/**
 * Write one custom object's status via the status subresource (SSA, field manager pv-lab-sim),
 * skipping the write when nothing but timestamps would change. Returns true if written.
 */
export async function writeStatus(
  k: Kube,
  ref: { apiVersion: string; kind: string; name: string; namespace?: string },
  desired: Record<string, unknown>,
  times: Record<string, string>,
  /** the live object when the caller already listed it (saves a GET) */
  known?: LiveCR,
): Promise<boolean> {
  const p = pluralFor(ref.apiVersion, ref.kind);
  if (!p) throw new Error(`writeStatus: ${ref.kind} (${ref.apiVersion}) is not a simulated custom resource`);
  const base = { group: p.group, version: p.version, plural: p.plural, name: ref.name };
  // a failure names the object (lab/sim/sim-errors.ts): what `lab up` and `lab status` report
  return onObject({ kind: ref.kind, name: ref.name, namespace: ref.namespace }, async () => {
    const current =
      known ??
      ((await retryTooMany(() =>
        p.namespaced
          ? k.custom.getNamespacedCustomObject({ ...base, namespace: ref.namespace! })
          : k.custom.getClusterCustomObject(base),
      )) as LiveCR);
    const status = prepareStatus(desired, current.status, current.metadata.generation ?? 1, times);
    if (stable(withoutVolatile(status)) === stable(withoutVolatile(current.status))) return false;
    const body = {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { name: ref.name, ...(p.namespaced ? { namespace: ref.namespace } : {}) },
      status,
    };
    await retryTooMany(() =>
      p.namespaced
        ? k.custom.patchNamespacedCustomObjectStatus(
            { ...base, namespace: ref.namespace!, body, fieldManager: FIELD_MANAGER, force: true },
            APPLY,
          )
        : k.custom.patchClusterCustomObjectStatus(
            { ...base, body, fieldManager: FIELD_MANAGER, force: true },
            APPLY,
          ),
    );
    return true;
  });
}

/** Merge-patch a pod's status (readiness, restart counts) as the kubelet would report it. */
export async function patchPodStatus(
  k: Kube,
  namespace: string,
  name: string,
  status: Record<string, unknown>,
): Promise<void> {
  await k.core.patchNamespacedPodStatus({ name, namespace, body: { status } }, MERGE);
}
