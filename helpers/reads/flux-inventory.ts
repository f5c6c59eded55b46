// A Kustomization's `status.inventory`: what kustomize-controller applied last (internal/inventory).
// Each entry's id is cli-utils' ObjMetadata string `<namespace>_<name>_<group>_<Kind>` (namespace
// empty for cluster-scoped objects, group empty for the core API, `:` of RBAC names as `__`) and
// `v` the API version without the group.

export interface InventoryObject {
  namespace: string;
  name: string;
  group: string;
  kind: string;
  apiVersion: string;
}

/** Parse one entry the way cli-utils' ParseObjMetadata does; undefined for a malformed id. */
export function parseInventoryEntry(e: { id?: string; v?: string }): InventoryObject | undefined {
  const id = e.id ?? '';
  const first = id.indexOf('_');
  if (first < 0) return undefined;
  const namespace = id.slice(0, first);
  let rest = id.slice(first + 1);
  const last = rest.lastIndexOf('_');
  if (last < 0) return undefined;
  const kind = rest.slice(last + 1);
  rest = rest.slice(0, last);
  const g = rest.lastIndexOf('_');
  if (g < 0) return undefined;
  const group = rest.slice(g + 1);
  const name = rest.slice(0, g).replaceAll('__', ':');
  if (!name || !kind || name.includes('_') || !e.v) return undefined;
  return { namespace, name, group, kind, apiVersion: group ? `${group}/${e.v}` : e.v };
}

export const describeObject = (o: InventoryObject) =>
  `${o.kind}${o.group ? `.${o.group}` : ''} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
