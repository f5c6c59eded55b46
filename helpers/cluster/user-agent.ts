// The User-Agent of every API request the framework makes (REST through the ClusterHandle, exec and
// port-forward websockets): `platform-validation/<version> (run <runId>; check <ID>)`. The API
// server's audit log records it, so `pnpm bench api-requests` can count one run's requests per
// check. The tag is process-wide: vitest runs one check at a time per worker, and the runner sets
// it before each check body (helpers/check) and to a phase (`phase identity` …) in the main process.
import fs from 'node:fs';
import { setting } from '../config/settings.js';
import { processState, setProcessState } from '../process-state.js';

export const USER_AGENT_PRODUCT = 'platform-validation';

/** `check <ID>`, `phase <name>`, or undefined; what the next requests are made for. */
export function setRequestTag(tag: string | undefined): void {
  if (tag !== undefined && !/^[\w.-]+ [\w.-]+$/.test(tag)) {
    throw new Error(`request tag "${tag}": expected "<kind> <value>" of letters, digits, . _ -`);
  }
  setProcessState('requestTag', tag); // one per process, however many copies of this module
}

export function requestTag(): string | undefined {
  return processState('requestTag', () => undefined);
}

let version: string | undefined;
function frameworkVersion(): string {
  if (version === undefined) {
    try {
      const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
        version?: unknown;
      };
      version = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}

/** The header value for a request made now (run id from PV_RUN_ID, set by bin/test.ts). */
export function userAgent(env: NodeJS.ProcessEnv = process.env): string {
  const runId = setting('PV_RUN_ID', env);
  const parts = [runId ? `run ${runId}` : undefined, requestTag()].filter(Boolean);
  return `${USER_AGENT_PRODUCT}/${frameworkVersion()}${parts.length ? ` (${parts.join('; ')})` : ''}`;
}

export interface ParsedUserAgent {
  version: string;
  runId?: string;
  check?: string;
  phase?: string;
}

/** Reads a User-Agent written by userAgent(); undefined for anyone else's. */
export function parseUserAgent(ua: string | undefined): ParsedUserAgent | undefined {
  const m = /^platform-validation\/(\S+)(?: \(([^)]*)\))?/.exec(ua ?? '');
  if (!m) return undefined;
  const out: ParsedUserAgent = { version: m[1]! };
  for (const part of (m[2] ?? '').split(';')) {
    const [k, v] = part.trim().split(' ');
    if (!v) continue;
    if (k === 'run') out.runId = v;
    else if (k === 'check') out.check = v;
    else if (k === 'phase') out.phase = v;
  }
  return out;
}
