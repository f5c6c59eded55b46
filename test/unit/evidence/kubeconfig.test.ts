// Kubeconfig credentials (review M1): a file that does not parse is named with line:column and the
// reason, never its content; a file that loads has its credentials registered for redaction.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ClusterAccessError } from '../../../helpers/cluster/errors.js';
import { loadKubeConfig } from '../../../helpers/cluster/kubeconfig.js';
import { clearSecrets, redact, REDACTION_MASK as M } from '../../../helpers/evidence/redact.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pv-kc-redact-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
afterEach(() => clearSecrets());

const TOKEN = 'sha256~LEAKME-TOKEN-0123456789';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const KEY_PEM =
  '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAleakyKeyLine01\n-----END RSA PRIVATE KEY-----\n';

function write(name: string, text: string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, text);
  return p;
}

const config = (user: string[]) =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: c1',
    '  cluster:',
    '    server: https://127.0.0.1:6443',
    'users:',
    '- name: u1',
    '  user:',
    ...user.map((l) => `    ${l}`),
    'contexts:',
    '- name: ctx',
    '  context: {cluster: c1, user: u1}',
  ].join('\n');

function loadError(file: string): ClusterAccessError {
  try {
    loadKubeConfig({ kubeconfig: file, context: 'ctx', cluster: 'infra' });
  } catch (e) {
    expect(e).toBeInstanceOf(ClusterAccessError);
    return e as ClusterAccessError;
  }
  throw new Error('expected the kubeconfig to be refused');
}

describe('kubeconfig parse errors', () => {
  it('name the file, line:column and the reason; never the content, not even in the cause', () => {
    const p = write('broken.yaml', config([`token: ${TOKEN}: oops`]));
    const e = loadError(p);
    expect(e.code).toBe('KUBECONFIG_INVALID');
    expect(e.message).toContain(`kubeconfig "${p}"`);
    expect(e.message).toMatch(/bad indentation of a mapping entry at line 10, column \d+/);
    expect(e.message).not.toContain('LEAKME');
    expect(e.message).not.toContain('oops');
    expect(e.cause).toBeUndefined(); // js-yaml's error holds the whole file in mark.buffer
    expect(JSON.stringify({ ...e, message: e.message, stack: e.stack })).not.toContain('LEAKME');
    // the credentials of the file that did not load are registered all the same (best effort)
    expect(redact(`saw ${TOKEN} somewhere`)).toBe(`saw ${M} somewhere`);
  });

  it('a structural error (not YAML) keeps its own message', () => {
    const p = write('noname.yaml', 'users:\n- user: {token: abc-structural-1}\n');
    const e = loadError(p);
    expect(e.message).toContain('users[0].name is missing');
  });
});

describe('kubeconfig credentials are registered when it loads', () => {
  it('token, client-key-data (and its decoded PEM lines), password, auth-provider tokens, exec env', () => {
    const p = write(
      'creds.yaml',
      config([
        'token: kc-token-value-111',
        `client-key-data: ${b64(KEY_PEM)}`,
        'client-certificate-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==',
        'username: admin',
        'password: kc-basic-password-222',
        'auth-provider:',
        '  name: oidc',
        '  config:',
        '    client-id: platform-validation',
        '    id-token: kc-id-token-333',
        '    refresh-token: kc-refresh-token-444',
        'exec:',
        '  apiVersion: client.authentication.k8s.io/v1',
        '  command: aws-iam-authenticator',
        '  env:',
        '  - name: AWS_PROFILE',
        '    value: platform-prod',
        '  - name: AWS_SECRET_ACCESS_KEY',
        '    value: kc-exec-secret-555',
      ]),
    );
    loadKubeConfig({ kubeconfig: p, context: 'ctx' });
    const text = [
      'kc-token-value-111',
      b64(KEY_PEM),
      'MIIEowIBAAKCAQEAleakyKeyLine01',
      'kc-basic-password-222',
      'kc-id-token-333',
      'kc-refresh-token-444',
      'kc-exec-secret-555',
    ];
    for (const t of text) expect(redact(`[${t}]`), t).toBe(`[${M}]`);
    // not credentials: stay readable
    expect(redact('admin platform-validation platform-prod')).toBe('admin platform-validation platform-prod');
    expect(redact('LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==')).toBe(
      'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==',
    );
  });

  it('token-file and client-key file contents are registered', () => {
    const tokenFile = write('token', 'kc-token-from-file-666\n');
    const keyFile = write('client.key', KEY_PEM.replace('leakyKeyLine01', 'keyFromFile0002'));
    const p = write('files.yaml', config([`token-file: ${tokenFile}`, `client-key: ${keyFile}`]));
    loadKubeConfig({ kubeconfig: p, context: 'ctx' });
    expect(redact('kc-token-from-file-666')).toBe(M);
    expect(redact('MIIEowIBAAKCAQEAkeyFromFile0002')).toBe(M);
  });
});
