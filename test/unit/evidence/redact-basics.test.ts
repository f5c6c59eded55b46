import { afterEach, describe, expect, it } from 'vitest';
import {
  clearSecrets,
  redact,
  redactError,
  redactJson,
  registerSecret,
  registerSecretData,
} from '../../../helpers/evidence/redact.js';

afterEach(() => clearSecrets());

describe('redaction', () => {
  it('masks registered Secret values, raw and base64-decoded', () => {
    registerSecret('s3cr3t-raw-value');
    registerSecretData({ password: Buffer.from('decoded-pass-42').toString('base64') });
    const out = redact(
      'a s3cr3t-raw-value b decoded-pass-42 c ' + Buffer.from('decoded-pass-42').toString('base64'),
    );
    expect(out).not.toContain('s3cr3t-raw-value');
    expect(out).not.toContain('decoded-pass-42');
    expect(out).not.toContain(Buffer.from('decoded-pass-42').toString('base64'));
    expect(out).toContain('***REDACTED***');
  });

  it("keeps a CNPG app Secret's coordinates readable but masks its credentials", () => {
    const b64 = (v: string) => Buffer.from(v).toString('base64');
    registerSecretData({
      host: b64('gitlab-pooler-rw'),
      port: b64('5432'),
      dbname: b64('gitlabhq_production'),
      username: b64('gitlab'),
      password: b64('pw-9f8e7d6c'),
      uri: b64('postgresql://gitlab:pw-9f8e7d6c@gitlab-pooler-rw:5432/gitlabhq_production'),
    });
    const out = redact('connect gitlab-pooler-rw:5432 db gitlabhq_production as gitlab with pw-9f8e7d6c');
    expect(out).toBe('connect gitlab-pooler-rw:5432 db gitlabhq_production as gitlab with ***REDACTED***');
  });

  it('does not register trivially short values (they would wreck evidence)', () => {
    registerSecret('1');
    registerSecret('yes');
    expect(redact('replicas 1 ready yes')).toBe('replicas 1 ready yes');
  });

  it('masks passwords in URLs, bearer tokens and password= / "password": patterns', () => {
    expect(redact('postgres://app:pw-x1@127.0.0.1:5432/db')).toBe(
      'postgres://app:***REDACTED***@127.0.0.1:5432/db',
    );
    expect(redact('redis://:onlypass@127.0.0.1:6379')).toBe('redis://:***REDACTED***@127.0.0.1:6379');
    expect(redact('Authorization: Bearer eyJhbGciOi.abc-def_ghi')).toBe(
      'Authorization: Bearer ***REDACTED***',
    );
    expect(redact('host=db password=hunter2 user=app')).toBe('host=db password=***REDACTED*** user=app');
    expect(redact('{"user":"app","password": "hunter2"}')).toBe(
      '{"user":"app","password": "***REDACTED***"}',
    );
    expect(redact("{ token: 'abc123' }")).toBe("{ token: '***REDACTED***' }");
    expect(redact('nothing to hide: replicas=3')).toBe('nothing to hide: replicas=3');
  });

  it('redacts JSON values and errors in place', () => {
    registerSecret('json-secret-value');
    expect(redactJson({ a: ['json-secret-value'] })).toEqual({ a: ['***REDACTED***'] });
    const e = redactError(new Error('login with json-secret-value failed'));
    expect(e.message).toBe('login with ***REDACTED*** failed');
    expect(e.stack).not.toContain('json-secret-value');
  });
});
