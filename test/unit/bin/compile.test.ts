// bin/compile.mjs: `pnpm test` runs bin/test.ts, the preflight and the platform config from cached
// bundles. A cached bundle must never run once one of its sources changed, each module keeps its own
// import.meta.url, and what bin/test.ts imports lazily stays lazy in the bundle.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compiled } from '../../../bin/compile.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const compile = compiled;

const dir = mkdtempSync(path.join(os.tmpdir(), 'pv-compile-'));
const cacheDir = path.join(dir, 'cache');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(entry: string): Promise<{ built: boolean; mod: Record<string, unknown> }> {
  const { file, built } = await compile(entry, { cacheDir });
  return { built, mod: (await import(pathToFileURL(file).href)) as Record<string, unknown> };
}

describe('compiled TypeScript entries (bin/compile.mjs)', () => {
  const src = path.join(dir, 'src');
  const entry = path.join(src, 'a.ts');

  it('builds once, then reuses the build while no source changed', async () => {
    mkdirSync(src, { recursive: true });
    writeFileSync(entry, `import { value } from './b.js';\nexport const answer: number = value;\n`);
    writeFileSync(
      path.join(src, 'b.ts'),
      `export const value: number = 1;\nexport const url = import.meta.url;\n`,
    );
    const first = await load(entry);
    expect(first).toMatchObject({ built: true, mod: { answer: 1 } });
    expect((await load(entry)).built).toBe(false);
  });

  it('a changed import (not the entry) is rebuilt: the stale bundle never runs', async () => {
    writeFileSync(path.join(src, 'b.ts'), `export const value: number = 2;\n`);
    const after = await load(entry);
    expect(after).toMatchObject({ built: true, mod: { answer: 2 } });
  });

  it('a new file in a source directory (it may change how an import resolves) rebuilds too', async () => {
    writeFileSync(path.join(src, 'c.ts'), `export {};\n`);
    expect((await load(entry)).built).toBe(true);
    expect((await load(entry)).built).toBe(false);
  });

  it('each module keeps its own import.meta.url (paths computed from it stay right)', async () => {
    writeFileSync(
      path.join(src, 'b.ts'),
      `export const value: number = 3;\nexport const url = import.meta.url;\n`,
    );
    writeFileSync(entry, `export { url } from './b.js';\n`);
    const { mod } = await load(entry);
    expect(mod.url).toBe(pathToFileURL(path.join(src, 'b.ts')).href);
  });

  it("bin/test.ts's bundle loads @kubernetes/client-node only lazily (a split chunk, not the entry's static graph)", async () => {
    const { file } = await compile(path.join(ROOT, 'bin/test.ts'), { cacheDir });
    const staticImports = (f: string, seen = new Set<string>()): Set<string> => {
      if (seen.has(f)) return seen;
      seen.add(f);
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/^import\s[^'"]*['"]([^'"]+)['"];?$/gm)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) staticImports(path.resolve(path.dirname(f), spec), seen);
        else if (/client-node-[\d.]+-[0-9a-f]+\.mjs$/.test(spec))
          seen.add('@kubernetes/client-node (vendored)');
        else seen.add(spec);
      }
      return seen;
    };
    const graph = staticImports(file);
    expect([...graph].some((s) => s.endsWith('.mjs'))).toBe(true); // the walk follows chunks
    expect([...graph].filter((s) => s.startsWith('@kubernetes/client-node'))).toEqual([]);
    // and a lazy chunk of the same build does import it (so the check above can fail)
    const lazy = readdirSync(path.dirname(file)).filter((f) =>
      /from ["'][^"']*client-node-[\d.]+-[0-9a-f]+\.mjs["']/.test(
        readFileSync(path.join(path.dirname(file), f), 'utf8'),
      ),
    );
    expect(lazy.length).toBeGreaterThan(0);
    expect(lazy.filter((f) => graph.has(path.join(path.dirname(file), f)))).toEqual([]);
  });
});
