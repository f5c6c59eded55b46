// `lab up` / `lab reset` re-apply a seeded object when its live copy drifted from what the seed
// declares, even though it still carries the seed hash (issue 13 item 5: a Deployment scaled to 0
// used to stay at 0, because only the hash was compared).
import { describe, expect, it } from 'vitest';
import { matchesDeclared } from '../../../lab/sim/kube.js';

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
