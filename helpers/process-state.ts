// Per-process state that must stay one even when a module is loaded twice in the same process: the
// main process of `pnpm test` holds our helpers in bin/test.ts's module graph and again in vitest's
// (globalSetup, the vite-bundled config), each a separate module instance. Only state that is
// process-wide by nature lives here (not run data: that has one owner, see helpers/check/context.ts):
//  - the redaction store: a secret registered by one copy must be masked by every copy;
//  - the secret channel's role (sink or client) and its client connection;
//  - the User-Agent's request tag (what the next API requests are made for).
interface ProcessState {
  'redact.secrets': { values: Set<string>; version?: number; sorted?: { version: number; list: string[] } };
  secretSink: boolean;
  secretChannel: unknown;
  requestTag: string | undefined;
}

const slots = globalThis as unknown as Record<symbol, unknown>;
const key = (name: keyof ProcessState) => Symbol.for(`pv.${name}`);

/** The process's one value of `name`, created by `init` on first use. */
export function processState<K extends keyof ProcessState>(
  name: K,
  init: () => ProcessState[K],
): ProcessState[K] {
  const k = key(name);
  if (!(k in slots)) slots[k] = init();
  return slots[k] as ProcessState[K];
}

export function setProcessState<K extends keyof ProcessState>(name: K, value: ProcessState[K]): void {
  slots[key(name)] = value;
}
