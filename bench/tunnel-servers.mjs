// The pod side of `pnpm bench tunnel`, in its own process as a pod's server is in a cluster: an echo
// server and a source (sends PV_BENCH_TUNNEL_MIB MiB, then closes), both on loopback. Prints
// {"echo":port,"source":port} once listening; exits when its parent closes stdin.

import { Buffer } from 'node:buffer';
import net from 'node:net';
import process from 'node:process';

const MIB = Number(process.env.PV_BENCH_TUNNEL_MIB ?? 64);
const chunk = Buffer.alloc(1024 * 1024, 7);
const echo = net.createServer((s) => {
  s.on('error', () => undefined);
  s.pipe(s);
});
const source = net.createServer((s) => {
  s.on('error', () => undefined);
  let left = MIB;
  const pump = () => {
    while (left > 0) {
      left--;
      if (!s.write(chunk)) return void s.once('drain', pump);
    }
    s.end();
  };
  pump();
});
await Promise.all([echo, source].map((srv) => new Promise((r) => srv.listen(0, '127.0.0.1', r))));
process.stdout.write(JSON.stringify({ echo: echo.address().port, source: source.address().port }) + '\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
