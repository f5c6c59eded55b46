// Arguments of `pnpm test`: ours are taken out; the rest must be a vitest option this wrapper passes
// through (VITEST_OPTIONS) or a file filter. Anything else is bad input (exit 2, with the nearest known
// flag): a typo such as `--envv prod` or `--allow-disruptve` must never run as if it were absent.
export interface TestArgs {
  projects: string[];
  grep?: string;
  env?: string;
  allowDisruptive: boolean;
  strictJunit: boolean;
  passthrough: string[];
  /** `--shard i/n`, validated (vitest's own message for a bad value comes after the run dir exists). */
  shard?: { index: number; count: number };
  /** `-t` / `--testNamePattern`, recorded in run.json's selection. */
  testNamePattern?: string;
  /** Positional file filters, recorded in run.json's selection. */
  fileFilters: string[];
}

export class UsageError extends Error {}

const OURS = ['--project', '--grep', '--env', '--allow-disruptive', '--strict-junit'];

/**
 * vitest options that make sense for a one-shot run of the cluster projects, by their camelCase name;
 * `true` = takes a value. vitest's --project/--tags-filter are ours (--project/--grep).
 */
const VITEST_OPTIONS: Record<string, boolean> = {
  testNamePattern: true,
  shard: true,
  bail: true,
  retry: true,
  reporter: true,
  reporters: true,
  outputFile: true,
  maxWorkers: true,
  maxConcurrency: true,
  testTimeout: true,
  hookTimeout: true,
  silent: false,
  hideSkippedTests: false,
  logHeapUsage: false,
  color: false,
  'sequence.shuffle': false,
  'sequence.seed': true,
  'sequence.concurrent': false,
};

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(
        d[i - 1]![j]! + 1,
        d[i]![j - 1]! + 1,
        d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
  return d[a.length]![b.length]!;
}

/** Every flag the wrapper accepts, as a user would type it. */
export function knownFlags(): string[] {
  return [...OURS, '-t', ...Object.keys(VITEST_OPTIONS).map((k) => `--${kebab(k)}`)];
}

function unknownFlag(flag: string): UsageError {
  const name = flag.split('=')[0]!;
  const best = knownFlags()
    .map((k) => ({ k, d: distance(name.toLowerCase(), k.toLowerCase()) }))
    .sort((x, y) => x.d - y.d)[0];
  const hint = best && best.d <= Math.max(2, Math.floor(name.length / 3)) ? `; did you mean ${best.k}?` : '';
  return new UsageError(
    `unknown option ${name}${hint} (pnpm test takes ${OURS.join(', ')} and the vitest options ${knownFlags()
      .slice(OURS.length)
      .join(', ')}; see README "Running")`,
  );
}

function parseShard(v: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || index < 1 || count < 1 || index > count) {
    throw new UsageError(
      `--shard "${v}": expected <index>/<count> with 1 <= index <= count, e.g. --shard 1/3`,
    );
  }
  return { index, count };
}

export function parseTestArgs(argv: string[]): TestArgs {
  const a: TestArgs = {
    projects: [],
    allowDisruptive: false,
    strictJunit: false,
    passthrough: [],
    fileFilters: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue; // pnpm passes it through
    const m = /^--(project|grep|env)(?:=(.*))?$/.exec(arg);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || (m[2] === undefined && value.startsWith('-'))) {
        throw new UsageError(
          `--${m[1]} needs a value${m[1] === 'grep' ? ' (a tag expression, e.g. "P0 || P1")' : ''}`,
        );
      }
      if (m[1] === 'project') {
        const names = value.split(',').map((s) => s.trim());
        if (names.some((n) => n === '')) {
          throw new UsageError(
            `--project "${value}": empty cluster name (expected e.g. --project infra or --project infra,apps)`,
          );
        }
        a.projects.push(...names);
      } else if (m[1] === 'grep') {
        if (a.grep !== undefined) throw new UsageError('--grep given twice; combine with && or ||');
        a.grep = value;
      } else {
        if (a.env !== undefined) throw new UsageError('--env given twice');
        if (!value.trim()) throw new UsageError('--env needs a non-empty environment name');
        a.env = value;
      }
      continue;
    }
    if (arg === '--allow-disruptive') {
      a.allowDisruptive = true;
      continue;
    }
    if (arg === '--strict-junit') {
      a.strictJunit = true;
      continue;
    }
    if (!arg.startsWith('-')) {
      a.fileFilters.push(arg);
      a.passthrough.push(arg);
      continue;
    }
    // a vitest option: -t, --name, --name=value, --no-name
    const [rawName, inline] = arg.startsWith('--')
      ? [arg.slice(2).split('=')[0]!, arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : undefined]
      : arg === '-t'
        ? ['testNamePattern', undefined]
        : (() => {
            throw unknownFlag(arg);
          })();
    const negated = rawName.startsWith('no-');
    const name = camel(negated ? rawName.slice(3) : rawName);
    const takesValue = VITEST_OPTIONS[name];
    if (takesValue === undefined || (negated && takesValue)) throw unknownFlag(arg);
    a.passthrough.push(arg);
    if (!takesValue) continue;
    let value = inline;
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || (value.startsWith('--') && name !== 'testNamePattern')) {
        throw new UsageError(`${arg} needs a value`);
      }
      a.passthrough.push(value);
    }
    if (name === 'shard') a.shard = parseShard(value);
    if (name === 'testNamePattern') {
      try {
        new RegExp(value);
      } catch (e) {
        throw new UsageError(`${arg} "${value}": not a regular expression (${(e as Error).message})`);
      }
      a.testNamePattern = value;
    }
    if (['bail', 'retry', 'maxWorkers', 'maxConcurrency', 'testTimeout', 'hookTimeout'].includes(name)) {
      if (!/^\d+%?$/.test(value) || (name !== 'maxWorkers' && value.endsWith('%'))) {
        throw new UsageError(`${arg} "${value}": expected a non-negative integer`);
      }
    }
  }
  return a;
}
