// One bounded poll for the probes: vitest's expect.poll with the probes' interval (2 s, or the whole
// bound when it is shorter) and a message naming what was read, so a timeout says what it waited on.
import { expect } from 'vitest';

export const POLL_INTERVAL_MS = 2_000;

export function pollWithin<T>(read: () => Promise<T>, message: string, timeoutMs: number) {
  return expect.poll(read, { timeout: timeoutMs, interval: Math.min(POLL_INTERVAL_MS, timeoutMs), message });
}
