import { describe, expect, it } from 'vitest';
import { ALL_TAGS } from '../../../helpers/check/tags.js';
import {
  evaluateTags,
  parseTagExpression,
  TagExpressionError,
  toTagsFilter,
} from '../../../helpers/check/tag-expr.js';

const sel = (expr: string, tags: string[]) => evaluateTags(parseTagExpression(expr, ALL_TAGS), tags);

describe('--grep tag expressions (vitest tagsFilter syntax)', () => {
  it('selects by a single tag, || and &&', () => {
    expect(sel('P0', ['P0', 'cilium'])).toBe(true);
    expect(sel('P0', ['P1', 'cilium'])).toBe(false);
    expect(sel('P0 || P1', ['P1', 'kafka'])).toBe(true);
    expect(sel('P0 || P1', ['P2', 'kafka'])).toBe(false);
    expect(sel('dragonfly && P0', ['P0', 'dragonfly'])).toBe(true);
    expect(sel('dragonfly && P0', ['P0', 'kafka'])).toBe(false);
    expect(sel('dragonfly && P0', ['P1', 'dragonfly'])).toBe(false);
  });

  it('supports !, and/or/not words, parentheses, precedence and wildcards', () => {
    expect(sel('!disruptive', ['P0'])).toBe(true);
    expect(sel('!disruptive', ['P0', 'disruptive'])).toBe(false);
    expect(sel('(kafka or dragonfly) and not P2', ['P1', 'kafka'])).toBe(true);
    expect(sel('(kafka or dragonfly) and not P2', ['P2', 'kafka'])).toBe(false);
    // && binds tighter than ||
    expect(sel('P0 || P1 && kafka', ['P0', 'cilium'])).toBe(true);
    expect(sel('P0 || P1 && kafka', ['P1', 'cilium'])).toBe(false);
    expect(sel('victoria*', ['P2', 'victorialogs'])).toBe(true);
    expect(sel('victoria*', ['P2', 'grafana'])).toBe(false);
  });

  it('rejects an unknown tag, listing the known ones', () => {
    expect(() => parseTagExpression('P0 || bogus', ALL_TAGS)).toThrow(TagExpressionError);
    expect(() => parseTagExpression('P0 || bogus', ALL_TAGS)).toThrow(
      /unknown tag "bogus".*known tags: P0, P1, P2, .*cilium.*disruptive/,
    );
    expect(() => parseTagExpression('p0', ALL_TAGS)).toThrow(/unknown tag "p0"/); // tags are case-sensitive, as in vitest
    expect(() => parseTagExpression('nomatch*', ALL_TAGS)).toThrow(/unknown tag "nomatch\*"/);
  });

  it('rejects bad syntax with the expression in the message', () => {
    expect(() => parseTagExpression('P0 ||', ALL_TAGS)).toThrow(
      /invalid tag expression "P0 \|\|": unexpected end/,
    );
    expect(() => parseTagExpression('(P0 || P1', ALL_TAGS)).toThrow(/missing closing/);
    expect(() => parseTagExpression('P0 P1', ALL_TAGS)).toThrow(/unexpected "P1"/);
    expect(() => parseTagExpression('P0 & P1', ALL_TAGS)).toThrow(/invalid tag expression/);
    expect(() => parseTagExpression('  ', ALL_TAGS)).toThrow(/empty tag expression/);
  });

  it('maps onto vitest tagsFilter: the expression verbatim, disruptive excluded unless allowed', () => {
    expect(toTagsFilter('P0 || P1', false)).toEqual(['P0 || P1', '!disruptive']);
    expect(toTagsFilter('dragonfly && P0', true)).toEqual(['dragonfly && P0']);
    expect(toTagsFilter(undefined, false)).toEqual(['!disruptive']);
    expect(toTagsFilter(undefined, true)).toBeUndefined();
  });
});
