// Phase 1 of `pnpm test`: arguments, configuration and selection, all validated before any cluster is
// touched. Shared by bin/test.ts and the preflight child (bin/preflight.ts), which
// proves identities only for a selection bin/test.ts will accept.
import type { parseCLI as ParseCLI } from 'vitest/node';
import {
  ConfigError,
  configPath,
  loadPlatformConfig,
  resolveEnvironment,
  selectEnv,
  type ResolvedEnvironment,
} from '../helpers/config/index.js';
import type { ImportTs } from '../helpers/config/load.js';
import { ALL_TAGS } from '../helpers/check/tags.js';
import { parseTagExpression, TagExpressionError, type TagNode } from '../helpers/check/tag-expr.js';
import { parseTestArgs, UsageError, type TestArgs } from './test-args.js';
import { readSettings, SettingError } from '../helpers/config/settings.js';

/** Bad input: printed as `pnpm test: <message>`, exit 2. */
export class SelectionError extends Error {}

export interface Selection {
  args: TestArgs;
  env: ResolvedEnvironment;
  projects: string[];
  grepAst?: TagNode;
  cli?: ReturnType<typeof ParseCLI>;
}

/** `parseCLI` validates vitest's own arguments; without it (preflight) they are checked only if present. */
export interface SelectionOptions {
  parseCLI?: typeof ParseCLI;
  /** how the platform config (TypeScript) is loaded: the launcher's importer, else tsx */
  importTs?: ImportTs;
}

export async function resolveSelection(
  argv: string[],
  { parseCLI, importTs }: SelectionOptions = {},
): Promise<Selection> {
  let args: TestArgs;
  try {
    // every PV_* setting, once: a malformed one stops the run here, before any cluster is touched
    readSettings();
    args = parseTestArgs(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof SettingError) throw new SelectionError(e.message);
    throw e;
  }
  let env: ResolvedEnvironment;
  try {
    const config = await loadPlatformConfig(configPath(), importTs);
    env = resolveEnvironment(config, selectEnv(config, args.env));
  } catch (e) {
    if (e instanceof ConfigError) throw new SelectionError(e.message);
    throw e;
  }
  const known = Object.keys(env.clusters);
  const unknown = args.projects.filter((p) => !known.includes(p));
  if (unknown.length) {
    throw new SelectionError(
      `unknown project(s) ${unknown.map((p) => `"${p}"`).join(', ')}: environment "${env.env}" (${env.configFile}) has clusters ${known.join(', ')}`,
    );
  }
  const projects = args.projects.length ? [...new Set(args.projects)] : known;
  let grepAst: TagNode | undefined;
  if (args.grep !== undefined) {
    try {
      grepAst = parseTagExpression(args.grep, ALL_TAGS);
    } catch (e) {
      if (e instanceof TagExpressionError) throw new SelectionError(e.message);
      throw e;
    }
  }
  const parse = parseCLI ?? (args.passthrough.length ? (await import('vitest/node')).parseCLI : undefined);
  let cli: ReturnType<typeof ParseCLI> | undefined;
  if (parse) {
    try {
      cli = parse(['vitest', 'run', ...args.passthrough]);
    } catch (e) {
      throw new SelectionError(`vitest arguments: ${(e as Error).message}`);
    }
    if (cli.options.project || cli.options.tagsFilter)
      throw new SelectionError(
        "use --project / --grep (vitest's --project/--tags-filter are set by this wrapper)",
      );
  }
  return { args, env, projects, grepAst, cli };
}
