// The lab's real VictoriaMetrics (infra observability) as the lab tests read it: PromQL on loopback.
import { request } from 'undici';
import { OBSERVABILITY } from '../../../lab/services/observability.js';
import { servicePorts } from '../../../lab/services/ports.js';

export const VM = `http://127.0.0.1:${servicePorts().victoriaMetrics}${OBSERVABILITY.metricsPrefix}`;
export const VM_IMPORT = `${VM}/api/v1/import/prometheus`;

/** PromQL instant query, newest data (latency_offset=1ms), as {labels -> value}. */
export async function query(q: string): Promise<{ metric: Record<string, string>; value: number }[]> {
  const res = await request(`${VM}/api/v1/query?query=${encodeURIComponent(q)}&nocache=1&latency_offset=1ms`);
  const body = (await res.body.json()) as {
    status: string;
    data?: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  if (body.status !== 'success') throw new Error(`${q}: ${JSON.stringify(body).slice(0, 300)}`);
  return (body.data?.result ?? []).map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
}
