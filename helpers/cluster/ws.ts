// Channel websockets (exec, port-forward) through the API server, on client-node's WebSocketHandler
// (auth, TLS and the channel.k8s.io subprotocols). What is added here:
//  - a bounded handshake (an unreachable server fails in seconds);
//  - one TLS agent per cluster so handshakes resume TLS sessions (setup latency);
//  - no permessage-deflate (the API server never negotiates it; offering it costs a header);
//  - HTTP errors of the upgrade (404 pod not found, 403…) carry the API server's message;
//  - private dummy std streams: client-node's handler would otherwise end process.stdout when the
//    server sends a CLOSE signal for stream 1;
//  - the framework's User-Agent (run + check, ./user-agent.ts), as on REST requests.
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { PassThrough } from 'node:stream';
// Not re-exported by the package index; the package has no exports map and is pinned (1.4.0).
import { WebSocketHandler } from '@kubernetes/client-node/dist/web-socket-handler.js';
import WebSocket from 'ws';
import type { ClusterHandle } from './handle.js';
import { userAgent } from './user-agent.js';

export type ChannelSocket = WebSocket;

const agents = new WeakMap<ClusterHandle, http.Agent>();
const HANDSHAKE_ERROR = Symbol('pv.handshakeError');

function agentFor(cluster: ClusterHandle, built: unknown): http.Agent | undefined {
  let a = agents.get(cluster);
  if (!a && built instanceof http.Agent) {
    const opts = (built as unknown as { options?: https.AgentOptions }).options ?? {};
    if (built instanceof https.Agent) {
      // one TLS context per cluster: otherwise every handshake parses the CA, cert and key again
      const secureContext = tls.createSecureContext({
        ca: opts.ca,
        cert: opts.cert,
        key: opts.key,
        pfx: opts.pfx,
        passphrase: opts.passphrase,
      });
      a = new https.Agent({ ...opts, secureContext, keepAlive: false, maxCachedSessions: 64 });
    } else if (built.constructor === http.Agent) a = new http.Agent({ ...opts, keepAlive: false });
    else a = built; // proxy agents as client-node built them
    agents.set(cluster, a);
  }
  return a;
}

export interface ChannelConnectOptions {
  handshakeTimeoutMs?: number;
}

/**
 * Opens `path` (e.g. `/api/v1/namespaces/ns/pods/p/exec?...`) as a channel websocket. `onBinary` gets each
 * frame's stream number and payload (without the channel byte); returning false closes the socket.
 */
export async function openChannel(
  cluster: ClusterHandle,
  path: string,
  onBinary: (stream: number, data: Buffer) => boolean,
  opts: ChannelConnectOptions = {},
): Promise<ChannelSocket> {
  const handshakeTimeout = opts.handshakeTimeoutMs ?? cluster.requestTimeoutMs;
  const factory = (uri: string, protocols: string[], wsOpts: WebSocket.ClientOptions) => {
    const agent = agentFor(cluster, wsOpts.agent);
    const ws = new WebSocket(uri, protocols, {
      ...wsOpts,
      ...(agent ? { agent } : {}),
      headers: { ...wsOpts.headers, 'User-Agent': userAgent() }, // run + check, for the audit log
      perMessageDeflate: false,
      handshakeTimeout,
    });
    ws.on('unexpected-response', (_req, res) => {
      // Keep the API server's own words (e.g. `pods "x" not found`), bounded in size and time.
      let body = '';
      let finished = false;
      const done = () => {
        if (finished) return;
        finished = true;
        let msg = body;
        try {
          msg = (JSON.parse(body) as { message?: string }).message ?? body;
        } catch {}
        (ws as unknown as Record<symbol, string>)[HANDSHAKE_ERROR] =
          `HTTP ${res.statusCode}: ${msg.slice(0, 500)}`;
        ws.terminate(); // aborts the request; the 'error' it emits rejects the connect
      };
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 4096) body += c;
      });
      res.on('end', done);
      res.on('error', done);
      setTimeout(done, 1000).unref();
    });
    return ws;
  };
  let created: WebSocket | undefined;
  const capture = (uri: string, protocols: string[], o: WebSocket.ClientOptions) =>
    (created = factory(uri, protocols, o));
  const handler = new WebSocketHandler(cluster.kc, capture as never, {
    stdin: new PassThrough(),
    stdout: new PassThrough(),
    stderr: new PassThrough(),
  });
  try {
    return (await handler.connect(path, null, onBinary)) as unknown as WebSocket;
  } catch (err) {
    const detail = created && (created as unknown as Record<symbol, string>)[HANDSHAKE_ERROR];
    // client-node rejects with ws's ErrorEvent ({ error, message }), not an Error
    const ev = err as { error?: unknown; message?: unknown };
    const inner = ev?.error instanceof Error ? ev.error : err instanceof Error ? err : undefined;
    const code = (inner as { code?: string } | undefined)?.code;
    const base = inner
      ? `${inner.message}${code && !inner.message.includes(code) ? ` (${code})` : ''}`
      : typeof ev?.message === 'string'
        ? ev.message
        : String(err);
    throw new Error(detail ?? base, { cause: err });
  }
}
