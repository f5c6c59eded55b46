// Our TypeScript entry points compiled once to plain JavaScript and cached, so `pnpm test` does not
// transform TypeScript at every run (a vite server in the main process cost ~110 MB of RSS and
// ~0.5 s; tsx in the preflight child ~1 s). One esbuild bundle per entry, packages left external
// (node_modules load natively), dynamic imports split into their own chunks so what a module loads
// lazily (client-node behind the preflight) stays lazy.
//
// A stale build never runs: the cache records every source file the bundle was made of with its
// sha256 (and the listing of each source directory, so a new file that changes how an import
// resolves counts too). Every lookup re-hashes them; any difference and the entry is rebuilt.
// Plain JavaScript because bin/launch.mjs runs it before any TypeScript can be loaded.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// inside the repo's node_modules: the bundles' bare imports resolve to the repo's packages, and a
// reinstall (rm -rf node_modules) drops the cache with them
export const DEFAULT_CACHE_DIR = path.join(ROOT, 'node_modules/.cache/platform-validation/ts');
// bump when the build options below change: every cached bundle is then made again
const FORMAT = 1;

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

function dirListing(dir) {
  try {
    return readdirSync(dir).sort().join('\n');
  } catch {
    return '(missing)';
  }
}

/** The fingerprint of a set of sources: their content and their directories' listings. */
function fingerprint(files) {
  const sources = {};
  for (const f of files) {
    try {
      sources[f] = sha256(readFileSync(f));
    } catch {
      return undefined; // a source is gone: stale
    }
  }
  const dirs = {};
  for (const d of [...new Set(files.map((f) => path.dirname(f)))].sort()) dirs[d] = sha256(dirListing(d));
  return { sources, dirs };
}

function sameFingerprint(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function esbuildModule() {
  return createRequire(import.meta.url)('esbuild');
}

// Each module keeps its own import.meta.url (paths computed from it, e.g. REPO_ROOT, stay right
// although the code now runs from the cache). The sha256 of each source is taken of the very text
// compiled, so a file saved while the build runs can never be recorded with the newer content.
const keepImportMeta = (compiledHashes) => ({
  name: 'keep-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?tsx?$|\.[cm]?js$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const src = readFileSync(args.path, 'utf8');
      compiledHashes.set(path.resolve(args.path), sha256(src));
      const url = JSON.stringify(pathToFileURL(args.path).href);
      const ext = path.extname(args.path).replace(/^\.[cm]?/, '');
      return { contents: src.replace(/\bimport\.meta\.url\b/g, url), loader: ext === 'js' ? 'js' : 'ts' };
    });
  },
});

// @kubernetes/client-node as one minified ES module. The package is ~1,700 files (its generated
// models); loading them one by one costs ~0.6 s of CPU in every process that needs it (the preflight
// and each worker), the single file ~0.2 s (pnpm bench startup). Same code, same version: built from
// the installed package, keyed by its location (pnpm's store path names the version) and version.
const CLIENT_NODE = '@kubernetes/client-node';
const VENDOR_DIR = path.join(ROOT, 'node_modules/.cache/platform-validation/vendor');

/** The path of the single-file build of the installed @kubernetes/client-node (built if missing). */
export async function vendoredClientNode({ vendorDir = VENDOR_DIR } = {}) {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve(`${CLIENT_NODE}/package.json`);
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8'));
  const esbuild = esbuildModule();
  const key = sha256(JSON.stringify([FORMAT, pkgJson, version, esbuild.version])).slice(0, 16);
  const out = path.join(vendorDir, `client-node-${version}-${key}.mjs`);
  if (existsSync(out)) return out;
  mkdirSync(vendorDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    await esbuild.build({
      stdin: { contents: `export * from '${CLIENT_NODE}';`, resolveDir: path.dirname(pkgJson) },
      bundle: true,
      minify: true,
      keepNames: true, // error and class names as the package has them
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: tmp,
      // ws loads its optional native add-ons with require(): left to Node, as without the bundle
      external: ['ws', 'bufferutil', 'utf-8-validate'],
      // the package is CommonJS: its require() calls of Node built-ins need a require in ESM
      banner: {
        js: "import { createRequire as __pvRequire } from 'node:module'; const require = __pvRequire(import.meta.url);",
      },
      logLevel: 'silent',
    });
    renameSync(tmp, out);
  } finally {
    rmSync(tmp, { force: true });
  }
  return out;
}

// our bundles import client-node through its single-file build (one copy per process: its classes,
// e.g. ApiException, are the same ones everywhere)
const useVendored = (file) => ({
  name: 'vendored-client-node',
  setup(build) {
    build.onResolve({ filter: /^@kubernetes\/client-node$/ }, () => ({ path: file, external: true }));
  },
});

/**
 * The JavaScript file to import for TypeScript `entry` (absolute path), built now if the cache has
 * none or a stale one. `cacheDir` is for tests. Returns `{ file, built }`.
 */
export async function compiled(entry, { cacheDir = DEFAULT_CACHE_DIR, vendorDir } = {}) {
  const abs = path.resolve(entry);
  const esbuild = esbuildModule();
  const vendored = await vendoredClientNode(vendorDir ? { vendorDir } : undefined);
  // one slot per entry and toolchain: a different esbuild, Node or client-node never reads another's output
  const slot = path.join(
    cacheDir,
    sha256(JSON.stringify([FORMAT, abs, esbuild.version, process.version, vendored])).slice(0, 16),
  );
  const current = path.join(slot, 'current.json');
  const outName = `${path.basename(abs).replace(/\.[cm]?tsx?$/, '')}.mjs`;
  if (existsSync(current)) {
    try {
      const rec = JSON.parse(readFileSync(current, 'utf8'));
      const out = path.join(slot, rec.build, outName);
      if (
        existsSync(out) &&
        sameFingerprint(fingerprint(Object.keys(rec.fingerprint.sources)), rec.fingerprint)
      ) {
        return { file: out, built: false };
      }
    } catch {
      // unreadable record: build again
    }
  }
  mkdirSync(slot, { recursive: true });
  const tmp = path.join(slot, `.tmp-${process.pid}-${Date.now()}`);
  const compiledHashes = new Map();
  try {
    const result = await esbuild.build({
      entryPoints: { [outName.replace(/\.mjs$/, '')]: abs },
      bundle: true,
      splitting: true,
      packages: 'external',
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      metafile: true,
      logLevel: 'silent',
      plugins: [useVendored(vendored), keepImportMeta(compiledHashes)],
    });
    // and what esbuild reads besides the sources: the repo's tsconfig.json (compiler options) and
    // package.json (module type)
    const files = [
      ...Object.keys(result.metafile.inputs).map((f) => path.resolve(f)),
      path.join(ROOT, 'tsconfig.json'),
      path.join(ROOT, 'package.json'),
    ];
    const fp = fingerprint(files);
    if (!fp) throw new Error(`${abs}: a source disappeared while it was compiled`);
    // the hash of what was compiled, not of what is on disk now
    for (const [f, h] of compiledHashes) if (f in fp.sources) fp.sources[f] = h;
    const build = sha256(JSON.stringify(fp)).slice(0, 16);
    const dest = path.join(slot, build);
    try {
      renameSync(tmp, dest);
    } catch (e) {
      // a concurrent run made the same build first: identical, keep theirs
      if (!existsSync(path.join(dest, outName))) throw e;
    }
    const recTmp = `${current}.${process.pid}`;
    writeFileSync(recTmp, JSON.stringify({ build, fingerprint: fp }));
    renameSync(recTmp, current);
    // older builds of this entry, once a day old: a run started before the change may still import
    // one of its lazy chunks
    for (const d of readdirSync(slot)) {
      const p = path.join(slot, d);
      // a concurrent run's temporary may be renamed away between the listing and the stat
      const mtimeMs = statSync(p, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (d !== build && d !== 'current.json' && Date.now() - mtimeMs > 86_400_000) {
        rmSync(p, { recursive: true, force: true });
      }
    }
    return { file: path.join(dest, outName), built: true };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Imports TypeScript `file` through its compiled bundle. */
export async function importCompiled(file, opts) {
  const { file: out } = await compiled(file, opts);
  return import(pathToFileURL(out).href);
}
