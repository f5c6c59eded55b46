// The part of dns2 (2.1.0, no bundled types) the DNS client uses: its packet codec.
declare module 'dns2' {
  interface Question {
    name: string;
    type: number;
    class: number;
  }
  interface ResourceRecord {
    name: string;
    type: number;
    class: number;
    ttl: number;
    address?: string;
    domain?: string;
    data?: string | string[];
    [k: string]: unknown;
  }
  class Packet {
    static TYPE: Record<string, number>;
    static CLASS: Record<string, number>;
    static parse(buf: Buffer): Packet;
    header: {
      id: number;
      qr: number;
      rd: number;
      ra: number;
      tc: number;
      rcode: number;
      [k: string]: number;
    };
    questions: Question[];
    answers: ResourceRecord[];
    authorities: ResourceRecord[];
    additionals: ResourceRecord[];
    toBuffer(): Buffer;
  }
  const DNS: { Packet: typeof Packet };
  export default DNS;
  export { Packet };
}
