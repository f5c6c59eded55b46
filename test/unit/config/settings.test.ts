// The PV_* settings: parsed in one place (helpers/config/settings.ts), every malformed value refused
// with the variable's name, and README's table the same as the module's.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../helpers/config/index.js';
import {
  readSettings,
  setting,
  settingsTable,
  SettingError,
  unknownSettings,
} from '../../../helpers/config/settings.js';

describe('settings', () => {
  it('unset or empty means the default', () => {
    expect(setting('PV_REQUEST_TIMEOUT_MS', {})).toBe(10_000);
    expect(setting('PV_REQUEST_TIMEOUT_MS', { PV_REQUEST_TIMEOUT_MS: '' })).toBe(10_000);
    expect(setting('PV_ISOLATE', {})).toBe(false);
    expect(setting('PV_RUN_ID', {})).toBeUndefined();
  });

  it('parses well-formed values', () => {
    expect(setting('PV_REQUEST_TIMEOUT_MS', { PV_REQUEST_TIMEOUT_MS: '2500' })).toBe(2500);
    expect(setting('PV_ISOLATE', { PV_ISOLATE: '1' })).toBe(true);
    expect(setting('PV_RUN_ID', { PV_RUN_ID: '20261204T050000Z-0a1b2c' })).toBe('20261204T050000Z-0a1b2c');
    expect(setting('PV_IDENTITY', { PV_IDENTITY: 'skip' })).toBe('skip');
  });

  // before: a malformed number silently fell back to the default, a bad run id was replaced by a new one
  it.each([
    ['PV_REQUEST_TIMEOUT_MS', '10s', 'positive number'],
    ['PV_REQUEST_TIMEOUT_MS', '0', 'positive number'],
    ['PV_RUN_TTL_MINUTES', '-5', 'positive number'],
    ['PV_ISOLATE', 'yes', '0 or 1'],
    ['PV_RUN_ID', 'run-1', 'run id'],
    ['PV_IDENTITY', 'off', 'skip'],
    ['PV_MODE', 'incluster', 'in-cluster'],
  ] as const)('%s=%s is refused, naming the variable and what was expected', (name, value, expected) => {
    const env = { [name]: value };
    expect(() => setting(name, env)).toThrow(SettingError);
    expect(() => setting(name, env)).toThrow(new RegExp(`^${name}="${value}": expected .*${expected}`));
  });

  it('readSettings names every malformed variable at once', () => {
    expect(() => readSettings({ PV_ISOLATE: 'yes', PV_SHARD: '1of2' })).toThrow(/PV_ISOLATE=.*; PV_SHARD=/);
    expect(readSettings({}).PV_RUN_TTL_MINUTES).toBe(180);
  });

  it('flags PV_* variables that are no setting, not the ones other parts own', () => {
    expect(
      unknownSettings({
        PV_IDENTIY: 'skip',
        PV_LAB_CACHE: '/x',
        PV_BENCH_LAB: '1',
        PV_ENV: 'lab',
        HOME: '/',
      }),
    ).toEqual(['PV_IDENTIY']);
  });

  it('every PV_* variable the framework reads is a setting', () => {
    const files = (dir: string): string[] =>
      readdirSync(path.join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((d) =>
        d.isDirectory()
          ? files(path.join(dir, d.name))
          : d.name.endsWith('.ts')
            ? [path.join(dir, d.name)]
            : [],
      );
    const read = new Set<string>();
    for (const f of ['vitest.config.ts', ...files('bin'), ...files('helpers'), ...files('reports')]) {
      for (const m of readFileSync(path.join(REPO_ROOT, f), 'utf8').matchAll(/\bPV_[A-Z_]*[A-Z]\b/g)) {
        read.add(m[0]);
      }
    }
    // constants, not variables
    for (const n of ['PV_PREFLIGHT_RESULT', 'PV_MODE_IN_CLUSTER']) read.delete(n);
    expect([...read].filter((n) => unknownSettings({ [n]: '1' }).length)).toEqual([]);
  });

  it("README's Runtime settings tables are the module's", () => {
    // prettier pads the cells and the rule rows
    const norm = (t: string) => t.replace(/ +\|/g, ' |').replace(/-{3,}/g, '---');
    const readme = norm(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'));
    expect(readme, `README.md must contain:\n${settingsTable()}`).toContain(norm(settingsTable()));
    expect(readme, `README.md must contain:\n${settingsTable(true)}`).toContain(norm(settingsTable(true)));
  });
});
