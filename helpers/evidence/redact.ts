// Redaction applied to everything the framework writes or prints: attachments, JUnit, run.json,
// error messages, console output. Secret values are registered by the cluster helper whenever it
// reads a Secret (and by the protocol clients and the kubeconfig loader for the credentials they
// hold); pattern rules catch credentials that never went through a registration.
//
// The store is per process (per realm). Values registered in a vitest worker are forwarded to the
// main process (the reporter's) over helpers/evidence/secret-channel.ts when PV_SECRET_SINK is set.
import { processState } from '../process-state.js';
import { forwardSecret } from './secret-channel.js';

const MASK = '***REDACTED***';
// one store per process, however many copies of this module it loaded
const store = processState('redact.secrets', () => ({ values: new Set<string>() }));

/** Values shorter than this are not registered: masking "1" or "true" everywhere would destroy evidence. */
export const MIN_LEN = 4;
/** A line of a multi-line value is registered on its own from this length on (PEM bodies, SSH keys). */
export const MIN_LINE_LEN = 8;

const isPrintable = (s: string) => /^[\x20-\x7e\t\r\n]+$/.test(s);

/**
 * Every form under which a registered value may show up in output: raw and trimmed, base64-decoded
 * (when the value is base64 of printable text: Secret `data`), JSON-escaped (once and twice: a value
 * inside `last-applied-configuration` inside a JSON dump), base64 (standard and URL-safe, with and
 * without padding: Basic auth, Secret `data`), URL-encoded (DSNs, query strings), and each line of at
 * least MIN_LINE_LEN characters of a multi-line value (PEM, SSH identity), trimmed.
 */
export function secretForms(value: string): string[] {
  const out = new Set<string>();
  const add = (v: string) => {
    if (v.length >= MIN_LEN) out.add(v);
  };
  const primary = new Set<string>([value, value.trim()]);
  const t = value.trim();
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(t) && t.length % 4 === 0) {
    const decoded = Buffer.from(t, 'base64').toString('utf8');
    // only when it decodes to printable text (a random string that merely looks like base64 stays as is)
    if (decoded.length >= MIN_LEN && isPrintable(decoded)) {
      primary.add(decoded);
      primary.add(decoded.trim());
    }
  }
  for (const v of primary) {
    if (v.length < MIN_LEN) continue;
    add(v);
    const json1 = JSON.stringify(v).slice(1, -1);
    add(json1);
    add(JSON.stringify(json1).slice(1, -1));
    const b64 = Buffer.from(v, 'utf8').toString('base64');
    add(b64);
    add(b64.replace(/=+$/, ''));
    add(b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
    add(b64.replace(/\+/g, '-').replace(/\//g, '_'));
    const url = encodeURIComponent(v);
    add(url);
    add(url.replace(/%20/g, '+'));
    if (/[\r\n]/.test(v)) {
      for (const line of v.split(/\r\n|\r|\n/)) {
        const l = line.trim();
        // PEM armour lines are not secret, and masking them would hide which kind of object it was
        if (
          l.length >= MIN_LINE_LEN &&
          !/^-----(BEGIN|END) [A-Z0-9 ]+-----$/.test(l) &&
          /[A-Za-z0-9]/.test(l)
        )
          out.add(l);
      }
    }
  }
  return [...out];
}

/** Register a secret value: every form of secretForms(); forwarded to the main process from workers. */
export function registerSecret(value: string | Buffer | undefined | null): void {
  if (value == null) return;
  const s = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  if (s.trim().length < MIN_LEN) return;
  let added = false;
  for (const v of secretForms(s)) {
    if (!store.values.has(v)) {
      store.values.add(v);
      added = true;
    }
  }
  if (added) store.version = (store.version ?? 0) + 1;
  forwardSecret(s);
}

/**
 * Secret keys that hold connection coordinates or public material, not credentials (CNPG's app
 * Secrets carry host/port/dbname/username next to the password). Masking "5432" or a pooler's
 * host name everywhere would destroy the evidence a person needs; the password and the full
 * `uri`/`jdbc-uri`/`pgpass` values stay registered.
 */
const NON_SECRET_KEYS = new Set([
  'host',
  'hostname',
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
  store.version = (store.version ?? 0) + 1;
}

// ---- key names -------------------------------------------------------------------------------
// A key (YAML/JSON key, env name, flag, header) names a credential when, lower-cased and without
// separators, it ends in one of these. `tokenRequest`, `secretRef`, `secretName`, `keyspace`,
// `passwordSecretRef`, `client-certificate-data` do not: they end in something else.
const SECRET_SUFFIXES = [
  'password',
  'passwd',
  'passphrase',
  'secret',
  'token',
  'apikey',
  'accesskey',
  'secretkey',
  'privatekey',
  'clientkeydata',
  'signingkey',
  'encryptionkey',
  'masterkey',
  'sessionkey',
  'tlskey',
  'sshkey',
  'authkey',
  'authorization',
  'cookie',
  'dockerconfigjson',
];
const SECRET_EXACT = new Set(['pwd', 'requirepass', 'masterauth', 'jwt', 'auth']);
/** Keys that end like a credential but hold a name or a public value. */
const NOT_SECRET_EXACT = new Set(['existingsecret', 'publickey', 'pubkey']);

/** Whether a key/env/flag name names a credential (see SECRET_SUFFIXES). */
export function isSecretKeyName(key: string): boolean {
  const k = key.replace(/^["'-]+|["']+$/g, '');
  if (k === 'PWD' || k === 'OLDPWD') return false; // the shell's working directory
  if (/^[A-Z][A-Z0-9_]*$/.test(k)) {
    // env style: PGPASSWORD, REDIS_PASSWORD, AWS_SECRET_ACCESS_KEY, API_KEY, REDISCLI_AUTH
    if (/PUBLIC_?KEY$/.test(k)) return false;
    if (/(PASSWORD|PASSWD|SECRET|TOKEN|KEY|_AUTH)$/.test(k)) return true;
  }
  const n = k.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!n || NOT_SECRET_EXACT.has(n) || n.endsWith('publickey')) return false;
  if (SECRET_EXACT.has(n)) return true;
  return SECRET_SUFFIXES.some((s) => n.endsWith(s));
}

/** Values next to a credential key that are not credentials: empty, null, booleans, placeholders. */
function isPlaceholder(v: string): boolean {
  const t = v.trim();
  return (
    t === '' ||
    t.includes(MASK) ||
    /^(null|nil|none|true|false|~|undefined|\[\]|\{\}|""|'')$/i.test(t) ||
    /^\*+$/.test(t) ||
    /^<[^<>]*>(\s|$)/.test(t) || // kubectl describe: <set to the key 'password' in secret 'x'>, <unset>
    /^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(t) || // ${DB_PASSWORD}, $DB_PASSWORD
    /^\$\([A-Za-z_][A-Za-z0-9_]*\)$/.test(t) || // $(DB_PASSWORD) in a pod spec
    /^\[?redacted\]?$/i.test(t)
  );
}

/** Authorization headers have their own rule (the value has a scheme and a space). */
const isAuthHeader = (key: string) => /authorization$/i.test(key);

// ---- pattern rules -------------------------------------------------------------------------------
// Every rule starts with a literal (or the key scanner with a trigger word), so that a scan is fast
// on megabytes of logs, and every quantifier is bounded, so that a huge token (a base64 blob) can
// neither overflow the regexp stack nor cost quadratic time. `pre` checks stand in for lookbehinds.
type Rule = (s: string) => string;

const isWordChar = (c: string | undefined) => !!c && /[A-Za-z0-9_]/.test(c);
const isKeyChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;

const RULES: Rule[] = [
  // PEM private key blocks (also with \n escapes inside JSON); the armour stays readable
  (s) =>
    s.replace(
      /(-----BEGIN ([A-Z0-9 ]{0,40}PRIVATE KEY[A-Z0-9 ]{0,20})-----)([\s\S]{0,65536}?)(-----END \2-----)/g,
      `$1${MASK}$4`,
    ),
  // ...and a private key block cut off before its END line
  (s) =>
    s.replace(
      /(-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY[A-Z0-9 ]{0,20}-----)((?:[A-Za-z0-9+/=\s]|\\[nrt]){1,65536})/g,
      `$1${MASK}`,
    ),
  // JWTs (ServiceAccount tokens, OIDC id tokens) anywhere
  (s) =>
    s.replace(
      /eyJ[A-Za-z0-9_-]{8,8192}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{8,8192}/g,
      (m, at: number) => (/[A-Za-z0-9_-]/.test(s[at - 1] ?? '') ? m : MASK),
    ),
  // scheme://user:pass@host -> scheme://user:***@host; the password may hold '/' or '@': it runs to
  // the last '@' that is followed by a host[:port]
  (s) =>
    s.replace(
      /:\/\/([^\s:/?#'"<>@]{0,256}):([^\s'"<>]{0,4096}@[^\s'"<>]{0,4096})/g,
      (m, user: string, rest: string, at: number) => {
        if (!/[a-z0-9+.-]$/i.test(s.slice(Math.max(0, at - 1), at))) return m; // no scheme before ://
        let cut = -1;
        for (let i = rest.indexOf('@'); i >= 0; i = rest.indexOf('@', i + 1)) {
          if (
            /^(?:[A-Za-z0-9._~%-]+|\[[0-9A-Fa-f:.]+\])(?::\d+)?(?![A-Za-z0-9._~%\-:@])/.test(
              rest.slice(i + 1, i + 300),
            )
          )
            cut = i;
        }
        if (cut <= 0 || rest.slice(0, cut).includes(MASK)) return m;
        return `://${user}:${MASK}${rest.slice(cut)}`;
      },
    ),
  // Authorization / Proxy-Authorization headers (any scheme; the scheme stays readable)
  (s) =>
    s.replace(
      /((?:proxy-)?authorization["']?[ \t]*[:=][ \t]*["']?)((?:basic|bearer|token|digest|negotiate|ntlm|apikey|aws4-hmac-sha256)[ \t]+)?([^\r\n"']{1,8192})/gi,
      (m, pre: string, scheme: string | undefined, v: string, at: number) =>
        /[A-Za-z0-9_-]/.test(s[at - 1] ?? '') || isPlaceholder(v) ? m : `${pre}${scheme ?? ''}${MASK}`,
    ),
  // bearer tokens anywhere
  (s) =>
    s.replace(/(bearer\s{1,8})[A-Za-z0-9\-._~+/]{1,16384}=*/gi, (m, pre: string, at: number) =>
      isWordChar(s[at - 1]) ? m : `${pre}${MASK}`,
    ),
  // Basic <base64 of user:password> anywhere ("basic authentication" is left alone: it does not decode)
  (s) =>
    s.replace(
      /(basic[ \t]{1,8})([A-Za-z0-9+/]{6,4096}={0,2})(?![A-Za-z0-9+/=])/gi,
      (m, pre: string, b: string, at: number) => {
        if (isWordChar(s[at - 1])) return m;
        const d = Buffer.from(b, 'base64').toString('utf8');
        return d.includes(':') && isPrintable(d) ? `${pre}${MASK}` : m;
      },
    ),
  // env entries, JSON: {"name":"DB_PASSWORD","value":"..."}
  (s) =>
    s.replace(
      /("name"\s{0,16}:\s{0,16}")([^"\\]{1,256})("\s{0,16},\s{0,16}"value"\s{0,16}:\s{0,16}")((?:\\.|[^"\\]){0,65536})(")/g,
      (m, a: string, name: string, b: string, v: string, c: string) =>
        isSecretKeyName(name) && !isPlaceholder(v) ? `${a}${name}${b}${MASK}${c}` : m,
    ),
  // ...JSON-escaped inside a JSON string (last-applied-configuration): {\"name\":\"X\",\"value\":\"...\"}
  (s) =>
    s.replace(
      /((\\{1,8})"name\2"\s{0,16}:\s{0,16}\2")([^"\\]{1,256})(\2"\s{0,16},\s{0,16}\2"value\2"\s{0,16}:\s{0,16}\2")((?:(?!\2").){0,65536})(\2")/g,
      (m, a: string, _q: string, name: string, b: string, v: string, c: string) =>
        isSecretKeyName(name) && !isPlaceholder(v) ? `${a}${name}${b}${MASK}${c}` : m,
    ),
  // ...YAML: `- name: DB_PASSWORD` / `  value: x`
  (s) =>
    s.replace(
      /^([ \t]{0,64}-[ \t]{1,8}name:[ \t]{0,16})(["']?)([A-Za-z0-9_.-]{1,256})\2([ \t]*\r?\n[ \t]{0,64}value:[ \t]{0,16})(["']?)([^\r\n]{0,65536}?)\5([ \t]*)$/gm,
      (m, a: string, q: string, name: string, b: string, vq: string, v: string, tail: string) =>
        isSecretKeyName(name) && !isPlaceholder(v) ? `${a}${q}${name}${q}${b}${vq}${MASK}${vq}${tail}` : m,
    ),
  // JSON-escaped key/value inside a JSON string: \"password\":\"...\"
  (s) =>
    s.replace(
      /((\\{1,8})"([A-Za-z0-9_.][A-Za-z0-9_.-]{0,127})\2"[ \t]{0,16}:[ \t]{0,16}\2")((?:(?!\2").){0,65536})(\2")/g,
      (m, pre: string, _q: string, key: string, v: string, post: string) =>
        isSecretKeyName(key) && !isPlaceholder(v) ? `${pre}${MASK}${post}` : m,
    ),
  // keys named like credentials, followed by `:` or `=` and a value (YAML, JSON, env, DSN, logs)
  (s) => maskKeyValues(s),
  // command-line flags: --password x, --password=x, -storepass x, --token "x"
  (s) =>
    s.replace(
      /-(-?[A-Za-z][A-Za-z0-9-]{0,64})(=|[ \t]{1,8})(?!-)("[^"\r\n]{0,4096}"|'[^'\r\n]{0,4096}'|[^\s"']{1,4096})/g,
      (m, name: string, sep: string, v: string, at: number) => {
        if (/[\w-]/.test(s[at - 1] ?? '')) return m;
        const n = name
          .replace(/^-+/, '')
          .toLowerCase()
          .replace(/[^a-z0-9]/g, '');
        const secret = isSecretKeyName(name.replace(/^-+/, '')) || /pass(in|out)?$/.test(n);
        if (!secret || isPlaceholder(v.replace(/^["']|["']$/g, ''))) return m;
        const q = /^["']/.test(v) ? v[0]! : '';
        return `-${name}${sep}${q}${MASK}${q}`;
      },
    ),
  // curl -u user:password / --user user:password: the user stays readable
  (s) =>
    s.replace(
      /-(u|-user|-proxy-user)(=|[ \t]{1,8})(["']?)([^\s:"']{1,256}):([^\s"']{1,4096})\3/g,
      (m, flag: string, sep: string, q: string, user: string, v: string, at: number) =>
        /[\w-]/.test(s[at - 1] ?? '') || isPlaceholder(v) ? m : `-${flag}${sep}${q}${user}:${MASK}${q}`,
    ),
];

/** Every credential key name contains one of these (see SECRET_SUFFIXES, SECRET_EXACT, env style). */
const TRIGGER = /pass|pwd|secret|token|key|auth|jwt|cookie|dockerconfigjson/gi;
const MAX_VALUE = 65536;

/**
 * Keys named like credentials followed by a value: `password: x` (YAML, the rest of the line at the
 * start of a line; a block scalar's indented lines), `"password": "x"`, `{token: 'x'}`,
 * `DB_PASSWORD: x` in a log line, `password="x"`, `PGPASSWORD=x`, `password=x&` (DSN, query). Finds
 * trigger words, then reads the whole key around them and the value after it.
 */
function maskKeyValues(s: string): string {
  const out: string[] = [];
  let last = 0;
  TRIGGER.lastIndex = 0;
  for (let m = TRIGGER.exec(s); m; m = TRIGGER.exec(s)) {
    let a = m.index;
    while (a > 0 && isKeyChar(s.charCodeAt(a - 1))) a--;
    let b = m.index + m[0].length;
    while (b < s.length && isKeyChar(s.charCodeAt(b))) b++;
    TRIGGER.lastIndex = b;
    // `\npassword: x` inside a JSON string: the key starts after the escape
    if (s[a - 1] === '\\' && /[nrt]/.test(s[a] ?? '')) a++;
    const key = s.slice(a, b);
    if (!/^[A-Za-z0-9_.]/.test(key) || key.length > 128) continue; // -flags have their own rule
    const before = s[a - 1];
    const quoted = before === '"' || before === "'";
    if (quoted && s[a - 2] === '\\') continue; // \"key\": the escaped-JSON rule's
    if (!quoted && before === '\\') continue;
    if (!isSecretKeyName(key) || isAuthHeader(key)) continue;
    let j = b;
    if (quoted) {
      if (s[j] !== before) continue;
      j++;
    }
    while (s[j] === ' ' || s[j] === '\t') j++;
    const sep = s[j];
    if (sep !== ':' && sep !== '=') continue;
    j++;
    const wsStart = j;
    while (s[j] === ' ' || s[j] === '\t') j++;
    const ws = j - wsStart;
    // a JSON member (`"key": 3`, `"key": true`): mask a literal as a string, so JSON stays JSON
    if (before === '"' && sep === ':' && s[j] !== '"') {
      const lit = /^(?:-?\d[\d.eE+-]*|true|false|null)(?=\s*[,}\]\r\n]|\s*$)/.exec(s.slice(j, j + 64));
      if (lit) {
        out.push(s.slice(last, j), `"${MASK}"`);
        last = j + lit[0].length;
        TRIGGER.lastIndex = Math.max(TRIGGER.lastIndex, last);
      }
      if (lit || /^[{[]/.test(s[j] ?? '')) continue;
    }
    const lineStart = s.lastIndexOf('\n', a - 1) + 1;
    const lead = s.slice(lineStart, quoted ? a - 1 : a);
    const atLineStart = sep === ':' && /^[ \t]*(?:-[ \t]+)?$/.test(lead);
    const r = valueSpan(s, j, sep, ws, atLineStart, lineStart);
    if (!r) continue;
    out.push(s.slice(last, r.start), r.replacement);
    last = r.end;
    TRIGGER.lastIndex = Math.max(TRIGGER.lastIndex, r.end);
  }
  if (!out.length) return s;
  out.push(s.slice(last));
  return out.join('');
}

function lineEnd(s: string, from: number): number {
  const n = s.indexOf('\n', from);
  const e = n < 0 ? s.length : n;
  return e > from && s[e - 1] === '\r' ? e - 1 : e;
}

/** The value after a credential key's separator at `j`: what to replace, or undefined to leave it. */
function valueSpan(
  s: string,
  j: number,
  sep: string,
  ws: number,
  atLineStart: boolean,
  lineStart: number,
): { start: number; end: number; replacement: string } | undefined {
  const c = s[j];
  // quoted: "x", 'x' (JSON, YAML, JS, key="x")
  if (c === '"' || c === "'") {
    let k = j + 1;
    while (k < s.length && k - j < MAX_VALUE && s[k] !== c && s[k] !== '\n') k += s[k] === '\\' ? 2 : 1;
    if (s[k] !== c) return undefined;
    const v = s.slice(j + 1, k);
    return isPlaceholder(v) ? undefined : { start: j + 1, end: k, replacement: MASK };
  }
  // escaped quotes inside a JSON string: key=\"x\"
  if (c === '\\' && sep === '=') {
    const q = /^\\{1,8}"/.exec(s.slice(j, j + 9))?.[0];
    if (!q) return undefined;
    const k = s.indexOf(q, j + q.length);
    if (k < 0 || k - j > MAX_VALUE) return undefined;
    const v = s.slice(j + q.length, k);
    return isPlaceholder(v) ? undefined : { start: j + q.length, end: k, replacement: MASK };
  }
  if (atLineStart) {
    const eol = lineEnd(s, j);
    const rest = s.slice(j, eol);
    // block scalar: `key: |` and the more indented lines after it
    if (/^[|>][-+0-9]{0,3}[ \t]*(?:#.*)?$/.test(rest)) {
      const indent = /^[ \t]*/.exec(s.slice(lineStart, j))![0].length;
      let k = s.indexOf('\n', eol);
      if (k < 0) return undefined;
      k++;
      const blockStart = k;
      let end = blockStart;
      while (k < s.length) {
        const e = s.indexOf('\n', k);
        const line = s.slice(k, e < 0 ? s.length : e);
        const lineIndent = /^[ \t]*/.exec(line)![0].length;
        if (line.trim() !== '' && lineIndent <= indent) break;
        k = e < 0 ? s.length : e + 1;
        if (line.trim() !== '') end = k;
      }
      if (end === blockStart || s.slice(blockStart, end).includes(MASK)) return undefined;
      const nl = s[end - 1] === '\n' ? (s[end - 2] === '\r' ? '\r\n' : '\n') : '';
      return { start: blockStart, end, replacement: `${' '.repeat(indent + 2)}${MASK}${nl}` };
    }
    // YAML scalar: the whole rest of the line (a password with spaces)
    if (ws === 0 && rest.length > 0) return undefined; // `key:value` is not YAML
    const v = rest.replace(/[ \t]+$/, '');
    if (!v || /^["'{[|>&*#!]/.test(v) || isPlaceholder(v)) return undefined;
    return { start: j, end: j + v.length, replacement: MASK };
  }
  // unquoted, mid-line: up to a space or a delimiter (`=` values stop at &;, as in a DSN or a query)
  if (sep === ':' && ws === 0) return undefined; // image: repo/app-secret:tag, host:port
  if (c === undefined || /[{[|>\\]/.test(c)) return undefined;
  const stop = sep === '=' ? /[\s&;,'"]/ : /[\s,;}\]"']/;
  let k = j;
  while (k < s.length && k - j < MAX_VALUE) {
    const ch = s[k]!;
    if (stop.test(ch)) break;
    if (ch === '\\' && /[nrt"\\]/.test(s[k + 1] ?? '')) break;
    k++;
  }
  if (k === j) return undefined;
  const v = s.slice(j, k);
  const line = s.slice(j, lineEnd(s, j));
  if (isPlaceholder(v) || /^<[^<>]*>(\s|$)/.test(line)) return undefined;
  return { start: j, end: k, replacement: MASK };
}

function sortedValues(): string[] {
  const version = store.version ?? 0;
  if (store.sorted?.version === version && store.sorted.list.length === store.values.size)
    return store.sorted.list;
  const list = [...store.values].sort((a, b) => b.length - a.length);
  store.sorted = { version, list };
  return list;
}

/** Redact a string: registered Secret values first (longest first), then pattern rules. */
export function redact(input: string): string {
  if (!input || typeof input !== 'string') return input;
  let out = input;
  if (store.values.size) {
    const values = sortedValues();
    // base64 of a text that holds a registered value (Basic base64(user:password), a docker config
    // `auth`, a Secret dump of a DSN): decoded, it contains the value. Before the values themselves,
    // which would mask only the aligned part of such a token.
    out = out.replace(
      /(?<![A-Za-z0-9+/_-])(?:[A-Za-z0-9+/]{12,4096}={0,2}|[A-Za-z0-9_-]{12,4096})(?![A-Za-z0-9+/=_-])/g,
      (m) => {
        const d = Buffer.from(m, m.includes('-') || m.includes('_') ? 'base64url' : 'base64').toString(
          'utf8',
        );
        return isPrintable(d) && values.some((v) => d.includes(v)) ? MASK : m;
      },
    );
    for (const v of values) if (out.includes(v)) out = out.split(v).join(MASK);
  }
  for (const rule of RULES) out = rule(out);
  return out;
}

/**
 * Redact every string of a value, recursively and in place where the value is an object (vitest's
 * serialized errors: message, stack, diff, expected, actual, cause.*, and whatever else they carry;
 * task results with their skip note; annotations). A string under a credential key (`password`,
 * `token`, ...) or the `value` of an env entry named like one is masked whole. Object keys are
 * redacted too. Accessors are not invoked; frozen objects stay as they are. Returns the value (a
 * string is returned redacted).
 */
export function redactDeep<T>(value: T): T {
  return walk(value, new WeakSet<object>(), 0) as T;
}

function walk(v: unknown, seen: WeakSet<object>, depth: number): unknown {
  if (typeof v === 'string') return redact(v);
  if (!v || typeof v !== 'object') return v;
  if (seen.has(v) || depth > 64 || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
  seen.add(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const n = walk(v[i], seen, depth + 1);
      if (n !== v[i]) v[i] = n;
    }
    return v;
  }
  if (v instanceof Map) {
    for (const [k, x] of v) {
      const n = walk(x, seen, depth + 1);
      if (n !== x) v.set(k, n);
    }
    return v;
  }
  const o = v as Record<string, unknown>;
  const envEntry = typeof o.name === 'string' && typeof o.value === 'string' && isSecretKeyName(o.name);
  for (const k of Object.getOwnPropertyNames(o)) {
    const d = Object.getOwnPropertyDescriptor(o, k);
    let x: unknown;
    if (d && 'value' in d) x = d.value;
    else if (v instanceof Error && (k === 'stack' || k === 'message'))
      x = o[k]; // V8's stack accessor
    else continue;
    const n =
      typeof x === 'string' && (isSecretKeyName(k) || (envEntry && k === 'value')) && !isPlaceholder(x)
        ? MASK
        : walk(x, seen, depth + 1);
    if (n === x) continue;
    try {
      o[k] = n;
    } catch {
      // frozen / read-only: left as it is
    }
  }
  for (const k of Object.keys(o)) {
    const rk = redact(k);
    if (rk === k || rk in o) continue;
    try {
      o[rk] = o[k];
      delete o[k];
    } catch {
      // frozen: left as it is
    }
  }
  return v;
}

/** Redact any JSON-able value: a JSON copy of it, every string redacted (redactDeep). */
export function redactJson<T>(value: T): T {
  if (value === undefined) return value;
  return redactDeep(JSON.parse(JSON.stringify(value)) as T);
}

/** Redact an Error in place (message, stack, cause, and every other string field) and return it. */
export function redactError<E extends { message?: string; stack?: string }>(err: E): E {
  if (err && typeof err === 'object') redactDeep(err);
  return err;
}

/**
 * Redact what a vitest task carries out of the worker, in place: its result (errors with
 * diff/expected/actual/cause, the skip note), its annotations and its meta. For the worker's
 * onTestFinished/onTestFailed and the main process's reporters.
 */
export function redactTaskResult(task: unknown): void {
  if (!task || typeof task !== 'object') return;
  const t = task as { result?: unknown; annotations?: unknown; meta?: unknown; artifacts?: unknown };
  if (t.result) redactDeep(t.result);
  if (t.annotations) redactDeep(t.annotations);
  if (t.artifacts) redactDeep(t.artifacts);
  if (t.meta) redactDeep(t.meta);
}

export const REDACTION_MASK = MASK;
