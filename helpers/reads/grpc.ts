/**
 * One unary gRPC call over HTTP/2 cleartext with an empty request message: enough to prove a gRPC
 * server (Hubble relay) answers, without protobuf code generation. Bounded by `timeoutMs`.
 */
import http2 from 'node:http2';

export interface GrpcReply {
  grpcStatus: string | undefined;
  grpcMessage: string | undefined;
  httpStatus: number | undefined;
  /** the response message bytes (protobuf, not decoded) */
  message: Buffer;
}

export function grpcUnaryEmpty(
  host: string,
  port: number,
  method: string,
  timeoutMs = 10_000,
): Promise<GrpcReply> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(`http://${host}:${port}`);
    const timer = setTimeout(() => {
      session.destroy();
      reject(new Error(`gRPC ${method} on ${host}:${port}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (err: Error | undefined, reply?: GrpcReply) => {
      clearTimeout(timer);
      session.close();
      if (err) reject(err);
      else resolve(reply!);
    };
    session.on('error', (e) => done(new Error(`gRPC ${method} on ${host}:${port}: ${e.message}`)));
    const req = session.request({
      ':method': 'POST',
      ':path': method,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    let httpStatus: number | undefined;
    let grpcStatus: string | undefined;
    let grpcMessage: string | undefined;
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      httpStatus = Number(h[':status']);
      // trailers-only responses carry grpc-status in the headers
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) grpcMessage = String(h['grpc-message']);
    });
    req.on('trailers', (t) => {
      if (t['grpc-status'] !== undefined) grpcStatus = String(t['grpc-status']);
      if (t['grpc-message'] !== undefined) grpcMessage = String(t['grpc-message']);
    });
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (e) => done(new Error(`gRPC ${method} on ${host}:${port}: ${e.message}`)));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // length-prefixed message: 1 byte compressed flag + 4 bytes length
      const message = body.length >= 5 ? body.subarray(5, 5 + body.readUInt32BE(1)) : Buffer.alloc(0);
      done(undefined, { grpcStatus, grpcMessage, httpStatus, message });
    });
    // empty protobuf message, uncompressed
    req.end(Buffer.from([0, 0, 0, 0, 0]));
  });
}
