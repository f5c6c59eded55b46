// GITOPS-DRIFT-001 (GitOps sync risk T004, object-level drift): every object each Kustomization
// recorded in its last apply (`status.inventory`) still exists on the cluster and still carries that
// Kustomization's labels. Between two reconciliations a `kubectl delete`, a prune by another tool or
// a relabelling (another Kustomization or installer taking the object over) is drift Git does not
// show. One list per kind (label selector of kustomize-controller's own labels), then a GET for each
// object the list misses, to tell "deleted" from "now labelled by someone else".
import type { KubernetesObject } from '@kubernetes/client-node';
import type { CheckEvidence } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { errorText } from '../cluster/errors.js';
import type { Facts } from '../config/index.js';
import { describeObject, parseInventoryEntry, type InventoryObject } from '../reads/flux-inventory.js';
import { GVR, isNotFound, listCustom, type KObject } from '../reads/k8s.js';

const NAME_LABEL = 'kustomize.toolkit.fluxcd.io/name';
const NS_LABEL = 'kustomize.toolkit.fluxcd.io/namespace';

export interface InventoryDrift {
  kustomizations: number;
  objects: number;
  /** entries of the kinds facts.flux.inventoryUnread names (e.g. Secrets): counted, not read. A list,
   * not a map keyed by kind: the evidence redaction masks the value under a key named `Secret` */
  notRead: { kind: string; entries: number }[];
  /** Kustomizations that never applied (no status.inventory yet): nothing recorded to compare;
   * their failure is BOOT-CORE-010's */
  notApplied: string[];
  problems: string[];
}

interface Recorded {
  owner: string; // namespace/name of the Kustomization
  object: InventoryObject;
}

/** The problem of one recorded object given its live labels (undefined: not found). */
export function driftOf(r: Recorded, labels: Record<string, string> | undefined | null): string | undefined {
  const what = `${describeObject(r.object)} (Kustomization ${r.owner})`;
  if (labels === undefined)
    return `${what}: in the inventory, not on the cluster (deleted since the last apply)`;
  const now = labels?.[NAME_LABEL] ? `${labels[NS_LABEL] ?? '?'}/${labels[NAME_LABEL]}` : '';
  if (now === r.owner) return undefined;
  return now
    ? `${what}: now labelled by Kustomization ${now}`
    : `${what}: no longer carries the Kustomization's labels (${NAME_LABEL}, ${NS_LABEL})`;
}

export async function inventoryDrift(
  k: ClusterHandle,
  facts: Facts,
  evidence: CheckEvidence,
): Promise<InventoryDrift> {
  const ks = await listCustom(k, GVR.kustomization);
  const unread = new Set(facts.flux.inventoryUnread);
  const out: InventoryDrift = {
    kustomizations: ks.length,
    objects: 0,
    notRead: [],
    notApplied: [],
    problems: [],
  };
  const byKind = new Map<string, Recorded[]>();
  for (const kz of ks) {
    const owner = `${kz.metadata?.namespace}/${kz.metadata?.name}`;
    const inv = (kz.status as { inventory?: { entries?: { id?: string; v?: string }[] } } | undefined)
      ?.inventory;
    if (!inv) {
      // kustomize-controller writes the inventory after its first successful apply
      out.notApplied.push(owner);
      continue;
    }
    for (const e of inv.entries ?? []) {
      const object = parseInventoryEntry(e);
      if (!object) {
        out.problems.push(`Kustomization ${owner}: unreadable inventory entry ${JSON.stringify(e)}`);
        continue;
      }
      if (unread.has(object.kind)) {
        const row = out.notRead.find((r) => r.kind === object.kind);
        if (row) row.entries++;
        else out.notRead.push({ kind: object.kind, entries: 1 });
        continue;
      }
      const key = `${object.apiVersion} ${object.kind}`;
      byKind.set(key, [...(byKind.get(key) ?? []), { owner, object }]);
      out.objects++;
    }
  }
  const rows: { object: string; owner: string; problem?: string }[] = [];
  for (const recorded of byKind.values()) {
    const { apiVersion, kind } = recorded[0]!.object;
    let live: Map<string, Record<string, string>>;
    try {
      const list = await k.objects.list<KubernetesObject>(
        apiVersion,
        kind,
        undefined,
        undefined,
        undefined,
        undefined,
        undefined,
        NAME_LABEL,
      );
      live = new Map(
        list.items.map((o) => [
          `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`,
          o.metadata?.labels ?? {},
        ]),
      );
    } catch (e) {
      out.problems.push(
        `cannot list ${kind} (${apiVersion}) to compare ${recorded.length} inventory entries: ${errorText(e).split('\n')[0]}` +
          ' (grant the read role get/list on it, or name the kind in facts.flux.inventoryUnread)',
      );
      continue;
    }
    for (const r of recorded) {
      let labels: Record<string, string> | undefined | null = live.get(
        `${r.object.namespace}/${r.object.name}`,
      );
      if (!labels) {
        // not among the labelled objects: deleted, or relabelled
        try {
          const o = await k.objects.read({
            apiVersion,
            kind,
            metadata: {
              name: r.object.name,
              ...(r.object.namespace ? { namespace: r.object.namespace } : {}),
            },
          });
          labels = (o as KObject).metadata?.labels ?? null;
        } catch (e) {
          if (!isNotFound(e)) {
            out.problems.push(`cannot read ${describeObject(r.object)}: ${errorText(e).split('\n')[0]}`);
            continue;
          }
          labels = undefined;
        }
      }
      const problem = driftOf(r, labels);
      if (problem) out.problems.push(problem);
      rows.push({ object: describeObject(r.object), owner: r.owner, ...(problem ? { problem } : {}) });
    }
  }
  evidence.json('inventory-drift', { ...out, rows });
  return out;
}
