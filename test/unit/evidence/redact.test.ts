// Redaction patterns and registered-value forms (review M2, H4): every credential shape the evidence
// may hold is masked, and what a person needs to read next to it survives (the canaries).
import { afterEach, describe, expect, it } from 'vitest';
import {
  clearSecrets,
  isSecretKeyName,
  redact,
  redactDeep,
  redactError,
  redactJson,
  redactTaskResult,
  registerSecret,
  registerSecretData,
  REDACTION_MASK as M,
  secretForms,
} from '../../../helpers/evidence/redact.js';

afterEach(() => clearSecrets());

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('pattern rules: masked', () => {
  const cases: [string, string, string][] = [
    // [what, input, expected]
    ['unquoted YAML password', 'password: hunter2yaml', `password: ${M}`],
    ['unquoted YAML password with spaces', '  password: correct horse battery', `  password: ${M}`],
    [
      'unquoted YAML JWT token (kubeconfig)',
      '    token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlLXBhcnQ',
      `    token: ${M}`,
    ],
    ['unquoted YAML token that breaks YAML', '    token: sha256~LEAKME-TOKEN-0123: oops', `    token: ${M}`],
    [
      'client-key-data',
      '    client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVkt',
      `    client-key-data: ${M}`,
    ],
    ['YAML list item key', '- token: abcdef123456', `- token: ${M}`],
    ['Authorization: Basic', 'Authorization: Basic YWRtaW46SGFyYm9yMTIzNDU=', `Authorization: Basic ${M}`],
    [
      'Authorization header in a curl command',
      `curl -H 'Authorization: Basic YWRtaW46SGFyYm9yMTIzNDU=' http://127.0.0.1:5000/v2/`,
      `curl -H 'Authorization: Basic ${M}' http://127.0.0.1:5000/v2/`,
    ],
    ['authorization header in JSON', '{"authorization":"Bearer abc.def"}', `{"authorization":"Bearer ${M}"}`],
    [
      'Basic anywhere (decodes to user:pass)',
      'sent Basic YWRtaW46SGFyYm9yMTIzNDU= to harbor',
      `sent Basic ${M} to harbor`,
    ],
    ['bearer anywhere', 'Authorization: Bearer eyJhbGciOi.abc-def_ghi', `Authorization: Bearer ${M}`],
    ['PGPASSWORD=', 'PGPASSWORD=pgsecret1 psql -h db', `PGPASSWORD=${M} psql -h db`],
    ['REDIS_PASSWORD=', 'env REDIS_PASSWORD=rsecret1 redis-cli', `env REDIS_PASSWORD=${M} redis-cli`],
    [
      'AWS_SECRET_ACCESS_KEY=',
      'export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG',
      `export AWS_SECRET_ACCESS_KEY=${M}`,
    ],
    ['API_KEY=', 'API_KEY=k-123456', `API_KEY=${M}`],
    ['DB_PASSWORD: (YAML / kubectl describe)', '      DB_PASSWORD:  dbsecret1', `      DB_PASSWORD:  ${M}`],
    ['DB_PASSWORD: mid-line', 'env DB_PASSWORD: dbsecret1 set', `env DB_PASSWORD: ${M} set`],
    ['lower snake key=', 'db_password=x9secret', `db_password=${M}`],
    [
      'dotted key= (Kafka client config)',
      'ssl.truststore.password=ts-secret',
      `ssl.truststore.password=${M}`,
    ],
    ['camelCase key', 'adminPassword: adm1n-secret', `adminPassword: ${M}`],
    ['--password x', 'pg_isready --password x1secret --user app', `pg_isready --password ${M} --user app`],
    ['--password=x', 'tool --password=x2secret', `tool --password=${M}`],
    ['--token "x"', 'tool --token "tok en"', `tool --token "${M}"`],
    ['-storepass x (keytool)', 'keytool -list -storepass changeit2', `keytool -list -storepass ${M}`],
    ['curl -u user:pass', 'curl -u admin:Harbor12345 http://x', `curl -u admin:${M} http://x`],
    ['password="x"', 'password="x3secret"', `password="${M}"`],
    ["password='x'", "password='x3secret'", `password='${M}'`],
    [
      'JAAS config',
      'sasl.jaas.config=PlainLoginModule required username="u" password="jaas-secret";',
      `sasl.jaas.config=PlainLoginModule required username="u" password="${M}";`,
    ],
    ['"password": "x"', '{"user":"app","password": "hunter2"}', `{"user":"app","password": "${M}"}`],
    ["{ token: 'x' }", "{ token: 'abc123' }", `{ token: '${M}' }`],
    [
      'JSON-escaped \\"password\\":\\"...\\"',
      '{"a":"{\\"password\\":\\"esc-secret\\",\\"user\\":\\"u\\"}"}',
      `{"a":"{\\"password\\":\\"${M}\\",\\"user\\":\\"u\\"}"}`,
    ],
    [
      'YAML inside a JSON string',
      '{"config.yaml":"user: a\\npassword: cfgsecret\\nhost: h"}',
      `{"config.yaml":"user: a\\npassword: ${M}\\nhost: h"}`,
    ],
    [
      'env entry in JSON',
      '{"name":"DB_PASSWORD","value":"envsecret1"}',
      `{"name":"DB_PASSWORD","value":"${M}"}`,
    ],
    [
      'env entry in pretty JSON',
      '{\n  "name": "REDIS_PASSWORD",\n  "value": "envsecret4"\n}',
      `{\n  "name": "REDIS_PASSWORD",\n  "value": "${M}"\n}`,
    ],
    [
      'env entry in last-applied-configuration (escaped JSON)',
      '{"last-applied":"[{\\"name\\":\\"DB_PASSWORD\\",\\"value\\":\\"envsecret2\\"}]"}',
      `{"last-applied":"[{\\"name\\":\\"DB_PASSWORD\\",\\"value\\":\\"${M}\\"}]"}`,
    ],
    [
      'env entry in YAML',
      'env:\n- name: DB_PASSWORD\n  value: envsecret3\n- name: DB_HOST\n  value: db',
      `env:\n- name: DB_PASSWORD\n  value: ${M}\n- name: DB_HOST\n  value: db`,
    ],
    [
      'env entry in YAML, quoted',
      '  - name: API_TOKEN\n    value: "t0k3n"',
      `  - name: API_TOKEN\n    value: "${M}"`,
    ],
    ['URL password', 'postgres://app:pw-x1@127.0.0.1:5432/db', `postgres://app:${M}@127.0.0.1:5432/db`],
    ['URL password with /', 'postgres://app:a/b@db:5432/x', `postgres://app:${M}@db:5432/x`],
    ['URL password with @', 'postgres://app:p@ss@db/x', `postgres://app:${M}@db/x`],
    ['URL password with @ and /', 'redis://u:p@s/s@127.0.0.1:6379', `redis://u:${M}@127.0.0.1:6379`],
    ['URL with empty user', 'redis://:onlypass@127.0.0.1:6379', `redis://:${M}@127.0.0.1:6379`],
    [
      'git remote with a token',
      'https://user:tok@github.com/org/repo.git',
      `https://user:${M}@github.com/org/repo.git`,
    ],
    [
      'PEM private key',
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nABCDEF\n-----END RSA PRIVATE KEY-----',
      `-----BEGIN RSA PRIVATE KEY-----${M}-----END RSA PRIVATE KEY-----`,
    ],
    [
      'PEM private key cut off',
      'key: "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      `key: "-----BEGIN PRIVATE KEY-----${M}`,
    ],
    [
      'YAML block scalar',
      'client-key-data: |\n  LS0tLS1\n  ABCDEF\nnext: 1',
      `client-key-data: |\n  ${M}\nnext: 1`,
    ],
    [
      'a bare JWT',
      'got eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlLXBhcnQ back',
      `got ${M} back`,
    ],
  ];
  for (const [what, input, expected] of cases) {
    it(what, () => expect(redact(input)).toBe(expected));
  }
});

describe('pattern rules: evidence stays readable (canaries survive)', () => {
  const keep = [
    'tokenRequest: {audience: vault}',
    'tokenRequests:\n- audience: vault',
    'keyspace: db0',
    '# Keyspace\ndb0:keys=1,expires=0',
    'secretRef: flux-git',
    'secretRef:\n  name: git-auth',
    '{"secretRef":{"name":"git-auth"}}',
    'secretName: app-tls',
    'passwordSecretRef: {name: pg-app, key: password}',
    '    client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t',
    'certificate-authority-data: LS0tLS1CRUdJTiBDRVJU',
    'password_encryption = scram-sha-256',
    'image: registry.local/app-secret:1.2.3',
    'oci://127.0.0.1:5000/repo@sha256:0123abcd',
    'http://127.0.0.1:8080/v2/_catalog',
    'https://127.0.0.1:6443/api/v1/namespaces/flux-system/secrets/git-auth',
    'basic authentication failed for user "app"',
    'automountServiceAccountToken: false',
    'password: null',
    "password: ''",
    'tokens: 12',
    'maxTokens=5',
    'token_count: 7',
    'primaryKey: id',
    'kafka key=order-1 value=x',
    'routingKey: orders',
    'Type: Secret (a volume populated by a Secret)',
    'TokenExpirationSeconds:  3607',
    'PWD=/home/runner/work',
    '{"name":"DB_HOST","value":"pg-rw"}',
    '- name: DB_HOST\n  value: pg-rw',
    `      DB_PASSWORD:  <set to the key 'password' in secret 'app'>  Optional: false`,
    'args: ["--password=$(DB_PASSWORD)"]',
    'docker login --password-stdin registry',
    'MountVolume.SetUp failed for volume "git" : secret "git-auth" not found',
    'public_key: ssh-ed25519 AAAAC3Nza',
    'replicas=3 ready=3',
    'canary-8f3a stays',
    'ceph health: HEALTH_OK',
  ];
  for (const s of keep) it(JSON.stringify(s), () => expect(redact(s)).toBe(s));

  it('only the credential is masked, its neighbours stay', () => {
    expect(redact('host=db port=5432 password=hunter2 user=app sslmode=disable')).toBe(
      `host=db port=5432 password=${M} user=app sslmode=disable`,
    );
    expect(redact('postgres://app:pw@pg-rw:5432/app?sslmode=disable')).toBe(
      `postgres://app:${M}@pg-rw:5432/app?sslmode=disable`,
    );
  });
});

describe('key names', () => {
  it.each([
    'password',
    'PGPASSWORD',
    'AWS_SECRET_ACCESS_KEY',
    'client-key-data',
    'id-token',
    'clientSecret',
    'tls.key',
  ])('%s names a credential', (k) => expect(isSecretKeyName(k)).toBe(true));
  it.each([
    'tokenRequest',
    'keyspace',
    'secretRef',
    'secretName',
    'client-certificate-data',
    'passwordSecretRef',
    'existingSecret',
    'PUBLIC_KEY',
    'PWD',
    'key',
    'name',
  ])('%s does not', (k) => expect(isSecretKeyName(k)).toBe(false));
});

describe('registered values: every form', () => {
  it("a CNPG app Secret: password, uri, pgpass masked; host, hostname, port, user survive (a pooler's name is evidence)", () => {
    const pw = 'Z2bs-g5VENtuH4bF3t2BwN5B';
    const data = {
      username: 'harbor',
      password: pw,
      host: 'harbor-pooler-rw.cnpg-system.svc.cluster.local',
      hostname: 'harbor-pooler-rw',
      port: '5432',
      dbname: 'registry',
      uri: `postgresql://harbor:${pw}@harbor-pooler-rw.cnpg-system:5432/registry`,
      pgpass: `harbor-pooler-rw:5432:registry:harbor:${pw}\n`,
    };
    registerSecretData(Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])));
    const out = redact(`poolers failing: harbor-pooler-rw: no ready pod (password ${pw}, port 5432)`);
    expect(out).toBe(`poolers failing: harbor-pooler-rw: no ready pod (password ${M}, port 5432)`);
  });

  it('raw, base64-decoded, base64 (std, url-safe, unpadded), JSON-escaped, URL-encoded', () => {
    const v = 'p@ss w/rd+?~"\\x';
    registerSecret(v);
    const std = b64(v);
    const forms = [
      v,
      std,
      std.replace(/=+$/, ''),
      std.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
      JSON.stringify(v).slice(1, -1),
      encodeURIComponent(v),
      encodeURIComponent(v).replace(/%20/g, '+'),
    ];
    for (const f of forms) expect(redact(`a ${f} b`), f).toBe(`a ${M} b`);
  });

  it('pretty-printed JSON stays valid JSON: an unquoted value under a credential-named key is masked as a string', () => {
    // found in GITOPS-DRIFT-001's evidence: `"notRead": { "Secret": 3 }` came out as `"Secret": ***`
    const json = JSON.stringify({ notRead: { Secret: 3, token: true }, password: null, n: 1 }, null, 2);
    const out = redact(json);
    expect(() => JSON.parse(out), out).not.toThrow();
    expect(JSON.parse(out)).toEqual({ notRead: { Secret: M, token: M }, password: M, n: 1 });
    // one line, as JSON.stringify without indentation writes it
    expect(JSON.parse(redact(JSON.stringify({ apiKey: 42, x: 'y' })))).toEqual({ apiKey: M, x: 'y' });
  });

  it('a value containing a quote or a backslash is masked inside JSON (once and twice escaped)', () => {
    registerSecret('pa"ss\\word-xyz');
    const once = JSON.stringify({ pw: 'pa"ss\\word-xyz' });
    expect(redact(once)).toBe(`{"pw":"${M}"}`);
    const twice = JSON.stringify({ annotation: once });
    expect(redact(twice)).not.toContain('word-xyz');
    expect(JSON.parse(redact(twice))).toBeTruthy(); // still valid JSON
  });

  it('a multi-line value: whole inside JSON (\\n escapes), and each line of 8+ characters alone', () => {
    const pem = '-----BEGIN KEY-----\nLINEONE-abcdefgh\nLINETWO-ijklmnop\nshort\n-----END KEY-----\n';
    registerSecret(pem);
    const json = JSON.stringify({ identity: pem });
    expect(redact(json)).toBe(`{"identity":"${M}"}`);
    expect(redact('stray LINETWO-ijklmnop line')).toBe(`stray ${M} line`);
    // armour and short lines are not registered on their own
    expect(redact('-----BEGIN KEY----- short')).toBe('-----BEGIN KEY----- short');
  });

  it('Secret data (base64) registers the decoded value and its forms; base64 of user:value is caught', () => {
    registerSecret(b64('hunter2-supersecret'));
    expect(redact('pw hunter2-supersecret')).toBe(`pw ${M}`);
    expect(redact(`auth ${b64('admin:hunter2-supersecret')} end`)).toBe(`auth ${M} end`);
    expect(redact(`url ${encodeURIComponent('hunter2-supersecret')}`)).toBe(`url ${M}`);
  });

  it('keeps MIN_LEN: trivially short values are not registered', () => {
    registerSecret('1');
    registerSecret('yes');
    expect(redact('replicas 1 ready yes')).toBe('replicas 1 ready yes');
    expect(secretForms('abc')).toEqual([]);
  });

  it('a canary next to a registered value survives', () => {
    registerSecret('s3cr3t-raw-value');
    expect(redact('canary-8f3a s3cr3t-raw-value canary-8f3a')).toBe(`canary-8f3a ${M} canary-8f3a`);
  });
});

describe('redactDeep / redactJson / redactError / redactTaskResult', () => {
  it('redacts every string field of a vitest serialized error, in place, cause and nested included', () => {
    registerSecret('hunter2-supersecret');
    const err = {
      name: 'AssertionError',
      message: 'expected { pw: "hunter2-supersecret" } to equal { pw: "other" }',
      stack: 'AssertionError: hunter2-supersecret\n    at x.test.ts:1:1',
      diff: '-   "pw": "other",\n+   "pw": "hunter2-supersecret",',
      expected: '{ "pw": "other" }',
      actual: '{ "pw": "hunter2-supersecret" }',
      cause: { message: 'inner hunter2-supersecret', cause: { deep: ['x hunter2-supersecret'] } },
      stacks: [{ file: '/x.test.ts', line: 1, column: 1, method: '' }],
    };
    const same = redactDeep(err);
    expect(same).toBe(err);
    expect(JSON.stringify(err)).not.toContain('hunter2-supersecret');
    expect(err.expected).toBe('{ "pw": "other" }');
    expect(err.diff).toContain(`"pw": "${M}"`);
    expect(err.stacks[0]).toEqual({ file: '/x.test.ts', line: 1, column: 1, method: '' });
  });

  it('masks strings under credential keys and env entries structurally; cycles are fine', () => {
    const o: Record<string, unknown> = {
      spec: {
        env: [
          { name: 'DB_PASSWORD', value: 'not-registered-1' },
          { name: 'DB_HOST', value: 'pg-rw' },
        ],
      },
      auth: { password: 'not-registered-2', username: 'app', secretRef: { name: 'git-auth' } },
    };
    o.self = o;
    redactDeep(o);
    expect(o.spec).toEqual({
      env: [
        { name: 'DB_PASSWORD', value: M },
        { name: 'DB_HOST', value: 'pg-rw' },
      ],
    });
    expect(o.auth).toEqual({ password: M, username: 'app', secretRef: { name: 'git-auth' } });
  });

  it('Errors: message, stack and cause (non-enumerable) are redacted', () => {
    registerSecret('json-secret-value');
    const e = redactError(
      new Error('login with json-secret-value failed', { cause: new Error('json-secret-value') }),
    );
    expect(e.message).toBe(`login with ${M} failed`);
    expect(e.stack).not.toContain('json-secret-value');
    expect((e.cause as Error).message).toBe(M);
  });

  it('redactJson returns a redacted copy and leaves the input alone', () => {
    registerSecret('json-secret-value');
    const input = { a: ['json-secret-value'], token: 'x-not-registered' };
    expect(redactJson(input)).toEqual({ a: [M], token: M });
    expect(input.a[0]).toBe('json-secret-value');
  });

  it('a task: errors, skip note, annotations and meta', () => {
    registerSecret('note-secret-1234');
    const task = {
      result: {
        state: 'skip',
        note: 'skipped: note-secret-1234 unknown',
        errors: [{ message: 'note-secret-1234' }],
      },
      annotations: [{ message: 'saw note-secret-1234', type: 'notice' }],
      meta: { evidence: ['attachments/X/c/a.txt'] },
    };
    redactTaskResult(task);
    expect(JSON.stringify(task)).not.toContain('note-secret-1234');
    expect(task.result.note).toBe(`skipped: ${M} unknown`);
    expect(task.meta.evidence).toEqual(['attachments/X/c/a.txt']);
  });
});

describe('bounded and stable', () => {
  it('an 8 MiB base64 blob (a Secret dump, an image layer) neither throws nor takes long', () => {
    registerSecret('blob-secret-1234');
    const blob = Buffer.alloc(6 * 1024 * 1024, 7).toString('base64');
    const t0 = Date.now();
    expect(redact(blob)).toBe(blob);
    expect(redact(`token: ${blob}`)).toBe(`token: ${M}`);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('megabytes of log lines are redacted in linear time', () => {
    const line = (i: number) =>
      `2026-01-01T00:00:00Z INFO pod/app-${i} ready=true key=order-${i} msg="to postgres://app:pw-${i}@db:5432/x"`;
    const log = Array.from({ length: 40_000 }, (_, i) => line(i)).join('\n');
    const t0 = Date.now();
    const out = redact(log);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(out).not.toMatch(/pw-\d/);
    expect(out).toContain('key=order-39999');
  });

  it('redacting twice changes nothing more', () => {
    registerSecret('twice-secret-5678');
    const inputs = [
      'password: a b c\ntoken="x" PGPASSWORD=y --password z twice-secret-5678',
      '{"name":"DB_PASSWORD","value":"v"} Authorization: Basic YWRtaW46SGFyYm9yMTIzNDU=',
      'postgres://app:p@ss@db/x client-key-data: |\n  LS0t\n',
    ];
    for (const s of inputs) expect(redact(redact(s))).toBe(redact(s));
  });
});
