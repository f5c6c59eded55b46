import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_IDENTITY_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  identityTimeout,
  requestTimeout,
} from '../../../helpers/config/runtime.js';

describe('runtime bounds (helpers/config/runtime.ts)', () => {
  it('defaults, positive PV_* overrides, a malformed one refused by name', () => {
    expect(requestTimeout({})).toBe(10_000);
    expect(identityTimeout({})).toBe(20_000);
    expect(requestTimeout({ PV_REQUEST_TIMEOUT_MS: '2500' })).toBe(2500);
    expect(identityTimeout({ PV_IDENTITY_TIMEOUT_MS: '7000' })).toBe(7000);
    expect(requestTimeout({ PV_REQUEST_TIMEOUT_MS: '' })).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    // a silent fallback would run with a bound the user did not ask for
    expect(() => requestTimeout({ PV_REQUEST_TIMEOUT_MS: '0' })).toThrow(/^PV_REQUEST_TIMEOUT_MS="0"/);
    expect(() => identityTimeout({ PV_IDENTITY_TIMEOUT_MS: 'soon' })).toThrow(
      /^PV_IDENTITY_TIMEOUT_MS="soon"/,
    );
  });

  it('bin/launch.mjs (plain JS, cannot import TS) budgets the preflight with the same defaults', () => {
    const src = readFileSync(new URL('../../../bin/launch.mjs', import.meta.url), 'utf8');
    const def = (name: string) => {
      const m = new RegExp(`num\\(process\\.env\\.${name}, ([0-9_]+)\\)`).exec(src);
      expect(m, `launch.mjs reads ${name} with a default`).not.toBeNull();
      return Number(m![1]!.replace(/_/g, ''));
    };
    expect(def('PV_REQUEST_TIMEOUT_MS')).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(def('PV_IDENTITY_TIMEOUT_MS')).toBe(DEFAULT_IDENTITY_TIMEOUT_MS);
  });
});
