// Launcher of the TypeScript entry points (`node bin/launch.mjs bin/test.ts args…`).
// vitest's node API is loaded natively first and handed over; only our own .ts files go through
// tsx (scoped tsImport). Loading vitest through a global tsx loader (`tsx bin/test.ts`) costs
// ~180 MB of RSS and seconds of start-up for nothing: it is plain JavaScript.
import path from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node bin/launch.mjs <file.ts> [args...]\n');
  process.exit(2);
}
globalThis[Symbol.for('pv.vitestNode')] = await import('vitest/node');
process.argv = [process.argv[0], path.resolve(entry), ...rest];
const { tsImport } = await import('tsx/esm/api');
await tsImport(pathToFileURL(path.resolve(entry)).href, import.meta.url);
