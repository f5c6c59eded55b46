// `--grep` tag expressions. vitest 4.1's tagsFilter already accepts `P0 || P1`, `dragonfly && P0`,
// `!disruptive`, `and`/`or`/`not`, parentheses and `*` wildcards (see @vitest/runner
// parseTagsExpression), so the expression is passed through verbatim. This parser mirrors that
// grammar only to reject unknown tags and bad syntax up front — before any cluster is touched —
// and to evaluate selections in the reporter (e.g. to count disruptive checks that were excluded).
export type TagNode =
  | { type: 'tag'; value: string; pattern?: RegExp }
  | { type: 'not'; operand: TagNode }
  | { type: 'and' | 'or'; left: TagNode; right: TagNode };

export class TagExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TagExpressionError';
  }
}

type Tok = { t: 'tag'; v: string } | { t: '(' | ')' | '!' | '&&' | '||' | 'eof' };

function tokenize(expr: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const push = (tok: Tok, len: number) => {
    out.push(tok);
    i += len;
  };
  while (i < expr.length) {
    const ch = expr[i]!;
    const rest = expr.slice(i);
    if (ch === ' ' || ch === '\t') i++;
    else if (ch === '(' || ch === ')' || ch === '!') push({ t: ch }, 1);
    else if (rest.startsWith('&&') || rest.startsWith('||')) push({ t: rest.slice(0, 2) as '&&' | '||' }, 2);
    else if (/^and(?:\s|\)|$)/i.test(rest)) push({ t: '&&' }, 3);
    else if (/^or(?:\s|\)|$)/i.test(rest)) push({ t: '||' }, 2);
    else if (/^not\s/i.test(rest)) push({ t: '!' }, 3);
    else {
      const m = /^[^\s()!&|]+/.exec(rest);
      if (!m)
        throw new TagExpressionError(`invalid tag expression "${expr}": unexpected "${ch}" (use && and ||)`);
      push({ t: 'tag', v: m[0] }, m[0].length);
    }
  }
  out.push({ t: 'eof' });
  return out;
}

/** Parse and validate against the known tags; throws TagExpressionError listing the known tags. */
export function parseTagExpression(expr: string, known: readonly string[]): TagNode {
  if (!expr.trim())
    throw new TagExpressionError('empty tag expression; expected e.g. "P0", "P0 || P1", "dragonfly && P0"');
  const toks = tokenize(expr);
  let pos = 0;
  const peek = () => toks[pos]!;
  const fail = (what: string): never => {
    throw new TagExpressionError(`invalid tag expression "${expr}": ${what}`);
  };
  const primary = (): TagNode => {
    const tok = toks[pos++]!;
    if (tok.t === '(') {
      const e = or();
      if (toks[pos++]!.t !== ')') fail('missing closing ")"');
      return e;
    }
    if (tok.t === '!') return { type: 'not', operand: primary() };
    if (tok.t === 'tag') {
      if (tok.v.includes('*')) {
        const pattern = new RegExp(`^${tok.v.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
        if (!known.some((k) => pattern.test(k))) unknown(tok.v, known);
        return { type: 'tag', value: tok.v, pattern };
      }
      if (!known.includes(tok.v)) unknown(tok.v, known);
      return { type: 'tag', value: tok.v };
    }
    return fail(tok.t === 'eof' ? 'unexpected end of expression' : `unexpected "${tok.t}"`);
  };
  const and = (): TagNode => {
    let l = primary();
    while (peek().t === '&&') {
      pos++;
      l = { type: 'and', left: l, right: primary() };
    }
    return l;
  };
  const or = (): TagNode => {
    let l = and();
    while (peek().t === '||') {
      pos++;
      l = { type: 'or', left: l, right: and() };
    }
    return l;
  };
  const ast = or();
  if (peek().t !== 'eof') fail(`unexpected "${(peek() as { v?: string }).v ?? peek().t}"`);
  return ast;
}

function unknown(tag: string, known: readonly string[]): never {
  throw new TagExpressionError(`unknown tag "${tag}" in --grep; known tags: ${known.join(', ')}`);
}

export function evaluateTags(node: TagNode, tags: readonly string[]): boolean {
  switch (node.type) {
    case 'tag':
      return node.pattern ? tags.some((t) => node.pattern!.test(t)) : tags.includes(node.value);
    case 'not':
      return !evaluateTags(node.operand, tags);
    case 'and':
      return evaluateTags(node.left, tags) && evaluateTags(node.right, tags);
    case 'or':
      return evaluateTags(node.left, tags) || evaluateTags(node.right, tags);
  }
}

/** vitest `tagsFilter` entries (ANDed by vitest) for a selection. */
export function toTagsFilter(grep: string | undefined, allowDisruptive: boolean): string[] | undefined {
  const f = [...(grep ? [grep] : []), ...(allowDisruptive ? [] : ['!disruptive'])];
  return f.length ? f : undefined;
}
