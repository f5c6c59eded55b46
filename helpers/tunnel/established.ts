// The `established` promise of a port-forward stream (SPDY and websocket transports alike): settled by
// the transport, awaited by the tunnel only when it needs to know. Its rejection is handled here, so a
// stream that closes before anyone awaits it is not an unhandled rejection.
export interface Established {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

export function establishedSignal(): Established {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}
