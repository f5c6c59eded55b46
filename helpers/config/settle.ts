// A check's settle window (how long a state may take to appear), scaled by PV_SETTLE_SCALE, never
// below 5 s: for runs where the state is known to be in place before the check starts (the fault
// matrix runs at 0.3). Every bounded wait for a state goes through it.
import { setting } from './settings.js';

const MIN_SETTLE_MS = 5_000;

/** A settle window of `ms`, scaled by PV_SETTLE_SCALE (a window of 5 s or less is kept as it is). */
export function settleMs(ms: number): number {
  const scale = setting('PV_SETTLE_SCALE');
  return scale === 1 || ms <= MIN_SETTLE_MS ? ms : Math.max(MIN_SETTLE_MS, Math.round(ms * scale));
}
