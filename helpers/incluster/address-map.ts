// Where an in-cluster run dials a target. In a real cluster the map is empty: a Service is dialed by
// its DNS name, a pod by its IP. A map (PV_INCLUSTER_ADDRESS_MAP=<json file>) overrides the address
// of the process behind a pod port; the lab uses it to send every target to the loopback address
// of the real process behind the simulated pod (lab-map.ts), because the lab's Service and pod IPs
// are data that must never be dialed.
import fs from 'node:fs';

/** Keys `<cluster>/<namespace>/<pod>:<port>` or `<cluster>/<namespace>/*:<port>`; values `host:port`. */
export type AddressMap = Record<string, string>;

export interface Address {
  host: string;
  port: number;
}

export class AddressMapError extends Error {
  override name = 'AddressMapError';
}

export function parseHostPort(s: string, what: string): Address {
  const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(s);
  if (!m) throw new AddressMapError(`${what}: expected host:port, got ${JSON.stringify(s)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** Reads and validates a map file; errors name the file and the entry. */
export function loadAddressMap(file: string): AddressMap {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new AddressMapError(`address map ${file}: ${(e as Error).message}`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new AddressMapError(
      `address map ${file}: expected a JSON object of "<cluster>/<ns>/<pod>:<port>": "host:port"`,
    );
  const out: AddressMap = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!/^[^/]+\/[^/]+\/[^/:]+:\d+$/.test(k))
      throw new AddressMapError(
        `address map ${file}: key ${JSON.stringify(k)} is not <cluster>/<ns>/<pod|*>:<port>`,
      );
    if (typeof v !== 'string') throw new AddressMapError(`address map ${file}: ${k}: expected "host:port"`);
    parseHostPort(v, `address map ${file}: ${k}`);
    out[k] = v;
  }
  return out;
}

export function mapKey(cluster: string, namespace: string, pod: string, port: number): string {
  return `${cluster}/${namespace}/${pod}:${port}`;
}

/** The mapped address of a pod port: the pod's own entry wins over its namespace's `*` entry. */
export function lookupAddress(
  map: AddressMap,
  cluster: string,
  namespace: string,
  pod: string,
  port: number,
): Address | undefined {
  const v = map[mapKey(cluster, namespace, pod, port)] ?? map[mapKey(cluster, namespace, '*', port)];
  return v ? parseHostPort(v, mapKey(cluster, namespace, pod, port)) : undefined;
}
