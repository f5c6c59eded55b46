// One port-forward stream through the API server (the websocket port-forward protocol, as client-node's
// PortForward speaks it, on its WebSocketHandler): channel 0 carries data, channel 1 errors; each starts
// with the 2-byte port number. The kubelet (or KWOK) dials the target only after the websocket is up and
// reports a failed dial as text on channel 1, then closes.
import type { ClusterHandle } from '../cluster/handle.js';
import { openChannel, type ChannelSocket } from '../cluster/ws.js';
import { establishedSignal } from './established.js';

export const DATA = 0;
export const ERROR = 1;

export interface StreamHandlers {
  /** Remote bytes (header already stripped). Return false to ask for backpressure (the stream pauses). */
  onData(chunk: Buffer): boolean;
  /** The stream ended; `error` is the error channel's text, if any. */
  onClose(error: string | undefined): void;
}

/** One forwarded connection's stream, over a websocket (here) or a SPDY stream pair (spdy.ts). */
export interface PortForwardStream {
  /** Sends bytes to the remote as one frame; `cb` fires when the frame left the process. */
  write(chunks: Buffer | Buffer[], cb?: (err?: Error) => void): void;
  bufferedAmount(): number;
  pause(): void;
  resume(): void;
  /** The client half-closed: tell the remote, where the protocol can (SPDY: FIN; websocket: nothing). */
  closeWrite(): void;
  /** Graceful close (queued frames go first). */
  end(): void;
  destroy(): void;
  /** Resolves once both channel headers arrived (the API server reached the kubelet). */
  established: Promise<void>;
  /** Error-channel text received so far. */
  errorText(): string;
  readonly closed: boolean;
  /** SPDY: this pair's error stream was opened ahead (one SYN_STREAM and reply off the setup path). */
  readonly errorStreamAhead?: boolean;
}

export async function openPortForwardStream(
  cluster: ClusterHandle,
  namespace: string,
  pod: string,
  port: number,
  h: StreamHandlers,
  handshakeTimeoutMs?: number,
): Promise<PortForwardStream> {
  const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/portforward?ports=${port}`;
  // header bytes still to strip per channel (a header may in theory arrive split)
  const headerLeft = [2, 2];
  let err = '';
  let closed = false;
  const established = establishedSignal();
  const ref: { ws?: ChannelSocket } = {}; // set once the handshake completes
  const pending: Buffer[] = []; // data that arrived before `ws` was assigned (cannot pause yet)

  const onBinary = (stream: number, data: Buffer): boolean => {
    if (stream > ERROR) return true;
    let d = data;
    if (headerLeft[stream]! > 0) {
      const n = Math.min(headerLeft[stream]!, d.length);
      headerLeft[stream]! -= n;
      d = d.subarray(n);
      if (headerLeft[DATA] === 0 && headerLeft[ERROR] === 0) established.resolve();
    }
    if (d.length === 0) return true;
    if (stream === ERROR) {
      if (err.length < 4096) err += d.toString('utf8');
      return true;
    }
    if (!ref.ws) {
      pending.push(Buffer.from(d));
      return true;
    }
    if (!h.onData(d)) ref.ws.pause();
    return true;
  };

  const socket = await openChannel(cluster, path, onBinary, { handshakeTimeoutMs });
  ref.ws = socket;
  const finish = () => {
    if (closed) return;
    closed = true;
    established.reject(new Error(err || 'port-forward stream closed before it was established'));
    h.onClose(err || undefined);
  };
  socket.on('error', () => {}); // a close always follows; the reason is reported there
  socket.on('close', finish);
  if (socket.readyState === socket.CLOSED || socket.readyState === socket.CLOSING) finish();
  for (const p of pending.splice(0)) if (!h.onData(p)) socket.pause();

  return {
    write(chunks, cb) {
      if (socket.readyState !== socket.OPEN) {
        cb?.(new Error('port-forward stream is closed'));
        return;
      }
      // one copy: the channel byte and every chunk into a single frame
      const list = Array.isArray(chunks) ? chunks : [chunks];
      let size = 1;
      for (const c of list) size += c.length;
      const frame = Buffer.allocUnsafe(size);
      frame[0] = DATA;
      let at = 1;
      for (const c of list) at += c.copy(frame, at);
      socket.send(frame, { binary: true }, cb);
    },
    bufferedAmount: () => socket.bufferedAmount,
    pause: () => socket.pause(),
    resume: () => socket.resume(),
    closeWrite: () => undefined, // the channel protocol has no half-close; the tunnel's grace timer ends it
    end() {
      if (socket.readyState === socket.OPEN) socket.close(1000);
      else if (socket.readyState === socket.CONNECTING) socket.terminate();
    },
    destroy() {
      if (socket.readyState !== socket.CLOSED) socket.terminate();
    },
    established: established.promise,
    errorText: () => err,
    get closed() {
      return closed;
    },
  };
}
