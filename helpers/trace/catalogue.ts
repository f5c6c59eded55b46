// What the gate traces checks against: every acceptance-criterion bullet, test-design scenario and
// risk-profile item of the reference stories, with a stable id per story, and each profile's risks.
// The lists live in the project (helpers/trace/stories/), so a user's clone needs nothing beside it.
// A check names the items and risks it verifies (`ac`, `risks`); an id not listed here is an error
// at collection, like an unknown tag.
import { BOOT_CORE } from './stories/boot-core.js';
import { CILIUM_CORE_GITOPS } from './stories/cilium-core-gitops.js';
import { DRAGONFLY_OPERATOR_CLUSTER } from './stories/dragonfly-operator-cluster.js';
import { GITOPS_SYNC_RISKS } from './stories/gitops-sync-risks.js';
import { VALIDATE_NETWORKING } from './stories/validate-networking.js';
import type { StoryInfo } from './types.js';

export type { ItemKind, ItemScope, Risk, RiskLevel, StoryInfo, TraceItem } from './types.js';

export const STORIES: readonly StoryInfo[] = [
  VALIDATE_NETWORKING,
  BOOT_CORE,
  CILIUM_CORE_GITOPS,
  DRAGONFLY_OPERATOR_CLUSTER,
  GITOPS_SYNC_RISKS,
];

/** The pseudo-story of a gate over every check of the run. */
export const PLATFORM_STORY = 'platform';

/** A story by id or alias (`STORY-BOOT-CORE`, `boot`), case-insensitive. */
export function findStory(idOrAlias: string): StoryInfo | undefined {
  const want = idOrAlias.trim().toUpperCase();
  return STORIES.find((s) => s.id === want || s.alias === want);
}

export function storySlug(id: string): string {
  return id
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** `STORY-ID:REF` of a ref written `REF` (in `story`) or `STORY-OR-ALIAS:REF`. */
export function qualify(ref: string, story: string): { story: string; ref: string } {
  const i = ref.indexOf(':');
  if (i < 0) return { story: findStory(story)?.id ?? story, ref: ref.trim() };
  const s = ref.slice(0, i);
  return { story: findStory(s)?.id ?? s.toUpperCase(), ref: ref.slice(i + 1).trim() };
}

export const qualified = (ref: string, story: string): string => {
  const q = qualify(ref, story);
  return `${q.story}:${q.ref}`;
};

/**
 * Problems with a check's story, item and risk refs against the catalogue, each naming the ref and
 * what is known; empty when all resolve.
 */
export function refProblems(story: string, ac: string[], risks: string[]): string[] {
  const problems: string[] = [];
  const primary = findStory(story);
  if (!primary)
    problems.push(
      `story: ${JSON.stringify(story)} is unknown; expected one of ${STORIES.map((s) => `${s.id} (${s.alias})`).join(', ')}`,
    );
  const check = (kind: 'ac' | 'risks', ref: string) => {
    const q = qualify(ref, story);
    const s = findStory(q.story);
    if (!s) {
      problems.push(`${kind}: ${JSON.stringify(ref)} names unknown story ${q.story}`);
      return;
    }
    const known = kind === 'ac' ? s.items.map((x) => x.id) : s.risks.map((x) => x.id);
    if (!known.includes(q.ref))
      problems.push(
        `${kind}: ${JSON.stringify(ref)} is not ${kind === 'ac' ? 'an item' : 'a risk'} of ${s.id} (helpers/trace/stories); known: ${known.slice(0, 8).join(', ')}${known.length > 8 ? `, … (${known.length})` : ''}`,
      );
  };
  if (primary || ac.concat(risks).every((r) => r.includes(':'))) {
    for (const r of ac) check('ac', r);
    for (const r of risks) check('risks', r);
  }
  return problems;
}

/** The stories a check credits: its own first, then those its qualified refs name. */
export function storiesOf(story: string, ac: string[], risks: string[]): string[] {
  const out = [findStory(story)?.id ?? story];
  for (const r of [...ac, ...risks]) {
    const s = qualify(r, story).story;
    if (!out.includes(s)) out.push(s);
  }
  return out;
}
