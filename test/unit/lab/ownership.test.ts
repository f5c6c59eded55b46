import { describe, expect, test } from 'vitest';
import { operatorOwner, withOwnership } from '../../../lab/sim/ownership.js';

describe('lab ownership (lab/sim/ownership.ts)', () => {
  const d = (namespace: string, name: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
  });
  test('a chart workload gets helm-controller and Helm marks, a plain manifest the Kustomization', () => {
    expect(
      withOwnership(d('kube-system', 'cilium-operator'), 'cluster-infra-infrastructure').metadata,
    ).toMatchObject({
      labels: { 'helm.toolkit.fluxcd.io/name': 'cilium', 'app.kubernetes.io/managed-by': 'Helm' },
      annotations: { 'meta.helm.sh/release-name': 'cilium' },
    });
    expect(
      withOwnership(d('kube-system', 'reloader'), 'cluster-infra-infrastructure').metadata.labels,
    ).toEqual({
      'kustomize.toolkit.fluxcd.io/name': 'cluster-infra-infrastructure',
      'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
    });
  });
  test('an operator child keeps no Flux label and names its owner', () => {
    const mon = d('rook-ceph', 'rook-ceph-mon-a');
    expect(withOwnership(mon, 'x')).toBe(mon);
    expect(operatorOwner(mon)).toMatchObject({ kind: 'CephCluster', name: 'rook-ceph' });
  });
});
