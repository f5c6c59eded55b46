// A failure's `message` attribute stays within what JUnit annotation consumers show (two lines,
// 500 characters); the whole text is kept in the failure body.
import { describe, expect, it } from 'vitest';
import { clampFailure, MESSAGE_MAX_CHARS } from '../../../reports/junit/write-xml.js';

describe('clampFailure', () => {
  it('leaves a short message as it is', () => {
    expect(clampFailure({ message: 'a\nb', body: 'stack' })).toEqual({ message: 'a\nb', body: 'stack' });
  });

  it('cuts a long or many-line message and keeps the whole text in the body', () => {
    const long = `first line ${'x'.repeat(700)}`;
    const c = clampFailure({ message: long, body: 'at check (file.ts:1)' });
    expect(c.message.length).toBeLessThanOrEqual(MESSAGE_MAX_CHARS);
    expect(c.message).toMatch(/^first line x+ … \(more in the body\)$/);
    expect(c.body.startsWith(long)).toBe(true);
    expect(c.body).toContain('at check (file.ts:1)');

    const lines = clampFailure({
      message: 'one\ntwo\nthree: agent-7 down',
      body: 'Error: one\ntwo\nthree: agent-7 down\n at x',
    });
    expect(lines.message.split('\n')).toHaveLength(2);
    expect(lines.message).toBe('one\ntwo … (more in the body)');
    // the body already has the whole message: not repeated
    expect(lines.body).toBe('Error: one\ntwo\nthree: agent-7 down\n at x');
  });
});
