// exec in a pod through the API server: stdout, stderr and the exit code from the status channel.
import querystring from 'node:querystring';
import { ExecError, errorText } from './errors.js';
import { where, type ClusterHandle } from './handle.js';
import { openChannel, type ChannelSocket } from './ws.js';

export interface ExecOptions {
  namespace: string;
  pod: string;
  container?: string;
  command: string[];
  stdin?: string | Buffer;
  timeoutMs: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const STATUS = 3;
const CLOSE = 255;

export interface V1StatusLike {
  status?: string;
  message?: string;
  reason?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

/**
 * The status channel's V1Status -> exit code: Success -> 0, NonZeroExitCode -> the ExitCode cause.
 * Any other failure (command not found, container not running…) is not an exit code: it throws.
 */
export function exitCodeFromStatus(status: V1StatusLike): number {
  if (status.status === 'Success') return 0;
  if (status.reason === 'NonZeroExitCode') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    const code = Number(cause?.message);
    if (cause && Number.isInteger(code)) return code;
    throw new Error(`exit status without an ExitCode cause: ${JSON.stringify(status)}`);
  }
  // A runtime that wraps the command's exit error (KWOK's local exec does: `cmd wait: ...: %w`) defeats the
  // kubelet's ExitError check, so the exit arrives as an InternalError whose text ends in Go's
  // "exit status N". That is still the command's exit code, not a failure to run it.
  const wrapped = /error executing command in container: .*: exit status (\d+)\s*$/s.exec(
    status.message ?? '',
  );
  if (status.reason === 'InternalError' && wrapped) return Number(wrapped[1]);
  throw new Error(status.message || `exec failed: ${JSON.stringify(status)}`);
}

function describeCommand(command: string[]): string {
  return command.map((c) => (/^[\w@%+=:,./-]+$/.test(c) ? c : JSON.stringify(c))).join(' ');
}

export async function exec(cluster: ClusterHandle, o: ExecOptions): Promise<ExecResult> {
  if (o.command.length === 0) throw new Error('exec: command must not be empty');
  const label = `exec in pod ${o.namespace}/${o.pod}${o.container ? ` (container ${o.container})` : ''} of ${where(cluster)}: ${describeCommand(o.command)}`;
  const details = { namespace: o.namespace, pod: o.pod, command: o.command };
  const query = querystring.stringify({
    stdout: true,
    stderr: true,
    stdin: o.stdin !== undefined,
    tty: false,
    command: o.command,
    ...(o.container ? { container: o.container } : {}),
  });
  const path = `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/pods/${encodeURIComponent(o.pod)}/exec?${query}`;

  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let status: V1StatusLike | undefined;
  let ws: ChannelSocket | undefined;
  const started = Date.now();

  return await new Promise<ExecResult>((resolve, reject) => {
    let settled = false;
    const finish = (e?: Error, r?: ExecResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (ws && ws.readyState !== ws.CLOSED) ws.terminate();
      if (e) reject(e);
      else resolve(r!);
    };
    const timer = setTimeout(() => {
      finish(
        new ExecError(`${label}: timed out after ${o.timeoutMs} ms (stream killed)`, {
          ...details,
          timedOut: true,
        }),
      );
    }, o.timeoutMs);

    const onClose = () => {
      if (settled) return;
      if (!status) {
        finish(
          new ExecError(
            `${label}: stream closed without an exit status after ${Date.now() - started} ms`,
            details,
          ),
        );
        return;
      }
      try {
        const exitCode = exitCodeFromStatus(status);
        finish(undefined, {
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          exitCode,
        });
      } catch (e) {
        finish(new ExecError(`${label}: ${errorText(e)}`, details));
      }
    };

    openChannel(
      cluster,
      path,
      (stream, data) => {
        if (stream === STDOUT) out.push(Buffer.from(data));
        else if (stream === STDERR) err.push(Buffer.from(data));
        else if (stream === STATUS) {
          try {
            status = JSON.parse(data.toString('utf8')) as V1StatusLike;
          } catch {
            status = {
              status: 'Failure',
              message: `unparsable status: ${data.toString('utf8').slice(0, 200)}`,
            };
          }
          return false; // the status is the last message: close
        }
        // CLOSE signals (v5) and other streams carry nothing we need
        return true;
      },
      { handshakeTimeoutMs: Math.min(o.timeoutMs, cluster.requestTimeoutMs) },
    ).then(
      (socket) => {
        ws = socket;
        if (settled) {
          socket.terminate();
          return;
        }
        socket.on('error', () => {}); // reported through close
        socket.on('close', onClose);
        if (socket.readyState === socket.CLOSED) onClose();
        if (o.stdin !== undefined) {
          const data = Buffer.isBuffer(o.stdin) ? o.stdin : Buffer.from(o.stdin, 'utf8');
          for (let i = 0; i < data.length; i += 32 * 1024) {
            const chunk = data.subarray(i, i + 32 * 1024);
            const frame = Buffer.allocUnsafe(chunk.length + 1);
            frame[0] = STDIN;
            chunk.copy(frame, 1);
            socket.send(frame);
          }
          // v5 can close stdin; older protocols cannot (the command must not wait for EOF)
          if (socket.protocol === 'v5.channel.k8s.io') socket.send(Buffer.from([CLOSE, STDIN]));
        }
      },
      (e: unknown) => finish(new ExecError(`${label}: ${errorText(e)}`, details, { cause: e })),
    );
  });
}
