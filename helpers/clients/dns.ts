// DNS over TCP through a tunnel (the cluster DNS Service, e.g. kube-system/kube-dns port dns-tcp),
// with dns2's packet codec (typed in ./dns2.d.ts). TCP, not UDP: port-forward carries TCP only.
// The one DNS client of the project: one-shot queries (queryTcp, dnsClient, dnsQuery) and the
// persistent connection the baseline checks measure on (resolveA).
import net from 'node:net';
import type DNS from 'dns2';
import type { Packet as DnsPacket } from 'dns2';
import { lazy } from '../lazy.js';
import type { ClusterHandle } from '../cluster/handle.js';
import { openTunnel, type Tunnel } from '../tunnel/tunnel.js';
import type { TunnelTarget } from '../tunnel/resolve.js';
import { LatencyRecorder } from './latency.js';

const dns2 = lazy<typeof DNS>('dns2');
const Packet = () => dns2().Packet;

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
  return Object.entries(Packet().TYPE).find(([, v]) => v === n)?.[0] ?? String(n);
}

/** Encodes a query as a TCP DNS message (2-byte length prefix). */
export function encodeTcpQuery(name: string, type: string, id = Math.floor(Math.random() * 65535)): Buffer {
  const t = Packet().TYPE[type.toUpperCase()];
  if (t === undefined) throw new Error(`unknown DNS type "${type}"`);
  const p = new (Packet())();
  p.header.id = id;
  p.header.rd = 1;
  p.questions.push({ name, type: t, class: Packet().CLASS.IN! });
  const msg = p.toBuffer();
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

export function decodeAnswer(msg: Buffer): { rcode: string; answers: DnsAnswer[] } {
  const p = Packet().parse(msg);
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

/**
 * DNS over one persistent TCP connection (RFC 7766: several queries on one connection). A
 * port-forward tunnel carries TCP only, and a fresh connection per query would measure the tunnel's
 * stream set-up instead of the resolver.
 */
class DnsConnection {
  private buf = Buffer.alloc(0);
  private waiting?: { resolve: (b: Buffer) => void; reject: (e: Error) => void };
  private closed?: Error;
  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.drain();
    });
    const fail = (e: Error) => {
      this.closed = e;
      this.waiting?.reject(e);
      this.waiting = undefined;
    };
    sock.on('error', fail);
    sock.on('close', () => fail(new Error('DNS TCP connection closed by the server')));
  }

  static connect(host: string, port: number, timeoutMs: number): Promise<DnsConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`DNS TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(new DnsConnection(s));
      });
      s.once('error', (e) => {
        clearTimeout(t);
        reject(e);
      });
    });
  }

  private drain() {
    if (!this.waiting || this.buf.length < 2) return;
    const len = this.buf.readUInt16BE(0);
    if (this.buf.length < 2 + len) return;
    const msg = this.buf.subarray(2, 2 + len);
    this.buf = this.buf.subarray(2 + len);
    const w = this.waiting;
    this.waiting = undefined;
    w.resolve(Buffer.from(msg));
  }

  /** An A query with this id; the parsed answer, whose id must match. */
  query(name: string, id: number, timeoutMs: number): Promise<DnsPacket> {
    if (this.closed) return Promise.reject(this.closed);
    const msg = encodeTcpQuery(name, 'A', id);
    return new Promise<DnsPacket>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`DNS query for ${name} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = {
        resolve: (b) => {
          clearTimeout(t);
          const r = Packet().parse(b);
          if (r.header.id !== id)
            reject(new Error(`DNS answer id ${r.header.id} does not match query id ${id}`));
          else resolve(r);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      };
      this.sock.write(msg);
      this.drain();
    });
  }

  close() {
    this.sock.destroy();
  }
}

/** Resolve `name` `samples` times on one connection; the A answers of the last query and each round trip in ms. */
export async function resolveA(host: string, port: number, name: string, samples: number, timeoutMs = 5_000) {
  const c = await DnsConnection.connect(host, port, timeoutMs);
  const samplesMs: number[] = [];
  let answers: string[] = [];
  try {
    // one unmeasured warm-up query: connection set-up and the resolver's cache fill are not latency
    await c.query(name, 65_001, timeoutMs);
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      const res = await c.query(name, (i % 65_000) + 1, timeoutMs);
      samplesMs.push(performance.now() - t0);
      answers = res.answers.filter((a) => a.type === Packet().TYPE.A && a.address).map((a) => a.address!);
    }
  } finally {
    c.close();
  }
  return { answers, samplesMs };
}
