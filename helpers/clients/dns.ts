// DNS over TCP through a tunnel (the cluster DNS Service, e.g. kube-system/kube-dns port dns-tcp),
// with dns2's packet codec. TCP, not UDP: port-forward carries TCP only.
import net from 'node:net';
import DNS from 'dns2';
import type { ClusterHandle } from '../cluster/handle.js';
import { openTunnel, type Tunnel } from '../tunnel/tunnel.js';
import type { TunnelTarget } from '../tunnel/resolve.js';
import { LatencyRecorder } from './latency.js';

const { Packet } = DNS;

export const RCODES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
};

export interface DnsAnswer {
  name: string;
  type: string;
  ttl: number;
  data: string;
}
export interface DnsResult {
  name: string;
  type: string;
  rcode: string;
  answers: DnsAnswer[];
  ms: number;
}

function typeName(n: number): string {
  return Object.entries(Packet.TYPE).find(([, v]) => v === n)?.[0] ?? String(n);
}

/** Encodes a query as a TCP DNS message (2-byte length prefix). */
export function encodeTcpQuery(name: string, type: string, id = Math.floor(Math.random() * 65535)): Buffer {
  const t = Packet.TYPE[type.toUpperCase()];
  if (t === undefined) throw new Error(`unknown DNS type "${type}"`);
  const p = new Packet();
  p.header.id = id;
  p.header.rd = 1;
  p.questions.push({ name, type: t, class: Packet.CLASS.IN! });
  const msg = p.toBuffer();
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

export function decodeAnswer(msg: Buffer): { rcode: string; answers: DnsAnswer[] } {
  const p = Packet.parse(msg);
  return {
    rcode: RCODES[p.header.rcode] ?? String(p.header.rcode),
    answers: p.answers.map((a) => ({
      name: a.name,
      type: typeName(a.type),
      ttl: a.ttl,
      data: String(a.address ?? a.domain ?? (Array.isArray(a.data) ? a.data.join('') : (a.data ?? ''))),
    })),
  };
}

/** One query on its own TCP connection to host:port, bounded by timeoutMs. */
export function queryTcp(
  host: string,
  port: number,
  name: string,
  type: string,
  timeoutMs: number,
): Promise<DnsResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`DNS ${type} ${name} via ${host}:${port}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (e: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(new Error(`DNS ${type} ${name} via ${host}:${port}: ${e.message}`, { cause: e }));
    };
    sock.on('error', fail);
    sock.on('connect', () => sock.write(encodeTcpQuery(name, type)));
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 2) return;
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) return;
      clearTimeout(timer);
      sock.destroy();
      try {
        const r = decodeAnswer(buf.subarray(2, 2 + len));
        resolve({ name, type: type.toUpperCase(), ...r, ms: performance.now() - t0 });
      } catch (e) {
        reject(new Error(`DNS ${type} ${name}: unparsable answer: ${(e as Error).message}`));
      }
    });
    sock.on('end', () => fail(new Error('connection closed before a full answer')));
  });
}

export interface DnsSession {
  tunnel: Tunnel;
  latency: LatencyRecorder;
  query(name: string, type?: string): Promise<DnsResult>;
  close(): Promise<void>;
}

/** A resolver bound to one tunnel (many queries, latency samples). */
export async function dnsClient(
  cluster: ClusterHandle,
  target: TunnelTarget,
  timeoutMs = 5000,
): Promise<DnsSession> {
  const tunnel = await openTunnel(cluster, target);
  const latency = new LatencyRecorder();
  return {
    tunnel,
    latency,
    async query(name, type = 'A') {
      const r = await queryTcp(tunnel.host, tunnel.port, name, type, timeoutMs);
      latency.record(r.ms);
      return r;
    },
    close: () => tunnel.close(),
  };
}

/** One query through a fresh tunnel (closed afterwards). */
export async function dnsQuery(
  cluster: ClusterHandle,
  o: { target: TunnelTarget; name: string; type?: string; timeoutMs?: number },
): Promise<DnsResult> {
  const s = await dnsClient(cluster, o.target, o.timeoutMs);
  try {
    return await s.query(o.name, o.type ?? 'A');
  } finally {
    await s.close();
  }
}
