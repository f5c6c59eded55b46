// GITOPS-DRIFT-001 (helpers/probes/flux-drift.ts): inventory ids read as cli-utils writes them, and
// every recorded object found, labelled by its Kustomization; a deleted or relabelled one named.
import { describe, expect, it } from 'vitest';
import type { ClusterHandle } from '../../../helpers/cluster/index.js';
import type { Facts } from '../../../helpers/config/index.js';
import { inventoryDrift } from '../../../helpers/probes/flux-drift.js';
import { parseInventoryEntry } from '../../../helpers/reads/flux-inventory.js';
import { fakeEvidence } from './fake-run.js';

describe('Kustomization inventory entries', () => {
  it('parse namespaced, cluster-scoped, core and RBAC ids (colons as __)', () => {
    expect(parseInventoryEntry({ id: 'flux-system_podinfo_apps_Deployment', v: 'v1' })).toEqual({
      namespace: 'flux-system',
      name: 'podinfo',
      group: 'apps',
      kind: 'Deployment',
      apiVersion: 'apps/v1',
    });
    expect(
      parseInventoryEntry({ id: '_rook-ceph-block_storage.k8s.io_StorageClass', v: 'v1' }),
    ).toMatchObject({
      namespace: '',
      apiVersion: 'storage.k8s.io/v1',
    });
    expect(parseInventoryEntry({ id: 'default_cfg__ConfigMap', v: 'v1' })).toMatchObject({
      group: '',
      apiVersion: 'v1',
    });
    expect(
      parseInventoryEntry({ id: '_system__controller__x_rbac.authorization.k8s.io_ClusterRole', v: 'v1' })
        ?.name,
    ).toBe('system:controller:x');
    expect(parseInventoryEntry({ id: 'nounderscores', v: 'v1' })).toBeUndefined();
    expect(parseInventoryEntry({ id: 'a_b_c_D' })).toBeUndefined();
  });
});

const LABELS = (name: string) => ({
  'kustomize.toolkit.fluxcd.io/name': name,
  'kustomize.toolkit.fluxcd.io/namespace': 'flux-system',
});

function cluster(live: Record<string, Record<string, string> | undefined>) {
  const kz = {
    metadata: { namespace: 'flux-system', name: 'infra' },
    status: {
      inventory: {
        entries: [
          { id: 'kube-system_cilium-config__ConfigMap', v: 'v1' },
          { id: 'kube-system_cilium-ca__Secret', v: 'v1' },
          { id: '_fast_storage.k8s.io_StorageClass', v: 'v1' },
          { id: 'default_gone__ConfigMap', v: 'v1' },
          { id: 'default_taken__ConfigMap', v: 'v1' },
        ],
      },
    },
  };
  const key = (kind: string, ns: string | undefined, name: string) => `${kind} ${ns ?? ''}/${name}`;
  return {
    custom: { listClusterCustomObject: async () => ({ items: [kz] }) },
    objects: {
      list: async (_v: string, kind: string, _ns: unknown, ...rest: unknown[]) => {
        expect(rest[4], 'label selector').toBe('kustomize.toolkit.fluxcd.io/name');
        return {
          items: Object.entries(live)
            .filter(([k, l]) => k.startsWith(`${kind} `) && l?.['kustomize.toolkit.fluxcd.io/name'])
            .map(([k, labels]) => {
              const [ns, name] = k.split(' ')[1]!.split('/');
              return { metadata: { namespace: ns || undefined, name, labels } };
            }),
        };
      },
      read: async (o: { kind: string; metadata: { namespace?: string; name: string } }) => {
        const l = live[key(o.kind, o.metadata.namespace, o.metadata.name)];
        if (!l) throw Object.assign(new Error('HTTP-Code: 404\nMessage: not found'), { code: 404 });
        return { metadata: { ...o.metadata, labels: l } };
      },
    },
  } as unknown as ClusterHandle;
}
const facts = { flux: { inventoryUnread: ['Secret'] } } as unknown as Facts;

describe('GITOPS-DRIFT-001 inventory drift', () => {
  it('passes when every recorded object is there with its labels; Secrets counted, not read', async () => {
    const r = await inventoryDrift(
      cluster({
        'ConfigMap kube-system/cilium-config': LABELS('infra'),
        'StorageClass /fast': LABELS('infra'),
        'ConfigMap default/gone': LABELS('infra'),
        'ConfigMap default/taken': LABELS('infra'),
      }),
      facts,
      fakeEvidence().evidence,
    );
    expect(r).toMatchObject({
      kustomizations: 1,
      objects: 4,
      notRead: [{ kind: 'Secret', entries: 1 }],
      problems: [],
    });
  });
  it('GITOPS-DRIFT-001 fails naming an object deleted since the last apply and one another Kustomization took', async () => {
    const r = await inventoryDrift(
      cluster({
        'ConfigMap kube-system/cilium-config': LABELS('infra'),
        'StorageClass /fast': {},
        'ConfigMap default/taken': LABELS('other'),
      }),
      facts,
      fakeEvidence().evidence,
    );
    expect(r.problems).toEqual([
      'ConfigMap default/gone (Kustomization flux-system/infra): in the inventory, not on the cluster (deleted since the last apply)',
      'ConfigMap default/taken (Kustomization flux-system/infra): now labelled by Kustomization flux-system/other',
      "StorageClass.storage.k8s.io fast (Kustomization flux-system/infra): no longer carries the Kustomization's labels (kustomize.toolkit.fluxcd.io/name, kustomize.toolkit.fluxcd.io/namespace)",
    ]);
  });
  it('a Kustomization that never applied (no inventory yet, as the real controller leaves it) is listed, not a drift', async () => {
    const k = cluster({ 'ConfigMap kube-system/cilium-config': LABELS('infra') }) as unknown as {
      custom: { listClusterCustomObject: () => Promise<{ items: unknown[] }> };
    };
    const base = k.custom.listClusterCustomObject;
    k.custom.listClusterCustomObject = async () => ({
      items: [
        ...(await base()).items,
        { metadata: { namespace: 'lab-flux-broken', name: 'broken' }, status: {} },
      ],
    });
    const r = await inventoryDrift(k as unknown as ClusterHandle, facts, fakeEvidence().evidence);
    expect(r.notApplied).toEqual(['lab-flux-broken/broken']);
    expect(r.problems.some((p) => p.includes('broken'))).toBe(false);
  });
});
