// How an identity spec reads in messages. The spec itself is resolved by helpers/config (defaults applied).
import type { ResolvedIdentity } from '../config/identity.js';

export type IdentitySpec = ResolvedIdentity;

export function describeIdentitySpec(spec: IdentitySpec): string {
  return spec.kind === 'configMap'
    ? `ConfigMap ${spec.namespace}/${spec.name} key ${spec.key}`
    : `node label ${spec.key} on every node`;
}
