// Port-forward over SPDY, as `kubectl port-forward` speaks it (client-go tools/portforward): ONE upgraded
// connection to .../pods/<pod>/portforward per pod, and per forwarded TCP connection a pair of streams
// (streamType "error", then "data") with the headers port and requestID. The kubelet (here KWOK, which
// uses the same k8s streaming code) dials the container port once both streams of a requestID arrived; a
// failed dial is written on the error stream, then both streams are reset. A new connection therefore
// costs one stream pair inside an open connection instead of a TLS + upgrade + kubelet handshake.
//
// The framing is spdy-transport's (pinned 3.0.0). Two adjustments to the Go peer (moby/spdystream, both
// in kubectl and in the kubelet), made through the library's internal state:
//  - the peer implements no flow control (never sends WINDOW_UPDATE, ignores ours), as kubectl does not
//    either: we run the SPDY/3 frame rules (3.1 adds only the session-wide window) and lift each
//    stream's send window; otherwise every upload would stall after 64 KiB;
//  - header blocks are (de)compressed synchronously (pako) instead of by node:zlib streams: each async
//    zlib call is a libuv threadpool round trip, and a new connection's path had four of them;
//  - the peer's SYN_REPLY has no `:status` header (it is not HTTP); spdy-transport would answer that on a
//    request stream with RST PROTOCOL_ERROR, so our streams do not await an HTTP response and the reply
//    arrives as a 'headers' event.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Deflate, Inflate } from 'pako';
import type transportModule from 'spdy-transport';
import type { SpdyConnection, SpdyStream } from 'spdy-transport';
import { lazy } from '../lazy.js';

// loaded with the first tunnel, not with every suite that may open one (helpers/lazy.ts)
const pako = lazy<typeof import('pako')>('pako');
const transport = lazy<typeof transportModule>('spdy-transport');
import type { ClusterHandle } from '../cluster/handle.js';
import type { PortForwardStream, StreamHandlers } from './stream.js';
import { establishedSignal } from './established.js';
import { userAgent } from '../cluster/user-agent.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';

/** Above this many unread bytes in a paused stream the whole connection stops reading (the peer has no
 * per-stream flow control: TCP is the only brake, as in kubectl). */
const STALL_BYTES = 8 * 1024 * 1024;
/** After the data stream ended, how long to wait for the error stream's text (KWOK closes the data
 * stream before it writes a dial error). */
const ERROR_TEXT_WAIT_MS = 1000;
/** Lifetime of a spare error stream (below the kubelet's 30 s stream-creation timeout). */
const SPARE_MS = 20_000;
/** Bound of a graceful end (queued data, then reset) before the streams are reset anyway. */
const END_GRACE_MS = 5000;

/** A zlib stream as spdy-transport's LockStream drives it (write, then 'data'), but synchronous. */
class SyncZlib extends EventEmitter {
  constructor(private readonly z: Deflate | Inflate) {
    super();
    z.onData = (c: Uint8Array) => this.emit('data', Buffer.from(c));
  }
  write(chunk: Buffer, cb?: (err?: Error) => void): boolean {
    this.z.push(chunk, pako().Z_SYNC_FLUSH);
    if (this.z.err) {
      const e = new Error(`SPDY header block: zlib error ${this.z.err}: ${this.z.msg}`);
      this.emit('error', e);
      cb?.(e);
      return false;
    }
    cb?.();
    return true;
  }
}

/** spdy-transport's compression pool (internal `pool` of a connection), with SyncZlib pairs. */
function syncCompressionPool() {
  const dictionary = transport().protocol.spdy.dictionary[3];
  return {
    get: (version: number) => ({
      version,
      // as spdy-transport's own pool: header compression off (level 0), window 2^11
      compress: new SyncZlib(new (pako().Deflate)({ level: 0, windowBits: 11, dictionary })),
      decompress: new SyncZlib(new (pako().Inflate)({ dictionary })),
    }),
    put: () => undefined,
  };
}

export class SpdyUpgradeError extends Error {
  override name = 'SpdyUpgradeError';
  constructor(
    message: string,
    /** The HTTP status the API server answered instead of 101, if it answered. */
    readonly status?: number,
  ) {
    super(message);
  }
}

interface ErrorSide {
  es: SpdyStream;
  requestId: string;
  /** Error text the kubelet wrote (a failed dial), bounded. */
  text: string;
  replied: boolean;
  /** Ended, closed or reset. */
  done: boolean;
  waiters: (() => void)[];
  onReply?: () => void;
  timer?: NodeJS.Timeout;
}

export interface PortForwardSession {
  readonly namespace: string;
  readonly pod: string;
  readonly closed: boolean;
  /** Streams pairs open now. */
  readonly active: number;
  /** Opens a stream pair to `port`. Resolves at once; `established` says when the kubelet accepted it. */
  openStream(port: number, h: StreamHandlers): PortForwardStream;
  /** Runs when the connection is gone (every open stream was closed with an error first). */
  onClose(fn: () => void): void;
  close(): void;
}

/** POST .../portforward upgraded to SPDY/3.1 (the request kubectl's SPDY dialer makes), bounded in time. */
function upgrade(cluster: ClusterHandle, namespace: string, pod: string, timeoutMs: number): Promise<Socket> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward`;
  return (async () => {
    const opts: https.RequestOptions = {};
    await cluster.kc.applyToHTTPSOptions(opts);
    const url = new URL(cluster.server.replace(/\/+$/, '') + path);
    const mod = url.protocol === 'http:' ? http : https;
    const headers: http.OutgoingHttpHeaders = {
      ...(opts.headers as http.OutgoingHttpHeaders | undefined),
      Connection: 'Upgrade',
      Upgrade: 'SPDY/3.1',
      'X-Stream-Protocol-Version': PORT_FORWARD_PROTOCOL,
      'User-Agent': userAgent(), // run + check, for the audit log (as REST and websocket requests)
    };
    return new Promise<Socket>((resolve, reject) => {
      let settled = false;
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(e);
      };
      const req = mod.request({
        ...opts,
        host: url.hostname,
        port: url.port || (url.protocol === 'http:' ? 80 : 443),
        path: url.pathname,
        method: 'POST',
        headers,
      });
      const timer = setTimeout(
        () => fail(new SpdyUpgradeError(`SPDY upgrade not answered within ${timeoutMs} ms`)),
        timeoutMs,
      );
      timer.unref();
      req.on('error', (e) => fail(new SpdyUpgradeError(`SPDY upgrade: ${e.message}`)));
      // not upgraded: keep the API server's own words (`pods "x" not found`), bounded
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 4096) body += c;
        });
        const done = () => {
          let msg = body;
          try {
            msg = (JSON.parse(body) as { message?: string }).message ?? body;
          } catch {}
          fail(new SpdyUpgradeError(`HTTP ${res.statusCode}: ${msg.slice(0, 500)}`, res.statusCode));
        };
        res.on('end', done);
        res.on('error', done);
        setTimeout(done, 1000).unref();
      });
      req.on('upgrade', (res, socket: Socket, head: Buffer) => {
        if (settled) return void socket.destroy();
        const proto = res.headers['x-stream-protocol-version'];
        if (
          String(res.headers.upgrade ?? '').toLowerCase() !== 'spdy/3.1' ||
          proto !== PORT_FORWARD_PROTOCOL
        ) {
          socket.destroy();
          return fail(
            new SpdyUpgradeError(
              `SPDY upgrade: the API server answered upgrade "${res.headers.upgrade}" protocol "${proto}"`,
              res.statusCode,
            ),
          );
        }
        settled = true;
        clearTimeout(timer);
        if (head.length) socket.unshift(head);
        resolve(socket);
      });
      req.end();
    });
  })();
}

export async function openPortForwardSession(
  cluster: ClusterHandle,
  namespace: string,
  pod: string,
  timeoutMs: number = cluster.requestTimeoutMs,
): Promise<PortForwardSession> {
  const socket = await upgrade(cluster, namespace, pod, timeoutMs);
  socket.setNoDelay(true); // small frames (a 1-byte request) must not wait for Nagle
  socket.setKeepAlive(true, 30_000);
  const conn: SpdyConnection = transport().connection.create(socket, {
    protocol: 'spdy',
    isServer: false,
    maxChunk: false,
  });
  conn._spdyState.pool = syncCompressionPool();
  conn.start(3); // see the header: no session-wide window
  let closed = false;
  let connError = '';
  const closers = new Set<(why: string) => void>();
  const onCloseFns: (() => void)[] = [];
  const stalled = new Set<number>();
  let nextRequestId = 0;
  const finish = () => {
    if (closed) return;
    closed = true;
    for (const sp of spares.values()) clearTimeout(sp.timer);
    spares.clear();
    const why = `port-forward connection to the API server closed${connError ? `: ${connError}` : ''}`;
    for (const c of [...closers]) c(why);
    for (const fn of onCloseFns.splice(0)) fn();
  };
  conn.on('error', (e: Error) => {
    connError ||= e.message;
  });
  socket.on('error', (e) => {
    connError ||= e.message;
  });
  socket.on('close', finish);

  const stall = (id: number, on: boolean) => {
    if (on) stalled.add(id);
    else stalled.delete(id);
    if (stalled.size > 0) socket.pause();
    else socket.resume();
  };

  const mk = (streamType: 'error' | 'data', port: number, requestId: string): SpdyStream => {
    const s = conn.request({
      method: 'POST',
      path: '/',
      host: namespace,
      headers: { streamtype: streamType, port: String(port), requestid: requestId },
    });
    s._spdyState.needResponse = false;
    const send = s._spdyState.window.send;
    send.update = (_size, cb) => {
      if (cb) process.nextTick(cb);
    };
    // SYN_STREAM now, so ids reach the peer in creation order (a first write would send a later
    // stream's SYN_STREAM at once; the peer rejects an id lower than one it has seen)
    s.send();
    return s;
  };

  // The error stream of the NEXT stream pair, opened ahead (per port). The kubelet dials the pod only when
  // a pair is complete, so a lone error stream costs no pod-side connection; it takes one SYN_STREAM and
  // its reply (two header (de)compressions) off each new connection's path. Replaced after SPARE_MS, before
  // the kubelet's stream-creation timeout (30 s) would fail it.
  const spares = new Map<number, ErrorSide>();
  const takeSpare = (port: number): ErrorSide | undefined => {
    const sp = spares.get(port);
    spares.delete(port);
    if (!sp) return undefined;
    clearTimeout(sp.timer);
    if (sp.done || sp.text) {
      sp.es.abort();
      return undefined;
    }
    return sp;
  };
  const newErrorSide = (port: number): ErrorSide => {
    const requestId = String(nextRequestId++);
    const es = mk('error', port, requestId);
    const side: ErrorSide = { es, requestId, text: '', replied: false, done: false, waiters: [] };
    es.once('headers', () => {
      es.end(); // we never write on it (as kubectl)
      side.replied = true;
      side.onReply?.();
    });
    es.setEncoding('utf8');
    es.on('data', (t: string) => {
      if (side.text.length < 4096) side.text += t;
    });
    const markDone = () => {
      side.done = true;
      for (const w of side.waiters.splice(0)) w();
    };
    es.on('end', markDone);
    es.on('close', markDone);
    es.on('error', (e: Error) => {
      if (!/CANCEL/.test(e.message) && !side.text) side.text = e.message;
      markDone();
    });
    return side;
  };
  const refillSpare = (port: number) => {
    if (closed || spares.has(port)) return;
    const sp = newErrorSide(port);
    sp.timer = setTimeout(() => {
      if (spares.get(port) === sp) spares.delete(port);
      sp.es.abort();
    }, SPARE_MS);
    sp.timer.unref();
    spares.set(port, sp);
  };

  const openStream = (port: number, h: StreamHandlers): PortForwardStream => {
    const spare = takeSpare(port);
    const side = spare ?? newErrorSide(port);
    const es = side.es;
    const ds = mk('data', port, side.requestId);
    let isClosed = false;
    let remoteEnded = false;
    const established = establishedSignal();
    // the next spare once this connection has its first answer from the pod (or failed): its
    // SYN_STREAM and reply stay off this connection's setup, i.e. until the first byte comes back
    let refilled = false;
    const refill = () => {
      if (refilled) return;
      refilled = true;
      refillSpare(port);
    };
    established.promise.catch(refill);
    let dsReplied = false;
    side.onReply = () => dsReplied && established.resolve();
    ds.once('headers', () => {
      dsReplied = true;
      if (side.replied) established.resolve();
    });

    const close = (why?: string) => {
      if (isClosed) return;
      isClosed = true;
      refill();
      closers.delete(closer);
      stalled.delete(ds.id);
      if (stalled.size === 0 && !closed) socket.resume();
      ds.abort();
      es.abort();
      const text = side.text || why;
      established.reject(new Error(text || 'port-forward stream closed before it was established'));
      h.onClose(text || undefined);
    };
    // the data stream is done: report once the error stream said what it has to say (bounded)
    const closeAfterErrorText = (why?: string) => {
      if (isClosed) return;
      if (side.done) return close(why);
      const t = setTimeout(() => close(why), ERROR_TEXT_WAIT_MS);
      t.unref();
      side.waiters.push(() => {
        clearTimeout(t);
        close(why);
      });
    };
    const closer = (why: string) => close(why);
    closers.add(closer);

    let refillQueued = false;
    ds.on('data', (d: Buffer) => {
      if (!refillQueued) {
        refillQueued = true;
        setImmediate(refill);
      }
      if (isClosed) return;
      if (!h.onData(d)) {
        ds.pause();
        if (ds.readableLength > STALL_BYTES) stall(ds.id, true);
      }
    });
    ds.on('end', () => {
      remoteEnded = true;
      closeAfterErrorText();
    });
    ds.on('close', () => closeAfterErrorText());
    ds.on('error', (e: Error) => closeAfterErrorText(/CANCEL/.test(e.message) ? undefined : e.message));

    return {
      write(chunks, cb) {
        if (isClosed || ds.writableEnded) {
          cb?.(new Error('port-forward stream is closed'));
          return;
        }
        const list = Array.isArray(chunks) ? chunks : [chunks];
        // one DATA frame per batch
        ds.write(list.length === 1 ? list[0]! : Buffer.concat(list), (e?: Error | null) =>
          cb?.(e ?? undefined),
        );
      },
      bufferedAmount: () => ds.writableLength,
      pause: () => ds.pause(),
      resume() {
        if (stalled.has(ds.id)) stall(ds.id, false);
        ds.resume();
      },
      closeWrite() {
        if (!isClosed && !ds.writableEnded) ds.end();
      },
      end() {
        if (isClosed) return;
        if (remoteEnded) return close();
        // queued data first (FIN), then reset: the pod side may still be sending
        const bound = setTimeout(() => close(), END_GRACE_MS);
        bound.unref();
        const after = () => {
          clearTimeout(bound);
          close();
        };
        if (ds.writableFinished) return after();
        ds.once('finish', after);
        if (!ds.writableEnded) ds.end();
      },
      destroy: () => close(),
      established: established.promise,
      errorText: () => side.text,
      get closed() {
        return isClosed;
      },
      errorStreamAhead: spare !== undefined,
    };
  };

  return {
    namespace,
    pod,
    get closed() {
      return closed;
    },
    get active() {
      return closers.size;
    },
    openStream(port, h) {
      if (closed) throw new Error('port-forward connection to the API server is closed');
      return openStream(port, h);
    },
    onClose(fn) {
      if (closed) fn();
      else onCloseFns.push(fn);
    },
    close() {
      socket.destroy();
      finish();
    },
  };
}
