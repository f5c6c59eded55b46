// The layers of helpers/ as docs/ARCHITECTURE.md draws them: every value import between helpers'
// folders is one the document allows, and no file imports itself back through a chain (static
// imports; a lazy import() may close a loop on purpose, e.g. the secret channel loading redact.ts).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const STATIC =
  /^\s*(import|export)\s+(type\s+)?([^'"]*?)\s*from\s*['"](\.[^'"]+)['"]|^\s*import\s+['"](\.[^'"]+)['"]/gm;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return n.endsWith('.ts') && !n.endsWith('.d.ts') ? [p] : [];
  });
}

/** helpers/<folder>, or helpers/<file>.ts for a file at the top of helpers/. */
function layerOf(rel: string): string {
  return `helpers/${rel.split('/')[1]}`;
}

function valueImports(file: string): string[] {
  const out: string[] = [];
  for (const m of readFileSync(file, 'utf8').matchAll(STATIC)) {
    if (m[2]) continue; // import type / export type
    const braces = /^\{([^}]*)\}$/.exec((m[3] ?? '').trim());
    const names =
      braces?.[1]
        ?.split(',')
        .map((n) => n.trim())
        .filter(Boolean) ?? [];
    if (m[1] === 'import' && names.length && names.every((n) => n.startsWith('type '))) continue;
    const spec = m[4] ?? m[5]!;
    const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
    if (existsSync(target)) out.push(target);
  }
  return out;
}

function allowedFromDoc(): Map<string, Set<string>> {
  const doc = readFileSync(path.join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8');
  const block = /```layers\n([\s\S]*?)```/.exec(doc);
  if (!block) throw new Error('docs/ARCHITECTURE.md: no ```layers block');
  const allowed = new Map<string, Set<string>>();
  for (const line of block[1]!.split('\n').filter((l) => l.includes('->'))) {
    const [from, to] = line.split('->').map((x) => x.trim());
    allowed.set(from!, new Set(to ? to.split(/\s+/) : []));
  }
  return allowed;
}

const files = tsFiles(path.join(ROOT, 'helpers'));
const rel = (f: string) => path.relative(ROOT, f).split(path.sep).join('/');

describe('helpers/ layers (docs/ARCHITECTURE.md)', () => {
  it('every import between layers is one the document allows, and every layer is in it', () => {
    const allowed = allowedFromDoc();
    const wrong: string[] = [];
    for (const f of files) {
      const from = layerOf(rel(f));
      if (!allowed.has(from)) wrong.push(`${rel(f)}: layer ${from} is not in the document`);
      for (const t of valueImports(f)) {
        const r = rel(t);
        if (!r.startsWith('helpers/')) {
          wrong.push(`${rel(f)} imports ${r}: helpers/ imports nothing above it`);
          continue;
        }
        const to = layerOf(r);
        if (to !== from && !allowed.get(from)?.has(to))
          wrong.push(`${rel(f)} imports ${r} (${from} -> ${to})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('no import cycle between files (static value imports)', () => {
    const graph = new Map(files.map((f) => [f, valueImports(f)]));
    const state = new Map<string, 1 | 2>();
    const cycles: string[] = [];
    const visit = (f: string, stack: string[]) => {
      state.set(f, 1);
      stack.push(f);
      for (const t of graph.get(f) ?? []) {
        if (state.get(t) === 1) cycles.push([...stack.slice(stack.indexOf(t)), t].map(rel).join(' -> '));
        else if (!state.has(t)) visit(t, stack);
      }
      stack.pop();
      state.set(f, 2);
    };
    for (const f of files) if (!state.has(f)) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('the reading sees a forbidden import (so the tests above can fail)', () => {
    const allowed = allowedFromDoc();
    expect(allowed.get('helpers/config')?.size).toBe(0);
    // helpers/probes really imports helpers/reads, and the document allows it
    const probes = files.filter((f) => rel(f).startsWith('helpers/probes/'));
    expect(probes.flatMap(valueImports).some((t) => rel(t).startsWith('helpers/reads/'))).toBe(true);
    expect(allowed.get('helpers/reads')?.has('helpers/probes')).toBe(false);
  });
});
