// Redaction applied to everything the framework writes or prints: attachments, JUnit, run.json,
// error messages, console output. Secret values are registered by the cluster helper whenever it
// reads a Secret; pattern rules catch credentials that never went through a Secret.
const MASK = '***REDACTED***';
const KEY = Symbol.for('pv.redact.secrets');
type Store = { values: Set<string> };
const g = globalThis as unknown as Record<symbol, Store | undefined>;
const store: Store = (g[KEY] ??= { values: new Set<string>() });

/** Values shorter than this are not registered: masking "1" or "true" everywhere would destroy evidence. */
const MIN_LEN = 4;

/** Register a secret value (raw; if it looks like base64, its decoded form too). */
export function registerSecret(value: string | Buffer | undefined | null): void {
  if (value == null) return;
  const s = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  for (const v of [s, s.trim()]) if (v.length >= MIN_LEN) store.values.add(v);
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(s.trim()) && s.trim().length % 4 === 0) {
    const decoded = Buffer.from(s.trim(), 'base64').toString('utf8');
    // only when it decodes to printable text (a random string that merely looks like base64 stays as is)
    if (decoded.length >= MIN_LEN && /^[\x20-\x7e\t\r\n]+$/.test(decoded)) {
      store.values.add(decoded);
      if (decoded.trim().length >= MIN_LEN) store.values.add(decoded.trim());
    }
  }
}

/**
 * Secret keys that hold connection coordinates or public material, not credentials (CNPG's app
 * Secrets carry host/port/dbname/username next to the password). Masking "5432" or a pooler's
 * host name everywhere would destroy the evidence a person needs; the password and the full
 * `uri`/`jdbc-uri`/`pgpass` values stay registered.
 */
const NON_SECRET_KEYS = new Set([
  'host',
  'port',
  'dbname',
  'database',
  'user',
  'username',
  'namespace',
  'ca.crt',
  'tls.crt',
]);

export function isSecretKey(key: string): boolean {
  return !NON_SECRET_KEYS.has(key.toLowerCase());
}

/** Register every credential value of a Secret's `data` (base64) and `stringData` (raw). */
export function registerSecretData(
  data?: Record<string, string> | null,
  stringData?: Record<string, string> | null,
): void {
  for (const [k, v] of Object.entries(data ?? {})) if (isSecretKey(k)) registerSecret(v);
  for (const [k, v] of Object.entries(stringData ?? {})) if (isSecretKey(k)) registerSecret(v);
}

export function registeredSecretCount(): number {
  return store.values.size;
}

/** Test-only: forget registered values. */
export function clearSecrets(): void {
  store.values.clear();
}

const RULES: [RegExp, string][] = [
  // scheme://user:pass@host -> scheme://user:***@host
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s:/@'"]*):([^\s@/'"]+)@/gi, `$1:${MASK}@`],
  // Authorization: Bearer xxx / bearer tokens anywhere
  [/\b(bearer\s+)[A-Za-z0-9\-._~+/]+=*/gi, `$1${MASK}`],
  // "password": "x" / 'password': 'x' (JSON-ish; also passwd, secret, token, apiKey keys)
  [
    /(["']?(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret)["']?\s*:\s*)(["'])((?:\\.|(?!\2).)*)\2/gi,
    `$1$2${MASK}$2`,
  ],
  // password=x (URLs query strings, DSNs, env dumps, CLI flags)
  [/\b((?:password|passwd|pwd|secret|token|api[_-]?key)\s*=\s*)([^\s&;,'"]+)/gi, `$1${MASK}`],
];

/** Redact a string: registered Secret values first (longest first), then pattern rules. */
export function redact(input: string): string {
  if (!input) return input;
  let out = input;
  if (store.values.size) {
    const values = [...store.values].sort((a, b) => b.length - a.length);
    for (const v of values) if (out.includes(v)) out = out.split(v).join(MASK);
  }
  for (const [re, rep] of RULES) out = out.replace(re, rep);
  return out;
}

/** Redact any JSON-able value by round-tripping through its serialisation. */
export function redactJson<T>(value: T): T {
  return JSON.parse(redact(JSON.stringify(value))) as T;
}

/** Redact an Error in place (message and stack) and return it. */
export function redactError<E extends { message?: string; stack?: string }>(err: E): E {
  if (err && typeof err === 'object') {
    if (typeof err.message === 'string') err.message = redact(err.message);
    if (typeof err.stack === 'string') err.stack = redact(err.stack);
  }
  return err;
}

export const REDACTION_MASK = MASK;
