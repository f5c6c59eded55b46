// The part of spdy-transport 3.0.0 (CommonJS, no types of its own) that helpers/tunnel/spdy.ts uses.
declare module 'spdy-transport' {
  import type { EventEmitter } from 'node:events';
  import type { Duplex } from 'node:stream';

  /** One side of a flow-control window (internal state; see spdy.ts for why it is touched). */
  export interface WindowSide {
    update(size: number, callback?: () => void): void;
  }

  export interface SpdyStream extends Duplex {
    readonly id: number;
    /** Sends RST_STREAM (CANCEL unless `code`) and emits 'close'. */
    abort(code?: string, callback?: () => void): void;
    /** Sends the SYN_STREAM now (otherwise on the next tick or the first write). */
    send(callback?: (err?: Error) => void): void;
    _spdyState: { needResponse: boolean; window: { send: WindowSide } };
  }

  export interface SpdyConnection extends EventEmitter {
    /** Internal state; `pool` hands out the header (de)compression pair when the version is set. */
    _spdyState: { pool: unknown };
    start(version: number): void;
    request(uri: { method: string; path: string; host: string; headers: Record<string, string> }): SpdyStream;
  }

  const transport: {
    protocol: { spdy: { dictionary: Record<number, Buffer> } };
    connection: {
      create(
        socket: Duplex,
        options: { protocol: 'spdy' | 'http2'; isServer: boolean; maxChunk?: number | false },
      ): SpdyConnection;
    };
  };
  export default transport;
}
