/**
 * What the simulated operators' last complete pass could not write (issue 13: a refused status write
 * was only logged, and `lab up` went green on the status an older lab had left). The `sim-operators`
 * process replaces `.lab/sim/operators-errors.json` after every complete pass (so a fixed error
 * clears); `lab up` / `lab reset` wait for a pass that started after seeding and fail on its errors;
 * `lab status` shows them. Only the API server's Status message is kept (no request body, no headers).
 */
import fs from 'node:fs';
import path from 'node:path';

/** The object a failed write was about, where the code knows it. */
export interface ObjectRef {
  kind: string;
  name: string;
  namespace?: string;
}

export interface SimError {
  cluster: string;
  /** the reconcile part (lab/sim/operators.ts reconcileCluster): gateways, lb-ipam, volumes, ... */
  part: string;
  object?: ObjectRef;
  /** the HTTP status code of the API server's answer, when there was one */
  code?: number;
  /** the API server's Status message (else the error's first line), at most MAX_MESSAGE characters */
  message: string;
}

/** One complete pass of the operator loop, as written to the state file. */
export interface OperatorPass {
  pid: number;
  /** passes of this process, from 1 */
  pass: number;
  startedAt: string;
  finishedAt: string;
  errors: SimError[];
}

export const MAX_MESSAGE = 600;

export function operatorsStateFile(stateRoot: string): string {
  return path.join(stateRoot, 'sim', 'operators-errors.json');
}

/** Written by `lab up` / `lab reset` to start a pass at once (the loop polls it with the state file). */
export function operatorsKickFile(stateRoot: string): string {
  return path.join(stateRoot, 'sim', 'operators.kick');
}

/** An error that knows which object the failed request was about; code and body stay readable. */
export class ObjectWriteError extends Error {
  readonly code: number | undefined;
  readonly body: unknown;
  constructor(
    readonly object: ObjectRef,
    cause: unknown,
  ) {
    super(String((cause as Error)?.message ?? cause), { cause });
    this.name = 'ObjectWriteError';
    const c = (cause as { code?: unknown })?.code;
    this.code = typeof c === 'number' ? c : c === undefined ? undefined : Number(c);
    this.body = (cause as { body?: unknown })?.body;
  }
}

/** Run one request about `object`; a failure carries the object. */
export async function onObject<T>(object: ObjectRef, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ObjectWriteError) throw e;
    throw new ObjectWriteError(object, e);
  }
}

interface StatusBody {
  message?: string;
  reason?: string;
  details?: { name?: string; kind?: string; causes?: { reason?: string }[] };
}

function statusBody(e: unknown): StatusBody | undefined {
  const body = (e as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as StatusBody) : undefined;
    } catch {
      return undefined;
    }
  }
  return body && typeof body === 'object' ? (body as StatusBody) : undefined;
}

function codeOf(e: unknown): number | undefined {
  const c = (e as { code?: unknown })?.code;
  const n = typeof c === 'number' ? c : typeof c === 'string' ? Number(c) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * A race, not an error: the object went away between a LIST and the write (404), or its namespace
 * is being deleted (403 NamespaceTerminating, a test namespace removed while the loop ran).
 */
export function isRace(e: unknown): boolean {
  const code = codeOf(e);
  if (code === 404) return true;
  if (code !== 403) return false;
  const s = statusBody(e);
  return Boolean(
    s?.details?.causes?.some((c) => c.reason === 'NamespaceTerminating') ||
    /because it is being terminated/.test(s?.message ?? ''),
  );
}

/** The record of one failed reconcile part, or undefined for a race (isRace). */
export function simErrorOf(cluster: string, part: string, e: unknown): SimError | undefined {
  if (isRace(e)) return undefined;
  const s = statusBody(e);
  const object =
    e instanceof ObjectWriteError
      ? e.object
      : s?.details?.kind && s.details.name
        ? { kind: s.details.kind, name: s.details.name }
        : undefined;
  const raw =
    s?.message ??
    String((e as Error)?.message ?? e)
      .split('\n')[0]!
      .trim();
  const message = raw.length > MAX_MESSAGE ? `${raw.slice(0, MAX_MESSAGE)}…` : raw;
  const code = codeOf(e);
  return { cluster, part, ...(object ? { object } : {}), ...(code !== undefined ? { code } : {}), message };
}

export function formatObject(o: ObjectRef): string {
  return `${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
}

/** `apps gateways: Gateway ns/name: 422 <the API server's message>` */
export function formatSimError(e: SimError): string {
  return `${e.cluster} ${e.part}: ${e.object ? `${formatObject(e.object)}: ` : ''}${e.code !== undefined ? `${e.code} ` : ''}${e.message}`;
}

/** Replace the state file atomically (a reader never sees half a pass). */
export function writeOperatorPass(file: string, pass: OperatorPass): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(pass, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

export function readOperatorPass(file: string): OperatorPass | undefined {
  try {
    const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<OperatorPass>;
    if (typeof p.pass !== 'number' || typeof p.startedAt !== 'string' || !Array.isArray(p.errors))
      return undefined;
    return p as OperatorPass;
  } catch {
    return undefined;
  }
}

/** The message `lab up` / `lab reset` fail with when the pass after seeding had errors. */
export function refusedWritesMessage(p: OperatorPass, stateFile: string, logFile: string): string {
  return [
    `sim-operators: ${p.errors.length} reconcile error(s) in pass ${p.pass} (started ${p.startedAt}, after seeding): the lab's simulated status is not what the operators would write`,
    ...p.errors.map((e) => `  ${formatSimError(e)}`),
    `(${stateFile}; ${logFile}; \`lab status\` shows the current ones)`,
  ].join('\n');
}
