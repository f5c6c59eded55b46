/**
 * DNS over one persistent TCP connection (RFC 7766: several queries on one connection), encoded
 * and parsed with dns2's Packet. A port-forward tunnel carries TCP only, and a fresh connection per
 * query would measure the tunnel's stream set-up instead of the resolver.
 */
import { createRequire } from 'node:module';
import net from 'node:net';

// dns2 ships no types; the members used here are typed locally
interface DnsPacket {
  header: { id: number; rd: number };
  questions: { name: string; type: number; class: number }[];
  answers: { type: number; address?: string }[];
  toBuffer(): Buffer;
}
interface PacketCtor {
  new (): DnsPacket;
  parse(b: Buffer): DnsPacket;
  TYPE: { A: number };
  CLASS: { IN: number };
}
const Packet = (createRequire(import.meta.url)('dns2') as { Packet: PacketCtor }).Packet;

class TcpDns {
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

  static connect(host: string, port: number, timeoutMs: number): Promise<TcpDns> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      const t = setTimeout(() => {
        s.destroy();
        reject(new Error(`DNS TCP connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(new TcpDns(s));
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

  query(name: string, id: number, timeoutMs: number): Promise<DnsPacket> {
    if (this.closed) return Promise.reject(this.closed);
    const p = new Packet();
    p.header.id = id;
    p.header.rd = 1;
    p.questions.push({ name, type: Packet.TYPE.A, class: Packet.CLASS.IN });
    const msg = p.toBuffer();
    const len = Buffer.alloc(2);
    len.writeUInt16BE(msg.length);
    return new Promise<DnsPacket>((resolve, reject) => {
      const t = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`DNS query for ${name} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting = {
        resolve: (b) => {
          clearTimeout(t);
          const r = Packet.parse(b);
          if (r.header.id !== id)
            reject(new Error(`DNS answer id ${r.header.id} does not match query id ${id}`));
          else resolve(r);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      };
      this.sock.write(Buffer.concat([len, msg]));
      this.drain();
    });
  }

  close() {
    this.sock.destroy();
  }
}

/** Resolve `name` `samples` times on one connection; the A answers of the last query and each round trip in ms. */
export async function resolveA(host: string, port: number, name: string, samples: number, timeoutMs = 5_000) {
  const c = await TcpDns.connect(host, port, timeoutMs);
  const samplesMs: number[] = [];
  let answers: string[] = [];
  try {
    // one unmeasured warm-up query: connection set-up and the resolver's cache fill are not latency
    await c.query(name, 65_001, timeoutMs);
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      const res = await c.query(name, (i % 65_000) + 1, timeoutMs);
      samplesMs.push(performance.now() - t0);
      answers = res.answers.filter((a) => a.type === Packet.TYPE.A && a.address).map((a) => a.address!);
    }
  } finally {
    c.close();
  }
  return { answers, samplesMs };
}
