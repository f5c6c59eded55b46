// The mechanism of the Hubble relay check (NET-HUBBLE-001 in suites/networking/cilium.test.ts): one
// observer.Observer/ServerStatus call through a tunnel to the relay Service, its
// ServerStatusResponse decoded, and what makes the relay unhealthy although the call succeeded.
import type { Facts } from '../config/index.js';
import type { CheckEvidence } from '../check/index.js';
import type { ClusterHandle } from '../cluster/index.js';
import { grpcUnaryEmpty, type GrpcReply } from '../reads/grpc.js';
import { withTunnel } from '../reads/tunnel.js';

/**
 * observer.ServerStatusResponse (cilium api/v1/observer/observer.proto): num_flows = 1,
 * max_flows = 2, seen_flows = 3, uptime_ns = 4 (uint64), num_connected_nodes = 5 and
 * num_unavailable_nodes = 6 (google.protobuf.UInt32Value, absent when not set), unavailable_nodes
 * = 7 (repeated string), version = 8 (string), flows_rate = 9 (double).
 */
export interface ServerStatus {
  numFlows: number;
  maxFlows: number;
  seenFlows: number;
  uptimeNs: bigint;
  numConnectedNodes?: number;
  numUnavailableNodes?: number;
  unavailableNodes: string[];
  version: string;
  flowsRate: number;
}

/** Protobuf wire format: each field as (number, varint value | bytes | 64-bit); unknown ones skipped. */
function* fields(buf: Buffer): Generator<{ no: number; varint?: bigint; bytes?: Buffer; fixed64?: Buffer }> {
  let i = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (i >= buf.length) throw new Error('ServerStatusResponse: truncated varint');
      const b = buf[i++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
  };
  const take = (n: number) => {
    if (i + n > buf.length) throw new Error('ServerStatusResponse: truncated field');
    const b = buf.subarray(i, i + n);
    i += n;
    return b;
  };
  while (i < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    switch (key & 7) {
      case 0:
        yield { no, varint: varint() };
        break;
      case 1:
        yield { no, fixed64: take(8) };
        break;
      case 2:
        yield { no, bytes: take(Number(varint())) };
        break;
      case 5:
        take(4);
        break;
      default:
        throw new Error(`ServerStatusResponse: unsupported wire type ${key & 7} (field ${no})`);
    }
  }
}

/** The value of a google.protobuf.UInt32Value (field 1; an empty wrapper is 0). */
function uint32Value(b: Buffer): number {
  for (const f of fields(b)) if (f.no === 1 && f.varint !== undefined) return Number(f.varint);
  return 0;
}

export function decodeServerStatus(buf: Buffer): ServerStatus {
  const s: ServerStatus = {
    numFlows: 0,
    maxFlows: 0,
    seenFlows: 0,
    uptimeNs: 0n,
    unavailableNodes: [],
    version: '',
    flowsRate: 0,
  };
  for (const f of fields(buf)) {
    if (f.no === 1 && f.varint !== undefined) s.numFlows = Number(f.varint);
    else if (f.no === 2 && f.varint !== undefined) s.maxFlows = Number(f.varint);
    else if (f.no === 3 && f.varint !== undefined) s.seenFlows = Number(f.varint);
    else if (f.no === 4 && f.varint !== undefined) s.uptimeNs = f.varint;
    else if (f.no === 5 && f.bytes) s.numConnectedNodes = uint32Value(f.bytes);
    else if (f.no === 6 && f.bytes) s.numUnavailableNodes = uint32Value(f.bytes);
    else if (f.no === 7 && f.bytes) s.unavailableNodes.push(f.bytes.toString('utf8'));
    else if (f.no === 8 && f.bytes) s.version = f.bytes.toString('utf8');
    else if (f.no === 9 && f.fixed64) s.flowsRate = f.fixed64.readDoubleLE(0);
  }
  return s;
}

/**
 * Why a relay that answered ServerStatus is still not serving the cluster's flows: it reports no
 * connected node count (not a relay), zero connected nodes or fewer than the cluster's `nodes`,
 * unavailable nodes (named), or no flow at all.
 */
export function serverStatusProblems(s: ServerStatus, nodes?: number): string[] {
  const problems: string[] = [];
  if (s.numConnectedNodes === undefined) problems.push('no num_connected_nodes in ServerStatusResponse');
  else if (s.numConnectedNodes === 0) problems.push('0 connected nodes');
  else if (nodes !== undefined && s.numConnectedNodes < nodes)
    problems.push(`${s.numConnectedNodes} of ${nodes} nodes connected`);
  // AC2.4 "flows visible": a relay whose buffers hold no flow shows nothing
  if (s.numFlows === 0) problems.push('0 flows in the relay (num_flows 0: no flow observed)');
  if ((s.numUnavailableNodes ?? 0) > 0)
    problems.push(
      `${s.numUnavailableNodes} unavailable nodes: ${s.unavailableNodes.join(', ') || '(not named)'}`,
    );
  return problems;
}

/**
 * Calls observer.Observer/ServerStatus on the relay Service (facts.cilium.hubbleRelay) through a
 * tunnel. Attaches the reply (message in base64) and, when the call succeeded, the decoded status
 * (num_flows and the node counts). `problems` is empty unless a successful reply reports the relay
 * unhealthy, or its message cannot be decoded.
 */
export async function relayServerStatus(
  k: ClusterHandle,
  facts: Facts,
  evidence: CheckEvidence,
): Promise<{ reply: GrpcReply; status?: ServerStatus; problems: string[] }> {
  const { namespace, hubbleRelay } = facts.cilium;
  const reply = await withTunnel(
    k,
    { kind: 'Service', namespace, name: hubbleRelay.service, port: hubbleRelay.port },
    (t) => grpcUnaryEmpty(t.host, t.port, '/observer.Observer/ServerStatus', 10_000),
  );
  evidence.json('hubble-server-status', { ...reply, message: reply.message.toString('base64') });
  if (reply.httpStatus !== 200 || reply.grpcStatus !== '0') return { reply, problems: [] };
  let status: ServerStatus;
  try {
    status = decodeServerStatus(reply.message);
  } catch (e) {
    return { reply, problems: [(e as Error).message] };
  }
  evidence.json('hubble-server-status-decoded', { ...status, uptimeNs: String(status.uptimeNs) });
  const nodes = (await k.core.listNode()).items.length;
  return { reply, status, problems: serverStatusProblems(status, nodes) };
}
