import { describe, expect, test } from 'vitest';
import { fluxManagerOf, unmanagedHint } from '../../../helpers/reads/flux-ownership.js';
import { specManagers } from '../../../helpers/probes/flux-ownership.js';
import type { V1CustomResourceDefinition } from '@kubernetes/client-node';

describe('the Flux manager an object names (flux-operator trace)', () => {
  test('kustomize-, helm-controller, ResourceSet and FluxInstance labels', () => {
    expect(
      fluxManagerOf({
        'kustomize.toolkit.fluxcd.io/name': 'apps',
        'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
      }),
    ).toEqual({ kind: 'Kustomization', name: 'apps', namespace: 'flux-system' });
    expect(
      fluxManagerOf({
        'helm.toolkit.fluxcd.io/name': 'cilium',
        'helm.toolkit.fluxcd.io/namespace': 'kube-system',
      }),
    ).toEqual({ kind: 'HelmRelease', name: 'cilium', namespace: 'kube-system' });
    expect(
      fluxManagerOf({
        'resourceset.fluxcd.controlplane.io/name': 'tenants',
        'resourceset.fluxcd.controlplane.io/namespace': 'flux-system',
      }),
    ).toEqual({ kind: 'ResourceSet', name: 'tenants', namespace: 'flux-system' });
    expect(
      fluxManagerOf({
        'app.kubernetes.io/managed-by': 'flux-operator',
        'fluxcd.controlplane.io/name': 'flux',
        'fluxcd.controlplane.io/namespace': 'flux-system',
      }),
    ).toEqual({ kind: 'FluxInstance', name: 'flux', namespace: 'flux-system' });
  });
  test('a name without its namespace, Helm marks alone, or nothing is no manager', () => {
    expect(fluxManagerOf({ 'helm.toolkit.fluxcd.io/name': 'cilium' })).toBeUndefined();
    expect(fluxManagerOf({ 'app.kubernetes.io/managed-by': 'Helm' })).toBeUndefined();
    expect(fluxManagerOf({ 'app.kubernetes.io/managed-by': 'flux-operator' })).toBeUndefined();
    expect(fluxManagerOf(undefined)).toBeUndefined();
  });
  test('the hint names a Helm CLI release', () => {
    expect(
      unmanagedHint(
        { 'app.kubernetes.io/managed-by': 'Helm' },
        { 'meta.helm.sh/release-name': 'cilium-bootstrap', 'meta.helm.sh/release-namespace': 'kube-system' },
      ),
    ).toBe('installed by the Helm CLI (release cilium-bootstrap in kube-system), adopted by no HelmRelease');
    expect(unmanagedHint({}, {})).toBe('no Flux label, no owner');
  });
});

describe('CRD field managers', () => {
  test('status writers are left out, each manager once with its operation', () => {
    const crd = {
      metadata: {
        managedFields: [
          { manager: 'kustomize-controller', operation: 'Apply' },
          { manager: 'kube-apiserver', operation: 'Update', subresource: 'status' },
          { manager: 'helm', operation: 'Update' },
        ],
      },
    } as unknown as V1CustomResourceDefinition;
    expect(specManagers(crd)).toEqual(['kustomize-controller (Apply)', 'helm (Update)']);
  });
});
