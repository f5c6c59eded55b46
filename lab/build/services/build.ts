/**
 * Builds/resolves the artifacts of the lab's real services into the versioned cache:
 * - CoreDNS: `go install github.com/coredns/coredns@<COREDNS_VERSION>` (Go module proxy)
 * - VictoriaMetrics single-node + VictoriaLogs + vmalert: `go mod download` of the VictoriaMetrics
 *   module at <VICTORIAMETRICS_VERSION>, then `go build ./app/victoria-metrics ./app/victoria-logs
 *   ./app/vmalert` in a
 *   writable copy (its go.mod has replace directives, so `go install pkg@version` refuses it)
 * - Kafka: `mvn dependency:copy-dependencies` of lab/build/services/kafka/pom.xml (Maven Central)
 * - Schema registry: Avro + Jackson jars the same way, then javac of
 *   lab/services/schema-registry/LabSchemaRegistry.java against them
 * - upstream CRDs (Gateway API, Flux source-controller): `go mod download` of the module at its
 *   version, the CRD manifests copied out (nothing is built; artifacts.ts lists which)
 * - Flux source-controller and kustomize-controller: `go build <module>` in a wrapper module that
 *   requires the controller at its version and carries its go.mod's module replaces (its own
 *   `replace .../api => ./api` makes `go install pkg@version` refuse it; the api module it requires
 *   is served at the same version)
 * Each artifact is skipped when its `.complete` marker exists, so a warm build takes ~1 s.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  SCHEMA_REGISTRY_SOURCE,
  SERVICES_BUILD_DIR,
  isComplete,
  readServiceVersions,
  serviceArtifacts,
  type ServiceVersions,
  type FluxControllerBuild,
  type UpstreamCrdSource,
} from './artifacts.js';

export interface BuildServicesOptions {
  /** one line per step / progress tick */
  progress?: (message: string) => void;
  /** rebuild even when cached */
  force?: boolean;
  /** do not report artifacts that are already cached */
  quiet?: boolean;
}

interface RunOpts {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** called per output line (progress counting) */
  onLine?: (line: string) => void;
}

function run(command: string, args: string[], opts: RunOpts): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let partial = '';
    const onData = (d: Buffer) => {
      const s = d.toString();
      out = (out + s).slice(-20_000);
      if (opts.onLine) {
        const lines = (partial + s).split('\n');
        partial = lines.pop() ?? '';
        lines.forEach(opts.onLine);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      const hint = (e as NodeJS.ErrnoException).code === 'ENOENT' ? ` ('${command}' not found on PATH)` : '';
      reject(new Error(`${command}: ${e.message}${hint}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else {
        const why = signal
          ? `killed by ${signal}${signal === 'SIGKILL' ? ` after ${opts.timeoutMs} ms` : ''}`
          : `exit ${code}`;
        reject(
          new Error(
            `${command} ${args.join(' ')} failed (${why}):\n${out.trim().split('\n').slice(-25).join('\n')}`,
          ),
        );
      }
    });
  });
}

function cached(o: BuildServicesOptions, what: string): void {
  if (!o.quiet) o.progress?.(`${what}: cached`);
}

function requireTool(tool: string, fix: string): Promise<void> {
  return run(tool, tool === 'go' ? ['version'] : ['-version'], { timeoutMs: 30_000 }).then(
    () => undefined,
    () => {
      throw new Error(`'${tool}' is needed to build the lab services but is not runnable: ${fix}`);
    },
  );
}

async function buildCoreDNS(cache: string, v: ServiceVersions, o: BuildServicesOptions): Promise<void> {
  const a = serviceArtifacts(cache, v);
  if (isComplete(a.corednsDir) && !o.force) return cached(o, `coredns ${v.COREDNS_VERSION}`);
  await requireTool('go', 'install Go >= 1.24 (Debian golang-go or go.dev)');
  fs.rmSync(a.corednsDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(a.corednsDir, 'bin'), { recursive: true });
  o.progress?.(`coredns ${v.COREDNS_VERSION}: go install github.com/coredns/coredns (cold: several minutes)`);
  let packages = 0;
  const started = Date.now();
  await run(
    'go',
    ['install', '-v', '-trimpath', '-ldflags=-s -w', `github.com/coredns/coredns@${v.COREDNS_VERSION}`],
    {
      cwd: a.corednsDir,
      env: {
        ...process.env,
        GOBIN: path.join(a.corednsDir, 'bin'),
        CGO_ENABLED: '0',
        GOTOOLCHAIN: 'local',
        GOFLAGS: '-mod=mod',
      },
      timeoutMs: 60 * 60_000,
      onLine: (line) => {
        if (/^[a-z0-9.-]+\.[a-z]+\/|^[a-z]+(\/|$)/.test(line) && !line.startsWith('go: ')) {
          packages++;
          if (packages % 50 === 0) o.progress?.(`coredns: ${packages} packages compiled`);
        }
      },
    },
  );
  if (!fs.existsSync(a.coredns)) throw new Error(`coredns build finished but ${a.coredns} is missing`);
  fs.writeFileSync(path.join(a.corednsDir, '.complete'), `${new Date().toISOString()}\n`);
  o.progress?.(`coredns ${v.COREDNS_VERSION}: built in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function buildVictoria(cache: string, v: ServiceVersions, o: BuildServicesOptions): Promise<void> {
  const a = serviceArtifacts(cache, v);
  const what = `victoriametrics ${v.VICTORIAMETRICS_VERSION}`;
  // a cache built before vmalert joined the set is rebuilt
  if (isComplete(a.victoriaDir) && fs.existsSync(a.vmalert) && !o.force) return cached(o, what);
  await requireTool('go', 'install Go >= 1.24 (Debian golang-go or go.dev)');
  fs.rmSync(a.victoriaDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(a.victoriaDir, 'bin'), { recursive: true });
  const env = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' };
  const started = Date.now();
  o.progress?.(`${what}: go mod download github.com/VictoriaMetrics/VictoriaMetrics`);
  const info = JSON.parse(
    await run(
      'go',
      ['mod', 'download', '-json', `github.com/VictoriaMetrics/VictoriaMetrics@${v.VICTORIAMETRICS_VERSION}`],
      { cwd: a.victoriaDir, env, timeoutMs: 20 * 60_000 },
    ),
  ) as { Dir?: string; Error?: string };
  if (!info.Dir)
    throw new Error(`${what}: go mod download gave no module directory (${info.Error ?? 'no error text'})`);
  // the module cache is read-only; the build needs the module as the main module (replace directives)
  const src = path.join(a.victoriaDir, 'src');
  fs.cpSync(info.Dir, src, { recursive: true });
  await run('chmod', ['-R', 'u+w', src], { timeoutMs: 60_000 });
  o.progress?.(`${what}: go build victoria-metrics victoria-logs vmalert (CGO off; cold: several minutes)`);
  let packages = 0;
  await run(
    'go',
    [
      'build',
      '-v',
      '-trimpath',
      '-ldflags=-s -w',
      '-o',
      path.join(a.victoriaDir, 'bin') + path.sep,
      './app/victoria-metrics',
      './app/victoria-logs',
      './app/vmalert',
    ],
    {
      cwd: src,
      env,
      timeoutMs: 60 * 60_000,
      onLine: (line) => {
        if (!line.startsWith('go: ') && /^[\w.-]+(\/[\w.-]+)*$/.test(line.trim())) {
          packages++;
          if (packages % 50 === 0) o.progress?.(`victoriametrics: ${packages} packages compiled`);
        }
      },
    },
  );
  fs.rmSync(src, { recursive: true, force: true });
  for (const bin of [a.victoriaMetrics, a.victoriaLogs, a.vmalert]) {
    if (!fs.existsSync(bin)) throw new Error(`${what}: build finished but ${bin} is missing`);
  }
  fs.writeFileSync(path.join(a.victoriaDir, '.complete'), `${new Date().toISOString()}\n`);
  o.progress?.(`${what}: built in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function mavenCopy(pomDir: string, outLibs: string, props: Record<string, string>): Promise<void> {
  await run(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      path.join(pomDir, 'pom.xml'),
      'dependency:copy-dependencies',
      `-DoutputDirectory=${outLibs}`,
      '-DincludeScope=runtime',
      ...Object.entries(props).map(([k, val]) => `-D${k}=${val}`),
    ],
    { timeoutMs: 20 * 60_000 },
  );
}

async function buildKafka(cache: string, v: ServiceVersions, o: BuildServicesOptions): Promise<void> {
  const a = serviceArtifacts(cache, v);
  if (isComplete(a.kafkaDir) && !o.force) return cached(o, `kafka ${v.KAFKA_VERSION}`);
  await requireTool('mvn', 'install Maven (apt-get install maven)');
  fs.rmSync(a.kafkaDir, { recursive: true, force: true });
  o.progress?.(
    `kafka ${v.KAFKA_VERSION}: resolving org.apache.kafka:kafka_2.13 and its runtime dependencies (Maven Central)`,
  );
  const started = Date.now();
  await mavenCopy(path.join(SERVICES_BUILD_DIR, 'kafka'), a.kafkaLibs, { 'kafka.version': v.KAFKA_VERSION });
  if (!fs.existsSync(path.join(a.kafkaLibs, `kafka_2.13-${v.KAFKA_VERSION}.jar`))) {
    throw new Error(
      `kafka jars resolved but kafka_2.13-${v.KAFKA_VERSION}.jar is missing from ${a.kafkaLibs}`,
    );
  }
  fs.writeFileSync(path.join(a.kafkaDir, '.complete'), `${new Date().toISOString()}\n`);
  o.progress?.(
    `kafka ${v.KAFKA_VERSION}: ${fs.readdirSync(a.kafkaLibs).length} jars in ${Math.round((Date.now() - started) / 1000)} s`,
  );
}

async function buildSchemaRegistry(
  cache: string,
  v: ServiceVersions,
  o: BuildServicesOptions,
): Promise<void> {
  const a = serviceArtifacts(cache, v);
  const started = Date.now();
  if (!isComplete(a.schemaRegistryDir) || o.force) {
    await requireTool('mvn', 'install Maven (apt-get install maven)');
    fs.rmSync(a.schemaRegistryDir, { recursive: true, force: true });
    o.progress?.(
      `schema-registry: resolving org.apache.avro:avro ${v.AVRO_VERSION} and kafka-clients ${v.KAFKA_VERSION} (Maven Central)`,
    );
    await mavenCopy(path.join(SERVICES_BUILD_DIR, 'schema-registry'), a.schemaRegistryLibs, {
      'avro.version': v.AVRO_VERSION,
      'kafka.version': v.KAFKA_VERSION,
    });
    fs.writeFileSync(path.join(a.schemaRegistryDir, '.complete'), `${new Date().toISOString()}\n`);
  }
  if (isComplete(a.schemaRegistryClasses) && !o.force) return cached(o, 'schema-registry');
  await requireTool('javac', 'install a JDK >= 17 (apt-get install openjdk-17-jdk-headless)');
  fs.rmSync(a.schemaRegistryClasses, { recursive: true, force: true });
  fs.mkdirSync(a.schemaRegistryClasses, { recursive: true });
  o.progress?.('schema-registry: javac LabSchemaRegistry.java');
  await run(
    'javac',
    [
      '-nowarn',
      '-d',
      a.schemaRegistryClasses,
      '-cp',
      path.join(a.schemaRegistryLibs, '*'),
      SCHEMA_REGISTRY_SOURCE,
    ],
    { timeoutMs: 5 * 60_000 },
  );
  fs.writeFileSync(path.join(a.schemaRegistryClasses, '.complete'), `${new Date().toISOString()}\n`);
  o.progress?.(`schema-registry: built in ${Math.round((Date.now() - started) / 1000)} s`);
}

async function fetchUpstreamCrds(src: UpstreamCrdSource, o: BuildServicesOptions): Promise<void> {
  const what = `CRDs of ${src.module} ${src.version}`;
  if (isComplete(src.cacheDir) && !o.force) return cached(o, what);
  await requireTool('go', 'install Go >= 1.24 (Debian golang-go or go.dev)');
  fs.rmSync(src.cacheDir, { recursive: true, force: true });
  fs.mkdirSync(src.cacheDir, { recursive: true });
  o.progress?.(`${what}: go mod download`);
  const info = JSON.parse(
    await run('go', ['mod', 'download', '-json', `${src.module}@${src.version}`], {
      cwd: src.cacheDir,
      env: { ...process.env, GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' },
      timeoutMs: 10 * 60_000,
    }).catch((e: unknown) => {
      // go prints the JSON with an Error field and exits 1 (e.g. a 403 from the proxy)
      throw new Error(
        `${what}: go mod download failed: ${(e as Error).message.split('\n').slice(-3).join(' ')}`,
      );
    }),
  ) as { Dir?: string; Error?: string };
  if (!info.Dir)
    throw new Error(`${what}: go mod download gave no module directory (${info.Error ?? 'no error text'})`);
  let n = 0;
  for (const { dir, files } of src.dirs) {
    const from = path.join(info.Dir, dir);
    for (const f of files ??
      fs.readdirSync(from).filter((x) => x.endsWith('.yaml') && x !== 'kustomization.yaml')) {
      fs.copyFileSync(path.join(from, f), path.join(src.cacheDir, f));
      n++;
    }
  }
  fs.writeFileSync(path.join(src.cacheDir, '.complete'), `${new Date().toISOString()}\n`);
  o.progress?.(`${what}: ${n} CRDs`);
}

interface GoModJson {
  Go?: string;
  Replace?: { Old: { Path: string; Version?: string }; New: { Path: string; Version?: string } }[];
}

async function buildFluxController(b: FluxControllerBuild, o: BuildServicesOptions): Promise<void> {
  const what = `${b.name} ${b.version}`;
  if (isComplete(b.dir) && fs.existsSync(b.binary) && !o.force) return cached(o, what);
  await requireTool('go', 'install Go >= 1.24 (Debian golang-go or go.dev)');
  fs.rmSync(b.dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(b.dir, 'bin'), { recursive: true });
  const env = { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod' };
  const started = Date.now();
  o.progress?.(`${what}: go mod download ${b.module}`);
  const info = JSON.parse(
    await run('go', ['mod', 'download', '-json', `${b.module}@${b.version}`], {
      cwd: b.dir,
      env,
      timeoutMs: 20 * 60_000,
    }),
  ) as { GoMod?: string; Error?: string };
  if (!info.GoMod)
    throw new Error(`${what}: go mod download gave no go.mod (${info.Error ?? 'no error text'})`);
  // its own stdout only (its Require list alone is larger than run()'s kept output)
  const upstream = JSON.parse(
    execFileSync('go', ['mod', 'edit', '-json', info.GoMod], {
      cwd: b.dir,
      env,
      encoding: 'utf8',
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    }),
  ) as GoModJson;
  // the wrapper: the controller's own Go version and its replaces of other modules (not ./api)
  const src = path.join(b.dir, 'src');
  fs.mkdirSync(src);
  const replaces = (upstream.Replace ?? []).filter((r) => r.New.Version);
  fs.writeFileSync(
    path.join(src, 'go.mod'),
    [
      `module pvlab/${b.name}`,
      '',
      `go ${upstream.Go ?? '1.24'}`,
      '',
      `require ${b.module} ${b.version}`,
      '',
      ...replaces.map(
        (r) =>
          `replace ${r.Old.Path}${r.Old.Version ? ` ${r.Old.Version}` : ''} => ${r.New.Path} ${r.New.Version}`,
      ),
      '',
    ].join('\n'),
  );
  o.progress?.(`${what}: go build (CGO off; cold: several minutes)`);
  let packages = 0;
  await run('go', ['build', '-v', '-trimpath', '-ldflags=-s -w', '-o', b.binary, b.module], {
    cwd: src,
    env,
    timeoutMs: 60 * 60_000,
    onLine: (line) => {
      if (!line.startsWith('go: ') && /^[\w.-]+(\/[\w.-]+)*$/.test(line.trim())) {
        packages++;
        if (packages % 100 === 0) o.progress?.(`${b.name}: ${packages} packages compiled`);
      }
    },
  });
  fs.rmSync(src, { recursive: true, force: true });
  if (!fs.existsSync(b.binary)) throw new Error(`${what}: build finished but ${b.binary} is missing`);
  fs.writeFileSync(path.join(b.dir, '.complete'), `${new Date().toISOString()}\n`);
  o.progress?.(`${what}: built in ${Math.round((Date.now() - started) / 1000)} s`);
}

/**
 * Build every service artifact (in parallel: the Go build is CPU-bound, Maven network-bound).
 * `ctx` needs only `paths.cache` (LabContext satisfies it).
 */
export async function buildServices(
  ctx: { paths: { cache: string } },
  opts: BuildServicesOptions = {},
): Promise<void> {
  const v = readServiceVersions();
  fs.mkdirSync(ctx.paths.cache, { recursive: true });
  const results = await Promise.allSettled([
    buildCoreDNS(ctx.paths.cache, v, opts),
    buildVictoria(ctx.paths.cache, v, opts),
    buildKafka(ctx.paths.cache, v, opts),
    buildSchemaRegistry(ctx.paths.cache, v, opts),
    ...serviceArtifacts(ctx.paths.cache, v).upstreamCrds.map((src) => fetchUpstreamCrds(src, opts)),
    // one after the other: each is a large Go build, and the cores are shared with the others
    serviceArtifacts(ctx.paths.cache, v).fluxControllers.reduce<Promise<void>>(
      (p, b) => p.then(() => buildFluxController(b, opts)),
      Promise.resolve(),
    ),
  ]);
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length) {
    throw new Error(
      `building the lab services failed:\n${failed.map((f) => `- ${(f.reason as Error).message}`).join('\n')}`,
    );
  }
}
