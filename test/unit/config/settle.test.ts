// PV_SETTLE_SCALE scales a check's settle window, never below 5 s, and a short window stays as it is.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { settleMs } from '../../../helpers/config/settle.js';

describe('settleMs', () => {
  afterEach(() => vi.unstubAllEnvs());
  it('is the window itself by default', () => {
    vi.stubEnv('PV_SETTLE_SCALE', '');
    expect(settleMs(60_000)).toBe(60_000);
  });
  it('scales by PV_SETTLE_SCALE, floored at 5 s; a window of 5 s or less is kept', () => {
    vi.stubEnv('PV_SETTLE_SCALE', '0.3');
    expect(settleMs(60_000)).toBe(18_000);
    expect(settleMs(10_000)).toBe(5_000);
    expect(settleMs(4_000)).toBe(4_000);
    vi.stubEnv('PV_SETTLE_SCALE', '2');
    expect(settleMs(30_000)).toBe(60_000);
  });
  it('refuses a value that is not a positive number, naming the variable', () => {
    vi.stubEnv('PV_SETTLE_SCALE', '-1');
    expect(() => settleMs(30_000)).toThrow(/PV_SETTLE_SCALE/);
  });
});
