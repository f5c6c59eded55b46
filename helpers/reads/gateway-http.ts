/**
 * HTTP through a Gateway, measured from inside the cluster (PERF-HTTP-001). Cilium's Gateway
 * Service has no selector (its Envoy is a per-node datapath), so it cannot be port-forwarded:
 * a client pod in the run-owned namespace curls the Gateway's address instead, one curl with N
 * URLs (keep-alive, like `hey`), and curl's own `%{time_total}` per request is the sample.
 */
import { expect } from 'vitest';
import type { Facts } from '../config/facts.js';
import { CONVERGE_POLL_MS, exec } from '../cluster/index.js';
import { netexecPod, waitForExec } from './connectivity.js';
import { getCustom, GVR, podReady, type ClusterHandle, type KObject } from './k8s.js';

export interface GatewayHttpSample {
  status: number;
  ms: number;
}

/** The first address the Gateway reports in status.addresses; throws naming the Gateway when none. */
export async function gatewayAddress(cluster: ClusterHandle, facts: Facts): Promise<string> {
  const { namespace, name } = facts.gateway.gateway;
  const gw = (await getCustom(cluster, GVR.gateway, namespace, name)) as KObject & {
    status?: { addresses?: { value?: string }[] };
  };
  const address = gw.status?.addresses?.find((a) => a.value)?.value;
  if (!address) throw new Error(`Gateway ${namespace}/${name} reports no address in status.addresses`);
  return address;
}

/** A curl-capable client pod (the connectivity image) in `namespace`, Ready and accepting exec. */
export async function deployHttpClient(
  cluster: ClusterHandle,
  facts: Facts,
  namespace: string,
  name: string,
): Promise<void> {
  await cluster.core.createNamespacedPod({
    namespace,
    body: netexecPod(facts, name, namespace, undefined, 'http-client'),
  });
  let ip = '';
  await expect
    .poll(
      async () => {
        const p = await cluster.core.readNamespacedPod({ namespace, name });
        ip = p.status?.podIP ?? '';
        return podReady(p) && ip !== '' ? 'ready' : `${p.status?.phase ?? 'no phase'}${ip ? '' : ', no IP'}`;
      },
      {
        timeout: facts.connectivity.readyTimeoutMs,
        interval: CONVERGE_POLL_MS,
        message: `client pod ${name} not Ready`,
      },
    )
    .toBe('ready');
  await waitForExec(cluster, namespace, name, `http://${ip}:${facts.connectivity.port}/healthz`);
}

/** Parse curl `-w '%{http_code} %{time_total}\n'` lines; a line that does not parse is an error. */
export function parseCurlTimings(stdout: string): GatewayHttpSample[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^(\d{3}) (\d+(?:\.\d+)?)$/.exec(l.trim());
      if (!m) throw new Error(`unexpected curl timing line: '${l.slice(0, 120)}'`);
      return { status: Number(m[1]), ms: Number(m[2]) * 1000 };
    });
}

/** `count` GETs of `url` from the pod over one keep-alive connection; per-request status and time. */
export async function curlTimings(
  cluster: ClusterHandle,
  namespace: string,
  pod: string,
  url: string,
  count: number,
  /** Host header: a hostname-bound HTTPRoute matches only on it (otherwise the Gateway's own 404) */
  host?: string,
): Promise<GatewayHttpSample[]> {
  const r = await exec(cluster, {
    namespace,
    pod,
    container: 'netexec',
    command: [
      'curl',
      '-sS',
      '--max-time',
      '5',
      '-w',
      '%{http_code} %{time_total}\\n',
      ...(host ? ['-H', `Host: ${host}`] : []),
      // each URL needs its own -o: curl pairs them in order
      ...Array.from({ length: count }, () => ['-o', '/dev/null', url]).flat(),
    ],
    timeoutMs: 60_000,
  });
  const samples = parseCurlTimings(r.stdout);
  // curl goes on after a failed URL (status 000, exit code of the last one): the caller judges
  // statuses; a short count means curl itself gave up
  if (samples.length !== count) {
    throw new Error(
      `curl ${url} x${count} from ${namespace}/${pod}: exit ${r.exitCode}, ${samples.length}/${count} answers` +
        (r.stderr.trim() ? `: ${r.stderr.trim().split('\n').slice(-1)[0]}` : ''),
    );
  }
  return samples;
}
