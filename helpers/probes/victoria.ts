// The queries of the observability checks (suites/observability/victoria.test.ts), each through a
// tunnel to the global query Service on infra: a Prometheus instant query on vmselect, and recent
// LogsQL lines on vlselect.
import type { Facts } from '../config/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { withTunnel } from '../reads/tunnel.js';

type Observability = Facts['observability'];

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** The result of a Prometheus instant query; throws with the status and error unless `success`. */
export async function promQuery(k: ClusterHandle, o: Observability, query: string): Promise<PromSample[]> {
  return withTunnel(
    k,
    { kind: 'Service', namespace: o.namespace, name: o.metrics.service, port: o.metrics.port },
    async (t) => {
      const url = `http://${t.host}:${t.port}${o.metrics.path}/api/v1/query?query=${encodeURIComponent(query)}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
      const body = (await res.json()) as {
        status?: string;
        data?: { result?: PromSample[] };
        error?: string;
      };
      if (!res.ok || body.status !== 'success')
        throw new Error(`query ${query}: HTTP ${res.status} ${body.error ?? body.status}`);
      return body.data?.result ?? [];
    },
  );
}

/**
 * Up to 5 log lines of `cluster` from the last facts.observability.logs.freshMinutes: without a
 * _time filter, lines retained from before shipping stopped would pass. `cluster` is matched as a
 * log field (exact), whether or not it is a stream field. Throws on an HTTP error.
 */
export async function recentLogLines(k: ClusterHandle, o: Observability, cluster: string): Promise<string[]> {
  return withTunnel(
    k,
    { kind: 'Service', namespace: o.namespace, name: o.logs.service, port: o.logs.port },
    async (t) => {
      // the exact field filter `cluster:="x"`, not the stream filter `{cluster="x"}`: a stream
      // filter matches only when the shipper made `cluster` one of its _stream_fields
      const query = `_time:${o.logs.freshMinutes}m cluster:=${JSON.stringify(cluster)}`;
      const url = `http://${t.host}:${t.port}${o.logs.path}?query=${encodeURIComponent(query)}&limit=5`;
      const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
      const text = await res.text();
      if (!res.ok)
        throw new Error(`LogsQL query for cluster ${cluster}: HTTP ${res.status} ${text.slice(0, 200)}`);
      return text.split('\n').filter((l) => l.trim());
    },
  );
}

/** The names whose count is 0. */
export function withoutData(counts: Record<string, number>): string[] {
  return Object.entries(counts)
    .filter(([, n]) => n === 0)
    .map(([c]) => c);
}
