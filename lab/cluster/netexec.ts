/**
 * A small re-implementation of agnhost `netexec`'s HTTP endpoints (the e2e test image the
 * connectivity checks deploy), served by the lab's pod runtime for each simulated netexec pod:
 * GET /, /hostname, /echo?msg=, /clientip, /healthz, /dial?host=&port=&request=&protocol=http&tries=.
 * It is the lab's stand-in for a container we cannot run; /dial dials the target pod's
 * loopback alias (lab/core/datapath.ts), never a 10.x address.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loopbackFor } from '../core/datapath.js';

export interface NetexecPod {
  name: string;
  /** loopback alias the server binds (127.a.b.c) */
  address: string;
  port: number;
  /** one line per request (what `kubectl logs` shows) */
  log: (line: string) => void;
}

function fetchText(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(body));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

export function startNetexec(pod: NetexecPod): Promise<http.Server> {
  const started = new Date();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://pod');
    const send = (code: number, body: string, type = 'text/plain') => {
      res.writeHead(code, { 'content-type': type });
      res.end(body);
      pod.log(`${req.method} ${url.pathname}${url.search} ${code}`);
    };
    switch (url.pathname) {
      case '/':
        return send(200, `NOW: ${new Date().toISOString()}`);
      case '/hostname':
        return send(200, pod.name);
      case '/echo':
        return send(200, url.searchParams.get('msg') ?? '');
      case '/clientip': {
        const a = req.socket.address() as AddressInfo;
        return send(200, `${req.socket.remoteAddress}:${req.socket.remotePort ?? a.port}`);
      }
      case '/healthz':
        return send(200, `ok (up since ${started.toISOString()})`);
      case '/dial': {
        const host = url.searchParams.get('host') ?? '';
        const port = url.searchParams.get('port') ?? '';
        const request = url.searchParams.get('request') ?? '/hostname';
        const protocol = url.searchParams.get('protocol') ?? 'http';
        const tries = Math.min(Math.max(Number(url.searchParams.get('tries') ?? '1') || 1, 1), 20);
        if (protocol !== 'http') return send(400, `protocol ${protocol} is not simulated (only http)`);
        let target: string;
        try {
          target = `http://${loopbackFor(host)}:${Number(port)}${request.startsWith('/') ? request : `/${request}`}`;
        } catch (e) {
          return send(400, (e as Error).message);
        }
        void (async () => {
          const responses: string[] = [];
          const errors: string[] = [];
          for (let i = 0; i < tries; i++) {
            try {
              responses.push(await fetchText(target, 3000));
            } catch (e) {
              errors.push(`dial ${host}:${port}: ${(e as Error).message}`);
            }
          }
          send(200, JSON.stringify({ responses, errors }), 'application/json');
        })();
        return;
      }
      default:
        return send(404, `404 page not found`);
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(pod.port, pod.address, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/** `--http-port=8080` / `--http-port 8080` from a netexec container's args (agnhost default 8080). */
export function netexecPort(args: string[]): number | undefined {
  if (!args.includes('netexec')) return undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--http-port=(\d+)$/.exec(a);
    if (m) return Number(m[1]);
    if (a === '--http-port' && args[i + 1]) return Number(args[i + 1]);
  }
  return 8080;
}
