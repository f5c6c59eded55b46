// Arguments of `pnpm test`: ours are taken out, everything else goes to vitest's own CLI parser.
export interface TestArgs {
  projects: string[];
  grep?: string;
  env?: string;
  allowDisruptive: boolean;
  strictJunit: boolean;
  passthrough: string[];
}

export class UsageError extends Error {}

export function parseTestArgs(argv: string[]): TestArgs {
  const a: TestArgs = { projects: [], allowDisruptive: false, strictJunit: false, passthrough: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') continue; // pnpm passes it through
    const m = /^--(project|grep|env)(?:=(.*))?$/.exec(arg);
    if (m) {
      const value = m[2] ?? argv[++i];
      if (value === undefined || (m[2] === undefined && value.startsWith('--'))) {
        throw new UsageError(
          `--${m[1]} needs a value${m[1] === 'grep' ? ' (a tag expression, e.g. "P0 || P1")' : ''}`,
        );
      }
      if (m[1] === 'project') a.projects.push(...value.split(',').filter(Boolean));
      else if (m[1] === 'grep') {
        if (a.grep !== undefined) throw new UsageError('--grep given twice; combine with && or ||');
        a.grep = value;
      } else a.env = value;
    } else if (arg === '--allow-disruptive') a.allowDisruptive = true;
    else if (arg === '--strict-junit') a.strictJunit = true;
    else a.passthrough.push(arg);
  }
  return a;
}
