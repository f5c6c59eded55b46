// Typed errors of cluster access. Each message names what a platform engineer needs to act:
// the cluster, the kube context, the file or object, what was expected and what was seen.

export type ClusterAccessCode =
  'KUBECONFIG_MISSING' | 'KUBECONFIG_INVALID' | 'CONTEXT_MISSING' | 'UNREACHABLE' | 'TIMEOUT';

export class ClusterAccessError extends Error {
  override name = 'ClusterAccessError';
  constructor(
    readonly code: ClusterAccessCode,
    message: string,
    readonly details: { cluster?: string; context?: string; files?: string[]; server?: string } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class IdentityError extends Error {
  override name = 'IdentityError';
  constructor(
    message: string,
    readonly details: { cluster: string; context: string; server: string; expected: string; seen: string },
  ) {
    super(message);
  }
}

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  constructor(
    message: string,
    readonly awaited: string,
    readonly lastSeen: unknown,
  ) {
    super(message);
  }
}

export class ExecError extends Error {
  override name = 'ExecError';
  constructor(
    message: string,
    readonly details: { namespace: string; pod: string; command: string[]; timedOut?: boolean },
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Short text of any thrown value, for wrapping into our own messages. */
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
