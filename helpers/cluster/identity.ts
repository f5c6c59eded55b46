// Identity guard: before anything runs against a cluster, prove the context reaches THAT cluster.
// Read-only and bounded in time.
import { ApiException } from '@kubernetes/client-node';
import { ClusterAccessError, IdentityError, errorText } from './errors.js';
import { where, type ClusterHandle, type ClusterIdentity } from './handle.js';
import { defaultIdentity } from '../config/identity.js';
import { identityTimeout } from '../config/runtime.js';
import { describeIdentitySpec, type IdentitySpec } from './identity-spec.js';

export interface ProvenIdentity {
  expected: string;
  seen: string;
  serverVersion: string;
  server: string;
}

const NOT_FOUND = '(not found)';

async function seenIdentity(cluster: ClusterHandle, spec: IdentitySpec): Promise<string> {
  if (spec.kind === 'configMap') {
    try {
      const cm = await cluster.core.readNamespacedConfigMap({ namespace: spec.namespace, name: spec.name });
      const v = cm.data?.[spec.key];
      return v === undefined ? `${NOT_FOUND}: ConfigMap has no key ${spec.key}` : v;
    } catch (err) {
      if (err instanceof ApiException && err.code === 404)
        return `${NOT_FOUND}: no ConfigMap ${spec.namespace}/${spec.name}`;
      if (err instanceof ApiException && err.code === 403)
        return `(forbidden): cannot read ConfigMap ${spec.namespace}/${spec.name}`;
      throw err;
    }
  }
  const nodes = await cluster.core.listNode({ limit: 500 });
  const values = new Set(nodes.items.map((n) => n.metadata?.labels?.[spec.key] ?? `${NOT_FOUND}`));
  if (nodes.items.length === 0) return `${NOT_FOUND}: no nodes`;
  return [...values].sort().join(',');
}

/**
 * Proves `cluster` is the cluster it claims to be. Resolves with what was expected and seen; rejects with
 * IdentityError (mismatch) or ClusterAccessError (unreachable / timeout), both naming the context.
 * On success sets `cluster.identity`.
 */
export async function proveIdentity(
  cluster: ClusterHandle,
  opts: { timeoutMs?: number; spec?: IdentitySpec } = {},
): Promise<ProvenIdentity> {
  const timeoutMs = opts.timeoutMs ?? identityTimeout();
  const spec = opts.spec ?? cluster.identitySpec ?? defaultIdentity(cluster.name);

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ClusterAccessError(
            'TIMEOUT',
            `${where(cluster)}: identity not proven within ${timeoutMs} ms (expected ${describeIdentitySpec(spec)} = "${spec.expected}")`,
            { cluster: cluster.name, context: cluster.context, server: cluster.server },
          ),
        ),
      timeoutMs,
    );
  });
  try {
    const work = (async () => {
      let serverVersion: string;
      try {
        serverVersion = (await cluster.version.getCode()).gitVersion;
      } catch (err) {
        if (err instanceof ClusterAccessError) throw err;
        throw new ClusterAccessError(
          'UNREACHABLE',
          `${where(cluster)}: cannot read the server version: ${errorText(err)}`,
          {
            cluster: cluster.name,
            context: cluster.context,
            server: cluster.server,
          },
        );
      }
      let seen: string;
      try {
        seen = await seenIdentity(cluster, spec);
      } catch (err) {
        if (err instanceof ClusterAccessError) throw err;
        const code = err instanceof ApiException ? ` (HTTP ${err.code})` : '';
        throw new ClusterAccessError(
          'UNREACHABLE',
          `${where(cluster)}: cannot read ${describeIdentitySpec(spec)}${code}: ${errorText(err).split('\n')[0]}`,
          { cluster: cluster.name, context: cluster.context, server: cluster.server },
        );
      }
      return { serverVersion, seen };
    })();
    work.catch(() => {}); // if the deadline wins, a later rejection must not go unhandled
    const { serverVersion, seen } = await Promise.race([work, deadline]);
    if (seen !== spec.expected) {
      throw new IdentityError(
        `${where(cluster)} is not the expected cluster: ${describeIdentitySpec(spec)} expected "${spec.expected}", seen "${seen}". ` +
          `Check that context "${cluster.context}" points at cluster "${cluster.name}"; nothing was run or created on it.`,
        {
          cluster: cluster.name,
          context: cluster.context,
          server: cluster.server,
          expected: spec.expected,
          seen,
        },
      );
    }
    const identity: ClusterIdentity = {
      expected: spec.expected,
      seen,
      serverVersion,
      server: cluster.server,
    };
    cluster.identity = identity;
    return { expected: spec.expected, seen, serverVersion, server: cluster.server };
  } finally {
    clearTimeout(timer);
  }
}
