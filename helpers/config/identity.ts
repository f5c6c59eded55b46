// The resolved form of a cluster's identity declaration (schema.ts identitySchema, defaults applied by load.ts).

/** How a cluster proves who it is, defaults applied (the only form the cluster layer takes). */
export type ResolvedIdentity =
  | { kind: 'configMap'; namespace: string; name: string; key: string; expected: string }
  | { kind: 'nodeLabel'; key: string; expected: string };

/** The ConfigMap key a Flux platform carries its cluster name in. */
export const DEFAULT_IDENTITY_CONFIGMAP = {
  namespace: 'flux-system',
  name: 'cluster-settings',
  key: 'CLUSTER',
} as const;

/** The identity of a cluster declared without one: its ConfigMap key equals the cluster's name. */
export function defaultIdentity(clusterName: string): ResolvedIdentity {
  return { kind: 'configMap', ...DEFAULT_IDENTITY_CONFIGMAP, expected: clusterName };
}
