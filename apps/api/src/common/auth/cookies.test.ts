import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSessionCookie, sessionCookie } from './cookies';

test('finds the session cookie among others', () => {
  assert.equal(readSessionCookie('a=1; tributary_session=abc; b=2'), 'abc');
  assert.equal(readSessionCookie('tributary_sessionx=1'), undefined);
  assert.equal(readSessionCookie(undefined), undefined);
});

test('the session cookie is HTTP-only and SameSite=Lax, Secure on request', () => {
  assert.equal(
    sessionCookie('v', 60, false),
    'tributary_session=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60',
  );
  assert.match(sessionCookie('v', 60, true), /; Secure$/);
});
