// The main process of `pnpm test` lives next to the workers for the whole run: what bin/test.ts loads
// at start-up stays resident (pnpm bench framework-overhead). @kubernetes/client-node belongs in the
// preflight child and the workers; the main process loads it only lazily, for an end-of-run cleanup.
// A static walk of bin/test.ts's value imports (type-only imports and dynamic import() are not
// followed: TypeScript erases the first, the second loads only when reached).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const IMPORT = /^\s*(import|export)\s+([^'"]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm;

function typeOnly(kw: string, clause: string): boolean {
  if (/^type\s/.test(clause)) return true; // import type {...} / export type {...}
  const braces = /^\{([^}]*)\}$/.exec(clause.trim());
  if (!braces) return false;
  const names = braces[1]!
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  return kw === 'import' && names.length > 0 && names.every((n) => n.startsWith('type '));
}

/** Every file and package bin/test.ts reaches by static value imports. */
function staticGraph(entry: string | string[]): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>(); // package -> first importer
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(IMPORT)) {
      const spec = m[3] ?? m[4]!;
      if (m[3] && typeOnly(m[1]!, m[2]!)) continue;
      if (spec.startsWith('.')) {
        const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
        if (existsSync(target)) visit(target);
        else if (existsSync(path.resolve(path.dirname(file), spec)))
          visit(path.resolve(path.dirname(file), spec));
      } else if (!spec.startsWith('node:')) {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        if (!packages.has(pkg)) packages.set(pkg, path.relative(ROOT, file));
      }
    }
  };
  for (const e of [entry].flat()) visit(path.join(ROOT, e));
  return { files, packages };
}

describe("the main process's start-up imports", () => {
  it('bin/test.ts does not load @kubernetes/client-node (nor the protocol clients) at start-up', () => {
    const { files, packages } = staticGraph('bin/test.ts');
    expect(files.size).toBeGreaterThan(10); // the walk follows the graph
    for (const heavy of ['@kubernetes/client-node', 'kafkajs', 'pg', 'ioredis', 'undici']) {
      expect(packages.get(heavy), `${heavy} imported statically by ${packages.get(heavy)}`).toBeUndefined();
    }
  });

  it('the walk sees a value import through a chain (so the test above can fail)', () => {
    // helpers/cluster/wait.ts imports client-node for ApiException
    expect(staticGraph('helpers/cluster/wait.ts').packages.has('@kubernetes/client-node')).toBe(true);
    expect(staticGraph('helpers/check/preflight.ts').packages.has('@kubernetes/client-node')).toBe(false);
  });
});

describe("the workers' imports", () => {
  // a run imports every suite file to select its checks (-t, --grep): a protocol library a suite's
  // helpers import statically is loaded in every worker (~0.1 s of CPU each, pnpm bench startup)
  const suites = readdirSync(path.join(ROOT, 'suites'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join('suites', f));

  it('no suite loads pg, ioredis, kafkajs, undici, dns2, spdy-transport or pako before a check uses it', () => {
    const { files, packages } = staticGraph(suites);
    expect(suites.length).toBeGreaterThan(10);
    expect(files.size).toBeGreaterThan(50); // the walk follows the graph
    for (const lib of ['pg', 'ioredis', 'kafkajs', 'undici', 'dns2', 'spdy-transport', 'pako']) {
      expect(packages.get(lib), `${lib} imported statically by ${packages.get(lib)}`).toBeUndefined();
    }
  });
});
