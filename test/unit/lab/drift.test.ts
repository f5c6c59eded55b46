// `lab up` / `lab reset` re-apply a seeded object when its live copy drifted from what the seed
// declares, even though it still carries the seed hash (issue 13 item 5: a Deployment scaled to 0
// used to stay at 0, because only the hash was compared).
import { describe, expect, it } from 'vitest';
import type { K8sObject } from '../../../lab/sim/fixtures.js';
import {
  HASH_ANNOTATION,
  apply,
  immutableRefusal,
  matchesDeclared,
  seedUnchanged,
  type Kube,
} from '../../../lab/sim/kube.js';

const declared = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { labels: { app: 'x' } },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } },
};
const live = {
  ...declared,
  metadata: { name: 'x', uid: 'u', labels: { app: 'x', extra: 'y' }, annotations: { a: 'b' } },
  spec: {
    replicas: 2,
    progressDeadlineSeconds: 600,
    template: { spec: { containers: [{ name: 'c', image: 'i', imagePullPolicy: 'IfNotPresent' }] } },
  },
};

describe('matchesDeclared: drift from the seed', () => {
  it('ignores what the API server adds (defaults, uid, extra labels)', () => {
    expect(matchesDeclared(declared, live)).toBe(true);
  });
  it('sees a scaled Deployment, a changed image, a removed label and a removed container', () => {
    expect(matchesDeclared(declared, { ...live, spec: { ...live.spec, replicas: 0 } })).toBe(false);
    const image = { spec: { containers: [{ name: 'c', image: 'other' }] } };
    expect(matchesDeclared(declared, { ...live, spec: { ...live.spec, template: image } })).toBe(false);
    expect(matchesDeclared(declared, { ...live, metadata: { labels: {} } })).toBe(false);
    const none = { spec: { containers: [] } };
    expect(matchesDeclared(declared, { ...live, spec: { ...live.spec, template: none } })).toBe(false);
  });
  it('treats a missing live object or field as drift', () => {
    expect(matchesDeclared(declared, undefined)).toBe(false);
    expect(matchesDeclared({ a: { b: 1 } }, { a: null })).toBe(false);
    expect(matchesDeclared({ a: [1, 2] }, { a: [1, 2, 3] })).toBe(false);
  });
});

describe('seedUnchanged: what lab reset skips', () => {
  const o = { ...declared, metadata: { name: 'x', namespace: 'n', labels: { app: 'x' } } } as K8sObject;
  const hashed = (m: Record<string, unknown>) => ({ ...m, annotations: { [HASH_ANNOTATION]: 'h1' } });
  // a LIST's items have no apiVersion/kind: every object used to count as drifted, so every reset
  // re-applied all of them (and all 80 CRDs)
  const { apiVersion: _v, kind: _k, ...item } = live;
  it('a list item with the seed hash and the declared fields is unchanged', () => {
    expect(seedUnchanged(o, 'h1', { ...item, metadata: hashed(item.metadata) })).toBe(true);
  });
  it('another hash, no hash, a scaled copy or no live copy is changed', () => {
    expect(seedUnchanged(o, 'h2', { ...item, metadata: hashed(item.metadata) })).toBe(false);
    expect(seedUnchanged(o, 'h1', item)).toBe(false);
    const scaled = { ...item, metadata: hashed(item.metadata), spec: { ...item.spec, replicas: 0 } };
    expect(seedUnchanged(o, 'h1', scaled)).toBe(false);
    expect(seedUnchanged(o, 'h1', undefined)).toBe(false);
  });
  it('a CRD (read through the typed model, schema keys renamed) is decided by its hash', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'things.example.io' },
      spec: {
        versions: [
          { name: 'v1', schema: { openAPIV3Schema: { 'x-kubernetes-preserve-unknown-fields': true } } },
        ],
      },
    } as K8sObject;
    const typed = {
      metadata: hashed({ name: 'things.example.io' }),
      spec: {
        versions: [{ name: 'v1', schema: { openAPIV3Schema: { xKubernetesPreserveUnknownFields: true } } }],
      },
    };
    expect(seedUnchanged(crd, 'h1', typed)).toBe(true);
    expect(seedUnchanged(crd, 'h2', typed)).toBe(false);
  });
});

describe('apply: a child whose immutable fields changed is recreated (as an operator does)', () => {
  // the apiserver's answer to a StatefulSet selector change (apps/validation ValidateStatefulSetUpdate)
  const refusal = Object.assign(new Error('HTTP-Code: 422'), {
    code: 422,
    body: JSON.stringify({
      kind: 'Status',
      code: 422,
      message:
        "StatefulSet.apps \"dragonfly\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    }),
  });
  const sts: K8sObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'dragonfly', namespace: 'dragonfly-system' },
    spec: { selector: { matchLabels: { app: 'dragonfly', 'app.kubernetes.io/part-of': 'dragonfly' } } },
  };
  function fakeKube(refuseFirst: unknown) {
    const calls: string[] = [];
    let exists = true;
    let refused = false;
    const k = {
      objects: {
        patch: async () => {
          calls.push('apply');
          if (!refused && exists) {
            refused = true;
            throw refuseFirst;
          }
          exists = true;
          return sts;
        },
        delete: async (_o: unknown, ...rest: unknown[]) => {
          calls.push(`delete ${String(rest[4])}`);
          exists = false;
        },
        read: async () => {
          calls.push('read');
          if (!exists) throw Object.assign(new Error('not found'), { code: 404 });
          return sts;
        },
      },
    } as unknown as Kube;
    return { k, calls };
  }
  it('a 422 on immutable fields: delete (background), wait until gone, apply again', async () => {
    const { k, calls } = fakeKube(refusal);
    await apply(k, sts);
    expect(calls).toEqual(['apply', 'delete Background', 'read', 'apply']);
    expect(immutableRefusal(refusal)).toBe(true);
  });
  it('a kept PodDisruptionBudget whose minAvailable another manager owns, now declared maxUnavailable: recreated', () => {
    // what a lab with a kept etcd answered when the Dragonfly PDB moved to the operator's shape
    const pdb = Object.assign(new Error('HTTP-Code: 422'), {
      code: 422,
      body: '{"message":"PodDisruptionBudget.policy \\"dragonfly\\" is invalid: spec: Invalid value: {}: minAvailable and maxUnavailable cannot be both set"}',
    });
    expect(immutableRefusal(pdb)).toBe(true);
  });
  it('any other refusal is reported, nothing deleted', async () => {
    const other = Object.assign(new Error('HTTP-Code: 422'), {
      code: 422,
      body: '{"message":"spec.replicas: Invalid value: -1"}',
    });
    const { k, calls } = fakeKube(other);
    await expect(apply(k, sts)).rejects.toThrow(
      /apply StatefulSet dragonfly-system\/dragonfly: .*Invalid value/,
    );
    expect(calls).toEqual(['apply']);
    expect(immutableRefusal(other)).toBe(false);
  });
});
