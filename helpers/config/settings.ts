// The framework's runtime settings: every PV_* environment variable that bin/, helpers/, reports/ and
// vitest.config.ts read, each with its type, default and meaning, parsed here and nowhere else.
// README "Runtime settings" lists the same table (test/unit/config/settings.test.ts keeps them equal).
// Unset or empty means the default; a value of the wrong shape is a SettingError naming the variable
// and what was expected (bin/test.ts checks them all before anything else: exit 2, no run).
// No dependencies: the main process loads this next to vitest for the whole run.
//
// `internal` settings are set by bin/test.ts for the vitest config and its workers (or by a test
// harness); a user does not set them, README lists them apart. The lab's own PV_LAB_* stay in lab/.

/** A run id, `YYYYMMDDTHHMMSSZ-<6 hex>` (helpers/run/ids.ts re-exports it with the run-id functions). */
export const RUN_ID_RE = /^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$/;

export class SettingError extends Error {
  override name = 'SettingError';
}

interface Spec<T> {
  /** README's type column */
  type: string;
  /** README's default column */
  defaultText: string;
  meaning: string;
  internal?: boolean;
  default: T;
  /** undefined: the value is not of this type */
  parse(v: string): T | undefined;
}

const text = (defaultText: string, meaning: string, internal?: boolean): Spec<string | undefined> => ({
  type: 'string',
  defaultText,
  meaning,
  internal,
  default: undefined,
  parse: (v) => v,
});
function positive(unit: string, dflt: number, meaning: string): Spec<number>;
function positive(unit: string, dflt: undefined, meaning: string): Spec<number | undefined>;
function positive(unit: string, dflt: number | undefined, meaning: string): Spec<number | undefined> {
  return {
    type: `positive number (${unit})`,
    defaultText: dflt === undefined ? '(none)' : String(dflt),
    meaning,
    default: dflt,
    parse: (v) => (/^\d+(\.\d+)?$/.test(v) && Number(v) > 0 ? Number(v) : undefined),
  };
}
const flag = (meaning: string, internal?: boolean): Spec<boolean> => ({
  type: '`0` \\| `1`',
  defaultText: '`0`',
  meaning,
  internal,
  default: false,
  parse: (v) => (v === '1' ? true : v === '0' ? false : undefined),
});
function oneOf<const V extends string>(values: readonly V[], meaning: string): Spec<V | undefined> {
  return {
    type: values.map((v) => `\`${v}\``).join(' \\| '),
    defaultText: '(unset)',
    meaning,
    default: undefined,
    parse: (v) => (values.includes(v as V) ? (v as V) : undefined),
  };
}

export const SETTINGS = {
  PV_ENV: text("the config's `defaultEnv`", 'environment of platform.config.ts (`--env` wins)'),
  PV_CONFIG: text('`platform.config.ts`', 'the platform config file (relative to the working directory)'),
  PV_SUITES: text(
    '`suites/**/*.test.ts`',
    'comma-separated globs of the suite files (self-tests, another catalogue)',
  ),
  PV_RUN_ID: {
    type: 'run id `YYYYMMDDTHHMMSSZ-<6 hex>`',
    defaultText: 'generated',
    meaning: "the run's id; give every `--shard` job of one run the same",
    default: undefined,
    parse: (v) => (RUN_ID_RE.test(v) ? v : undefined),
  } satisfies Spec<string | undefined>,
  PV_IDENTITY: oneOf(
    ['skip'] as const,
    '`skip`: cluster identities are NOT proven (benchmarks only, announced loudly)',
  ),
  PV_REQUEST_TIMEOUT_MS: positive('ms', 10_000, 'bound of every API request'),
  PV_IDENTITY_TIMEOUT_MS: positive('ms', 20_000, 'bound of a whole identity proof'),
  PV_SETTLE_SCALE: positive(
    'factor',
    1,
    "scales every check's settle window (its bounded wait for a state to appear; at least 5 s): the fault matrix runs at 0.3, where the lab has made its fault before any check starts",
  ),
  PV_RUN_TTL_MINUTES: positive(
    'minutes',
    180,
    'age after which a run-owned resource of a crashed run is swept by the next run',
  ),
  PV_WORKER_HEAP_MB: positive('MiB', undefined, "each vitest worker's heap limit (`--max-old-space-size`)"),
  PV_ISOLATE: flag('`1`: one module graph per suite file instead of per worker (slower)'),
  PV_BASELINE: oneOf(['write'] as const, '`write`: checks with a stored baseline record it afresh'),
  PV_BASELINE_DIR: text('`docs/qa/baselines`', 'where the baselines are stored'),
  PV_MODE: oneOf(
    ['in-cluster'] as const,
    '`in-cluster`: Services are dialed directly, not through tunnels (deploy/README.md)',
  ),
  PV_INCLUSTER_ADDRESS_MAP: text('(none)', 'in-cluster mode: JSON file mapping Service addresses to others'),
  PV_CLUSTER_DOMAIN: text('`cluster.local`', "in-cluster mode: the cluster's DNS domain"),
  PV_SA_PREFIX: text('(none)', 'in-cluster mode: path prefix of the mounted ServiceAccount (tests)', true),
  PV_LAB: flag('`1`: this run targets the lab (only 127.0.0.0/8 may be dialed); also an env named `lab*`'),
  PV_CHROMIUM: text('`chromium`', 'the browser `pnpm report` prints PDFs with'),
  PV_REVIEWER: text('`pnpm gate`', 'reviewer recorded in the gate file (`--reviewer` wins)'),
  PV_METRICS_URL: text(
    '(none)',
    '`pnpm gate` pushes the run as Prometheus metrics there (`--push-metrics` wins)',
  ),
  PV_SELFTEST_LAB: oneOf(['0'] as const, '`0`: `pnpm selftest` runs no lab tests (reported as not run)'),
  PV_SELFTEST_LAB_UP: oneOf(['0'] as const, '`0`: `pnpm selftest` does not bring the lab up itself'),
  PV_SELFTEST_FULL: flag('`1`: `pnpm selftest` also runs the heavy lab files'),
  PV_SELFTEST_KEEP_LAB: flag('`1`: `pnpm selftest` leaves the lab it brought up running'),
  PV_RUN_DIR: text('`<evidenceDir>/<run id>`', "the run's evidence directory", true),
  PV_ALLOW_DISRUPTIVE: flag('`--allow-disruptive` was given', true),
  PV_STRICT_JUNIT: flag('`--strict-junit` was given', true),
  PV_SHARD: {
    type: '`<i>/<n>`',
    defaultText: '(none)',
    meaning: "`--shard`: this process's shard of the run",
    internal: true,
    default: undefined,
    parse: (v) => (/^\d+\/\d+$/.test(v) ? v : undefined),
  } satisfies Spec<string | undefined>,
  PV_SECRET_SINK: text(
    '(none)',
    "socket of the main process's secret registry (workers forward to it)",
    true,
  ),
  PV_ENV_FILE: text(
    '(none)',
    'the environment `pnpm test` resolved, for vitest.config.ts (in a 0700 temp dir, removed once vitest has started)',
    true,
  ),
  PV_TIMINGS: text(
    '(none)',
    "file the run's processes append their phase times to (`pnpm bench startup`)",
    true,
  ),
} as const;

export type SettingName = keyof typeof SETTINGS;
export type Settings = {
  [K in SettingName]:
    (typeof SETTINGS)[K]['default'] | NonNullable<ReturnType<(typeof SETTINGS)[K]['parse']>>;
};

/** One setting, parsed: its default when unset or empty; a SettingError for a malformed value. */
export function setting<K extends SettingName>(name: K, env: NodeJS.ProcessEnv = process.env): Settings[K] {
  const spec = SETTINGS[name] as Spec<unknown>;
  const raw = env[name];
  if (raw === undefined || raw === '') return spec.default as Settings[K];
  const v = spec.parse(raw);
  if (v === undefined) {
    throw new SettingError(
      `${name}=${JSON.stringify(raw)}: expected ${spec.type.replaceAll('\\|', 'or').replaceAll('`', '')}`,
    );
  }
  return v as Settings[K];
}

/** Every setting, parsed; the first malformed value's SettingError (all of them named). */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const out: Partial<Record<SettingName, unknown>> = {};
  const errors: string[] = [];
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    try {
      out[name] = setting(name, env);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (errors.length) throw new SettingError(errors.join('; '));
  return out as Settings;
}

/** PV_* variables other parts own (the lab's, the benches', the bootstrap's, the in-cluster image's). */
const OWNED_ELSEWHERE =
  /^PV_(LAB|BENCH|BOOTSTRAP|FG|TELEMETRY|HARBOR|REGISTRY|DRAGONFLY)_|^PV_(INCLUSTER_KUBECONFIG|EVIDENCE_DIR)$/;

/** PV_* variables set in `env` that are no setting (a typo would otherwise do nothing, silently). */
export function unknownSettings(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.keys(env)
    .filter((k) => k.startsWith('PV_') && !(k in SETTINGS) && !OWNED_ELSEWHERE.test(k))
    .sort();
}

/** README's "Runtime settings" table (user settings, or the internal ones). */
export function settingsTable(internal = false): string {
  const rows = (Object.entries(SETTINGS) as [SettingName, Spec<unknown>][])
    .filter(([, s]) => Boolean(s.internal) === internal)
    .map(([name, s]) => `| \`${name}\` | ${s.type} | ${s.defaultText} | ${s.meaning} |`);
  return ['| variable | value | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
