// Check metadata: validation and the errors a catalogue author sees at collection time.
// Hand-written rather than zod: this runs in every test worker, and loading zod there cost more
// start-up time than all trivial checks of a file together (see pnpm bench).
import { qualified, refProblems, storiesOf } from '../trace/catalogue.js';
import { COMPONENTS, PRIORITIES, type Component, type Priority } from './tags.js';

export interface CheckMetaInput {
  /** stable, unique across the catalogue, e.g. NET-CILIUM-001 */
  id: string;
  title: string;
  priority: Priority;
  /** a tag from helpers/check/tags.ts */
  component: Component;
  /** clusters (= projects) the check runs on; each must exist in the selected environment */
  clusters: string[];
  /** the story the check belongs to (id or alias from helpers/trace/stories) */
  story: string;
  /** items it verifies: `AC2.8` of its story, or `STORY-OR-ALIAS:REF` of another (helpers/trace/stories) */
  ac?: string[];
  /** risks it verifies: `TECH-001` of its story's profile, or `STORY-OR-ALIAS:RISK` */
  risks?: string[];
  /** true: runs only with --allow-disruptive */
  disruptive?: boolean;
  suggestedAction?: string;
  timeoutMs?: number;
  /** extra attempts after a failure (the JUnit shows attempts; passed after retry = flaky) */
  retry?: number;
  /** baseline targets (JUnit `target.<name>`); measured values go through evidence.metric() */
  targets?: Record<string, number>;
}

/** Parsed: `story` is the story's id, `ac`/`risks` qualified (`STORY-ID:REF`), `stories` every story credited. */
export type CheckMeta = CheckMetaInput & {
  ac: string[];
  risks: string[];
  stories: string[];
  disruptive: boolean;
};

export class CheckDefinitionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckDefinitionError';
  }
}

const KEYS = new Set([
  'id',
  'title',
  'priority',
  'component',
  'clusters',
  'story',
  'ac',
  'risks',
  'disruptive',
  'suggestedAction',
  'timeoutMs',
  'retry',
  'targets',
]);
const ID = /^[A-Z][A-Z0-9]*(?:[.-][A-Z0-9]+)*$/;
const show = (v: unknown) => (v === undefined ? 'undefined' : JSON.stringify(v));
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isStrArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isStr);

/** Validate and default; throws one single-line CheckDefinitionError naming file, check and every problem. */
export function parseCheckMeta(meta: unknown, file: string): CheckMeta {
  const m = (meta ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  const unknownKeys = Object.keys(m).filter((k) => !KEYS.has(k));
  if (unknownKeys.length) problems.push(`(meta): unknown key(s) ${unknownKeys.join(', ')}`);
  if (!isStr(m.id) || !ID.test(m.id))
    problems.push(
      `id: expected an id like NET-CILIUM-001 (upper case, digits, "-" or "."), got ${show(m.id)}`,
    );
  if (!isStr(m.title)) problems.push(`title: expected a non-empty string, got ${show(m.title)}`);
  if (!(PRIORITIES as readonly unknown[]).includes(m.priority)) {
    problems.push(
      `priority: priority ${show(m.priority)} is unknown; expected one of ${PRIORITIES.join(', ')}`,
    );
  }
  if (!(COMPONENTS as readonly unknown[]).includes(m.component)) {
    problems.push(
      `component: component tag ${show(m.component)} is unknown; expected one of the tags in helpers/check/tags.ts: ${COMPONENTS.join(', ')}`,
    );
  }
  if (!isStrArray(m.clusters) || m.clusters.length === 0)
    problems.push(`clusters: expected a non-empty list of cluster names, got ${show(m.clusters)}`);
  if (!isStr(m.story)) problems.push(`story: expected a story id, got ${show(m.story)}`);
  for (const k of ['ac', 'risks'] as const)
    if (m[k] !== undefined && !isStrArray(m[k]))
      problems.push(`${k}: expected a list of strings, got ${show(m[k])}`);
  if (isStr(m.story) && [m.ac ?? [], m.risks ?? []].every(isStrArray))
    problems.push(...refProblems(m.story, (m.ac as string[]) ?? [], (m.risks as string[]) ?? []));
  if (m.disruptive !== undefined && typeof m.disruptive !== 'boolean')
    problems.push(`disruptive: expected true or false, got ${show(m.disruptive)}`);
  if (m.suggestedAction !== undefined && typeof m.suggestedAction !== 'string')
    problems.push(`suggestedAction: expected a string`);
  if (m.timeoutMs !== undefined && !(Number.isInteger(m.timeoutMs) && (m.timeoutMs as number) > 0)) {
    problems.push(`timeoutMs: expected a positive integer, got ${show(m.timeoutMs)}`);
  }
  if (
    m.retry !== undefined &&
    !(Number.isInteger(m.retry) && (m.retry as number) >= 0 && (m.retry as number) <= 5)
  ) {
    problems.push(`retry: expected an integer 0..5, got ${show(m.retry)}`);
  }
  if (m.targets !== undefined) {
    const t = m.targets as Record<string, unknown>;
    const bad =
      typeof t !== 'object' || t === null
        ? ['(not an object)']
        : Object.entries(t)
            .filter(([k, v]) => !/^[a-z0-9_]+$/.test(k) || typeof v !== 'number')
            .map(([k]) => k);
    if (bad.length) problems.push(`targets: expected { <snake_case name>: number }, bad: ${bad.join(', ')}`);
  }
  if (problems.length) {
    // one line: vitest shows the first line of a collection error
    throw new CheckDefinitionError(
      `${file}: check ${isStr(m.id) ? m.id : '(no id)'}: ${problems.join('; ')}`,
    );
  }
  const v = m as unknown as CheckMetaInput;
  const ac = (v.ac ?? []).map((r) => qualified(r, v.story));
  const risks = (v.risks ?? []).map((r) => qualified(r, v.story));
  const stories = storiesOf(v.story, ac, risks);
  return { ...v, story: stories[0]!, ac, risks, stories, disruptive: v.disruptive ?? false };
}
