// File-level defaults for check(): what every check of a suite file shares (component, clusters,
// story, ...) and what the file requires of the facts. A check then states only what is its own:
//
//   const dragonfly = suite({ component: 'dragonfly', clusters: ['apps'], story: STORY,
//                              requires: 'dragonfly.enabled' });
//   dragonfly.check({ id: 'DB-DRAGONFLY-001', title: '...', priority: 'P0', ac: ['AC6'] }, body);
//
// A check whose requirement is not met is skipped with the reason (`facts.dragonfly.enabled is
// false`), in <skipped message>, never counted as passed. A check's own fields win over the defaults.
import type { Facts } from '../config/index.js';
import { check, type CheckContext, type CheckMetaInput } from './index.js';

/** Dotted paths of the boolean facts, e.g. 'dragonfly.enabled', 'storage.ceph.enabled'. */
type BooleanPaths<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends boolean
    ? `${P}${K}`
    : T[K] extends readonly unknown[]
      ? never
      : T[K] extends object
        ? BooleanPaths<T[K], `${P}${K}.`>
        : never;
}[keyof T & string];

export type FactFlag = BooleanPaths<Facts>;

/**
 * What a file's checks need of the facts: one flag, several (all must be true), or flags with the
 * sentence a reader needs after "facts.<flag> is false: ".
 */
export type Requirement = FactFlag | readonly FactFlag[] | Partial<Record<FactFlag, string>>;

export type CheckBody = (ctx: CheckContext) => unknown | Promise<unknown>;

type Shared = 'component' | 'clusters' | 'story' | 'ac' | 'risks' | 'suggestedAction' | 'timeoutMs' | 'retry';

export interface SuiteDefaults extends Partial<Pick<CheckMetaInput, Shared>> {
  requires?: Requirement;
}

export type SuiteCheckMeta = Omit<CheckMetaInput, Shared> &
  Partial<Pick<CheckMetaInput, Shared>> & {
    /** more requirements of this check, on top of the file's */
    requires?: Requirement;
  };

function flagValue(facts: Facts, flag: string): unknown {
  return flag.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], facts);
}

/** The skip reason when a requirement is not met, else undefined. Pure: unit-tested. */
export function unmetRequirement(facts: Facts, ...reqs: (Requirement | undefined)[]): string | undefined {
  for (const req of reqs) {
    if (!req) continue;
    const entries: [string, string | undefined][] =
      typeof req === 'string'
        ? [[req, undefined]]
        : Array.isArray(req)
          ? req.map((f: string) => [f, undefined])
          : Object.entries(req as Record<string, string>);
    for (const [flag, why] of entries) {
      const v = flagValue(facts, flag);
      if (v !== true)
        return `facts.${flag} is ${v === undefined ? 'not set' : String(v)}${why ? `: ${why}` : ''}`;
    }
  }
  return undefined;
}

export function suite(defaults: SuiteDefaults): { check(meta: SuiteCheckMeta, body: CheckBody): void } {
  const { requires: fileRequires, ...shared } = defaults;
  return {
    check(meta, body) {
      const { requires, ...own } = meta;
      // vitest reads the fixtures a test uses from its first parameter's destructuring pattern: the
      // wrapper names every fixture a body may use, and hands them on
      check(
        { ...shared, ...own } as CheckMetaInput,
        ({
          cluster,
          facts,
          evidence,
          run,
          skip,
          task,
          signal,
          annotate,
          onTestFailed,
          onTestFinished,
          expect,
        }) => {
          const why = unmetRequirement(facts, fileRequires, requires);
          if (why) skip(why);
          const ctx = {
            cluster,
            facts,
            evidence,
            run,
            skip,
            task,
            signal,
            annotate,
            onTestFailed,
            onTestFinished,
            expect,
          };
          return body(ctx as CheckContext);
        },
      );
    },
  };
}
