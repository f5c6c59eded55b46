// bench/startup.ts: a run's phase marks (PV_TIMINGS, from the launcher, the preflight child and
// bin/test.ts) become consecutive phases; a phase a run did not reach is left out, not invented.
import { describe, expect, it } from 'vitest';
import { phaseBreakdown } from '../../../bench/startup.js';

const mainPid = 10;
const childPid = 11;
const at = (pid: number, phase: string, atMs: number) => ({ pid, phase, atMs });

describe('pnpm bench startup: where the time goes', () => {
  it('turns the marks of the launcher, the preflight child and bin/test.ts into consecutive phases', () => {
    const marks = [
      at(mainPid, 'node started', 1_000),
      at(mainPid, 'launcher loaded', 1_050),
      at(mainPid, 'preflight started', 1_060),
      at(childPid, 'node started', 1_070),
      at(childPid, 'launcher loaded', 1_100),
      at(childPid, 'preflight: selection resolved', 1_400),
      at(childPid, 'preflight: identities proven, leftovers swept', 2_000),
      at(mainPid, 'preflight done', 2_050),
      at(mainPid, 'vitest/node loaded', 2_350),
      at(mainPid, 'bin/test.ts loaded', 2_450),
      at(mainPid, 'selection resolved', 2_500),
      at(mainPid, 'vitest created', 2_700),
      at(mainPid, 'checks finished', 4_700),
      at(mainPid, 'vitest closed', 4_710),
      at(mainPid, 'run.json and summary written', 4_750),
    ];
    const phases = phaseBreakdown(marks, 990, 4_800);
    expect(phases.map(([l]) => l)).toEqual([
      'spawn and node start-up',
      'launcher (compile-cache lookup)',
      'preflight: node start-up, config',
      'preflight: identity proof and sweep',
      'preflight: exit',
      'vitest/node load',
      'bin/test.ts bundle load',
      'selection (config load)',
      'vitest created (its config, projects)',
      'checks: workers, imports, checks, reporters',
      'vitest close (teardowns, cleanup)',
      'verdict, run.json, summary',
      'exit',
    ]);
    expect(Object.fromEntries(phases)).toMatchObject({
      'preflight: node start-up, config': 350,
      'preflight: identity proof and sweep': 600,
      'checks: workers, imports, checks, reporters': 2_000,
      exit: 50,
    });
    // consecutive: the phases add up to the whole run
    expect(phases.reduce((n, [, ms]) => n + ms, 0)).toBe(4_800 - 990);
  });

  it('the preflight beside the vitest load: phases in the order they ended, the wait for the preflight last', () => {
    const phases = phaseBreakdown(
      [
        at(mainPid, 'node started', 1_000),
        at(mainPid, 'launcher loaded', 1_050),
        at(childPid, 'launcher loaded', 1_150),
        at(mainPid, 'vitest/node loaded', 1_400),
        at(mainPid, 'bin/test.ts loaded', 1_480),
        at(childPid, 'preflight: selection resolved', 1_600),
        at(childPid, 'preflight: identities proven, leftovers swept', 1_950),
        at(mainPid, 'preflight done', 1_960),
        at(mainPid, 'selection resolved', 2_000),
      ],
      990,
      2_100,
    );
    expect(phases).toEqual([
      ['spawn and node start-up', 10],
      ['launcher (compile-cache lookup)', 50],
      ['vitest/node load', 350],
      ['bin/test.ts bundle load', 80],
      ['preflight: node start-up, config', 120],
      ['preflight: identity proof and sweep', 350],
      ['preflight: exit', 10],
      ['selection (config load)', 40],
      ['exit', 100],
    ]);
  });

  it('a run without a preflight (PV_IDENTITY=skip) or without marks gives no invented phases', () => {
    const phases = phaseBreakdown(
      [
        at(mainPid, 'node started', 0),
        at(mainPid, 'launcher loaded', 10),
        at(mainPid, 'vitest/node loaded', 300),
      ],
      0,
      400,
    );
    expect(phases.map(([l]) => l)).toEqual([
      'spawn and node start-up',
      'launcher (compile-cache lookup)',
      'vitest/node load',
      'exit',
    ]);
    expect(phaseBreakdown([], 0, 100)).toEqual([]);
  });
});
