/** DNS over TCP with dns2 (a port-forward tunnel carries TCP only). */
import { createRequire } from 'node:module';

// dns2 ships no types; the two members used here are typed locally
interface Dns2 {
  TCPClient(o: {
    dns: string;
    port: number;
  }): (name: string, type?: string) => Promise<{ answers: { type: number; address?: string }[] }>;
  Packet: { TYPE: { A: number } };
}
const dns2 = createRequire(import.meta.url)('dns2') as Dns2;

/** Resolve `name` `samples` times; returns the A answers of the last query and each round trip in ms. */
export async function resolveA(host: string, port: number, name: string, samples: number, timeoutMs = 5_000) {
  const resolve = dns2.TCPClient({ dns: host, port } as never) as (
    n: string,
    type?: string,
  ) => Promise<{ answers: { type: number; address?: string }[] }>;
  const samplesMs: number[] = [];
  let answers: string[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    const res = await Promise.race([
      resolve(name, 'A'),
      new Promise<never>((_, rej) =>
        setTimeout(
          () => rej(new Error(`DNS query for ${name} via ${host}:${port} timed out after ${timeoutMs} ms`)),
          timeoutMs,
        ).unref(),
      ),
    ]);
    samplesMs.push(performance.now() - t0);
    answers = res.answers.filter((a) => a.type === dns2.Packet.TYPE.A && a.address).map((a) => a.address!);
  }
  return { answers, samplesMs };
}
