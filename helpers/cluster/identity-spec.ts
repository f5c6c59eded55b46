// The shapes a cluster's identity can be declared in, normalised to one.
// Accepted: the config form `{ configMap?: {namespace,name,key}, expected? }`, a node label
// `{ nodeLabel: { key }, expected? }`, or the flat form `{ kind: 'configMap'|'nodeLabel', ... }`.

export type IdentitySpec =
  | { kind: 'configMap'; namespace: string; name: string; key: string; expected: string }
  | { kind: 'nodeLabel'; key: string; expected: string };

export type IdentityInput =
  | IdentitySpec
  | { kind: 'configMap'; namespace?: string; name?: string; key?: string; expected?: string }
  | { kind: 'nodeLabel'; key: string; expected?: string }
  | { configMap?: { namespace?: string; name?: string; key?: string }; expected?: string }
  | { nodeLabel: { key: string }; expected?: string };

export const DEFAULT_IDENTITY = {
  namespace: 'flux-system',
  name: 'cluster-settings',
  key: 'CLUSTER',
} as const;

export function normalizeIdentitySpec(input: IdentityInput | undefined, clusterName: string): IdentitySpec {
  const expected = (input && 'expected' in input && input.expected) || clusterName;
  if (!input) return { kind: 'configMap', ...DEFAULT_IDENTITY, expected };
  if ('kind' in input) {
    if (input.kind === 'nodeLabel') return { kind: 'nodeLabel', key: input.key, expected };
    return {
      kind: 'configMap',
      namespace: input.namespace ?? DEFAULT_IDENTITY.namespace,
      name: input.name ?? DEFAULT_IDENTITY.name,
      key: input.key ?? DEFAULT_IDENTITY.key,
      expected,
    };
  }
  if ('nodeLabel' in input) return { kind: 'nodeLabel', key: input.nodeLabel.key, expected };
  const cm = input.configMap ?? {};
  return {
    kind: 'configMap',
    namespace: cm.namespace ?? DEFAULT_IDENTITY.namespace,
    name: cm.name ?? DEFAULT_IDENTITY.name,
    key: cm.key ?? DEFAULT_IDENTITY.key,
    expected,
  };
}

export function describeIdentitySpec(spec: IdentitySpec): string {
  return spec.kind === 'configMap'
    ? `ConfigMap ${spec.namespace}/${spec.name} key ${spec.key}`
    : `node label ${spec.key} on every node`;
}
