import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords';

test('a hashed password verifies, a wrong one does not', async () => {
  const stored = await hashPassword('correct horse battery');
  assert.ok(stored.startsWith('scrypt$'));
  assert.ok(!stored.includes('correct horse'));
  assert.equal(await verifyPassword('correct horse battery', stored), true);
  assert.equal(await verifyPassword('correct horse batterY', stored), false);
});

test('two hashes of one password differ (per-user salt)', async () => {
  assert.notEqual(await hashPassword('same password'), await hashPassword('same password'));
});

test('malformed stored hashes and the dummy hash never verify', async () => {
  assert.equal(await verifyPassword('x', 'plain'), false);
  assert.equal(await verifyPassword('', DUMMY_PASSWORD_HASH), false);
});
