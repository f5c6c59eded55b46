// Declarative probes: a check body for each common kind of Kubernetes acceptance criterion. Each
// polls (bounded), attaches what it read as evidence, and fails with a message that names the object,
// the expected and the seen value. The facts pick the objects:
//
//   core.check({ id: 'BOOT-CORE-008', ... }, rolledOut((f) => ({ namespace: f.flux.namespace, deployments: f.flux.controllers })));
import { expect } from 'vitest';
import type { Facts } from '../config/index.js';
import type { CheckContext } from '../check/index.js';
import {
  describeCondition,
  getCustom,
  isTrue,
  listCustom,
  refName,
  type Gvr,
  type KObject,
} from '../reads/k8s.js';
import { waitForWorkloads, type Workloads } from '../reads/rollout.js';
import { pollWithin, settleMs } from './poll.js';

const INTERVAL_MS = 2_000;

/** A check body made by a probe (assignable to check()'s and suite().check()'s body). */
export type Probe = (ctx: CheckContext) => Promise<void>;

/**
 * Every workload named (Deployments, DaemonSets, StatefulSets of one namespace) is rolled out, and a
 * Deployment Available (kubectl rollout status), within timeoutMs.
 */
export function rolledOut(pick: (f: Facts) => Workloads, timeoutMs = 60_000): Probe {
  return async ({ cluster, facts, evidence }) => {
    await waitForWorkloads(cluster, pick(facts), evidence, timeoutMs);
  };
}

export interface ObjectRef {
  /** the kind as a person writes it, for the message: 'ClusterSecretStore' */
  kind: string;
  gvr: Gvr;
  namespace?: string;
  name: string;
}

/** Polls one object (bounded), attaching it each time; `render` gives the value asserted on. */
function pollObject(
  { cluster, evidence }: CheckContext,
  ref: ObjectRef,
  timeoutMs: number,
  what: string,
  render: (o: KObject) => string,
) {
  const where = ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
  return expect.poll(
    async () => {
      const obj = await getCustom(cluster, ref.gvr, ref.namespace, ref.name);
      evidence.status(obj);
      return render(obj);
    },
    { timeout: settleMs(timeoutMs), interval: INTERVAL_MS, message: `${ref.kind} ${where}${what}` },
  );
}

/**
 * One object's condition (default Ready) is True, and, when `field` is given, that field is set
 * (e.g. a GitRepository's artifact revision). The seen value is `Ready=False (Reason: message)`.
 */
export function conditionTrue(
  pick: (f: Facts) => ObjectRef,
  opts: { type?: string; timeoutMs?: number; field?: { label: string; get(o: KObject): unknown } } = {},
): Probe {
  const type = opts.type ?? 'Ready';
  const field = opts.field;
  const want = new RegExp(`^${type}=True${field ? `.*; ${field.label} (?!missing)\\S+` : ''}`);
  return async (ctx) => {
    await pollObject(ctx, pick(ctx.facts), opts.timeoutMs ?? 30_000, '', (obj) => {
      const seen = describeCondition(obj, type);
      return field ? `${seen}; ${field.label} ${String(field.get(obj) || 'missing')}` : seen;
    }).toMatch(want);
  };
}

/**
 * Every object of a kind, in all namespaces, has its Ready condition True, and there is at least one.
 * The message lists each one that is not, with its condition; the evidence lists them all.
 */
export function everyReady(
  what: { plural: string; gvr: Gvr },
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Probe {
  return async ({ cluster, evidence }) => {
    await expect
      .poll(
        async () => {
          const items = await listCustom(cluster, what.gvr);
          evidence.json(
            what.plural,
            items.map((o) => ({
              name: refName(o),
              ready: describeCondition(o, 'Ready'),
              suspended: o.spec?.suspend ?? false,
            })),
          );
          if (items.length === 0) return ['(none found)'];
          return items
            .filter((o) => !isTrue(o, 'Ready'))
            .map((o) => `${refName(o)}: ${describeCondition(o, 'Ready')}`);
        },
        {
          timeout: settleMs(opts.timeoutMs ?? 45_000),
          interval: opts.intervalMs ?? 3_000,
          message: `${what.plural} not Ready`,
        },
      )
      .toEqual([]);
  };
}

/**
 * A field of one object equals the expected value, polled (bounded). `get` renders what a person
 * needs to see next to the value (e.g. the health details), so the seen value explains itself.
 */
export function fieldEquals(
  pick: (f: Facts) => ObjectRef,
  field: { label: string; get(o: KObject): string; want: string },
  timeoutMs = 30_000,
): Probe {
  return async (ctx) => {
    await pollObject(ctx, pick(ctx.facts), timeoutMs, ` ${field.label}`, field.get).toBe(field.want);
  };
}

/**
 * A count kept in a ConfigMap (e.g. COREDNS_REPLICAS in flux-system/cluster-settings): the raw value
 * is attached as `{ [key]: raw }` under `attachAs`, asserted to be a positive integer (the message
 * names the ConfigMap, the key and what it holds) and returned as a number.
 */
export async function configMapCount(
  { cluster, evidence }: Pick<CheckContext, 'cluster' | 'evidence'>,
  cm: { namespace: string; name: string },
  key: string,
  attachAs: string,
): Promise<number> {
  const obj = await cluster.core.readNamespacedConfigMap({ namespace: cm.namespace, name: cm.name });
  const raw = obj.data?.[key];
  evidence.json(attachAs, { [key]: raw });
  const n = Number(raw);
  expect(
    Number.isInteger(n) && n > 0,
    `ConfigMap ${cm.namespace}/${cm.name} key ${key}: expected a positive integer, got ${JSON.stringify(raw)}`,
  ).toBe(true);
  return n;
}

/**
 * A Deployment's replicas as `{ spec, ready, available }`, polled (bounded, the object attached each
 * time) for the caller's matcher; the message is `Deployment <ns>/<name> replicas<what>`:
 *
 *   await deploymentReplicas(ctx, ns, name, ' vs COREDNS_REPLICAS=2').toEqual({ spec: 2, ready: 2, available: 2 });
 */
export function deploymentReplicas(
  { cluster, evidence }: Pick<CheckContext, 'cluster' | 'evidence'>,
  namespace: string,
  name: string,
  what = '',
  timeoutMs = 60_000,
) {
  return pollWithin(
    async () => {
      const d = await cluster.apps.readNamespacedDeployment({ namespace, name });
      evidence.status(d);
      return {
        spec: d.spec?.replicas,
        ready: d.status?.readyReplicas ?? 0,
        available: d.status?.availableReplicas ?? 0,
      };
    },
    `Deployment ${namespace}/${name} replicas${what}`,
    timeoutMs,
  );
}

/** A kind read in all namespaces (or the one given), named as a person writes it. */
export interface KindRef {
  kind: string;
  gvr: Gvr;
  namespace?: string;
}

/** `Kind ns/name` (cluster-scoped: `Kind name`), the way the messages name an object. */
export const objectName = (kind: string, o: KObject) => `${kind} ${refName(o)}`;

/**
 * Every object of the kinds listed passes `problem` (undefined: healthy), there is at least one, and
 * each object `required` names exists: none found, or a required one missing, is a finding, never a
 * pass by iterating nothing. The message lists each finding as `Kind ns/name: <problem>`; the
 * evidence (`attachAs`) lists every object read with its summary.
 *
 *   both.check({ id: 'GITOPS-SRC-001', ... }, everyHealthy({ kinds: () => [OCI, HELM], problem: notReady, attachAs: 'chart-sources' }));
 */
export function everyHealthy(spec: {
  kinds: (f: Facts) => readonly KindRef[];
  problem: (o: KObject, f: Facts) => string | undefined;
  /** objects that must be among those read, each `{ kind, namespace?, name }` */
  required?: (f: Facts) => readonly { kind: string; namespace?: string; name: string }[];
  attachAs: string;
  summary?: (o: KObject) => unknown;
  timeoutMs?: number;
}): Probe {
  return async ({ cluster, facts, evidence }) => {
    const kinds = spec.kinds(facts);
    const label = kinds.map((k) => k.kind).join('/');
    await pollWithin(
      async () => {
        const read = await Promise.all(
          kinds.map(async (k) => ({ k, items: await listCustom(cluster, k.gvr, k.namespace) })),
        );
        const all = read.flatMap(({ k, items }) => items.map((o) => ({ kind: k.kind, o })));
        evidence.json(
          spec.attachAs,
          all.map(({ kind, o }) => ({
            object: objectName(kind, o),
            ...((spec.summary?.(o) as object | undefined) ?? { status: o.status }),
          })),
        );
        const findings = all.flatMap(({ kind, o }) => {
          const p = spec.problem(o, facts);
          return p === undefined ? [] : [`${objectName(kind, o)}: ${p}`];
        });
        for (const r of spec.required?.(facts) ?? []) {
          const found = all.some(
            ({ kind, o }) =>
              kind === r.kind &&
              o.metadata?.name === r.name &&
              (r.namespace === undefined || o.metadata?.namespace === r.namespace),
          );
          if (!found) findings.push(`${objectName(r.kind, { metadata: r })}: not found`);
        }
        if (all.length === 0) findings.push(`no ${label} found`);
        return findings;
      },
      `${label} not healthy`,
      spec.timeoutMs ?? 15_000,
    ).toEqual([]);
  };
}

/** `problem` for kinds with a Ready condition: undefined when Ready=True, else the condition seen. */
export const readyProblem = (o: KObject): string | undefined =>
  isTrue(o, 'Ready') ? undefined : describeCondition(o, 'Ready');
