// REG-HARBOR-001 on Harbor's health answers and DB-DRAGONFLY-001 on the Dragonfly operator's status
// phases, from the contract samples of test/contracts (transcribed from upstream, their shapes.json
// says from where): healthy shapes pass, each failing shape fails naming what upstream reported.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../helpers/config/index.js';
import { harborHealthProblems, type HarborHealth } from '../../../helpers/probes/harbor.js';
import { dragonflyPhase } from '../../../helpers/probes/dragonfly.js';

const read = (dir: string, file: string) =>
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'test', 'contracts', dir, file), 'utf8')) as Record<
    string,
    unknown
  >;
const shapes = (dir: string) =>
  (read(dir, 'shapes.json') as { shapes: { file: string; expect: string; http?: number }[] }).shapes;

describe('Harbor health contract samples: REG-HARBOR-001', () => {
  const all = shapes('harbor-health');
  it('has a healthy and a failing shape', () => {
    expect(all.some((s) => s.expect === 'pass')).toBe(true);
    expect(all.some((s) => s.expect !== 'pass')).toBe(true);
  });
  it.each(all.map((s) => [`${s.file} (HTTP ${s.http ?? 200}): ${s.expect}`, s] as const))('%s', (_n, s) => {
    const body = { http: s.http ?? 200, ...read('harbor-health', s.file) } as HarborHealth;
    const problems = harborHealthProblems(body).join(' | ');
    if (s.expect === 'pass') expect(problems).toBe('');
    else expect(problems).toContain(s.expect);
  });
});

describe('Dragonfly status contract samples: DB-DRAGONFLY-001 reads the phase', () => {
  const all = shapes('dragonfly-status');
  it('has a ready and a not-ready shape, the phase of both operator generations among the ready', () => {
    expect(all.filter((s) => s.expect === 'ready').length).toBeGreaterThanOrEqual(2);
    expect(all.some((s) => s.expect !== 'ready')).toBe(true);
  });
  it.each(all.map((s) => [`${s.file}: ${s.expect}`, s] as const))('%s', (_n, s) => {
    const { phase, ready } = dragonflyPhase(
      read('dragonfly-status', s.file) as { status?: Record<string, unknown> },
    );
    expect(ready ? 'ready' : `not ready: ${phase}`).toBe(s.expect);
  });
});
