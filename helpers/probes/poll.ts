// One bounded poll for the probes: vitest's expect.poll with the probes' interval (2 s, or the whole
// bound when it is shorter) and a message naming what was read, so a timeout says what it waited on.
// The bound is a settle window (helpers/config/settle.ts: PV_SETTLE_SCALE scales it).
import { expect } from 'vitest';
import { settleMs } from '../config/settle.js';

export { settleMs };
export const POLL_INTERVAL_MS = 2_000;

export function pollWithin<T>(read: () => Promise<T>, message: string, timeoutMs: number) {
  const timeout = settleMs(timeoutMs);
  return expect.poll(read, { timeout, interval: Math.min(POLL_INTERVAL_MS, timeout), message });
}
