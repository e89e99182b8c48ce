import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { SecretBox } from './secret-box';

const box = new SecretBox(randomBytes(32));

test('decrypt(encrypt(x)) is x for any string', () => {
  fc.assert(
    fc.property(fc.string(), fc.string({ minLength: 1 }), (plain, ctx) => {
      assert.equal(box.decrypt(box.encrypt(plain, ctx), ctx), plain);
    }),
    { seed: 42, numRuns: 200 },
  );
});

test('the ciphertext does not contain the plaintext and differs on every call', () => {
  const a = box.encrypt('sk_secretstreamkey', 'ls_1');
  const b = box.encrypt('sk_secretstreamkey', 'ls_1');
  assert.notEqual(a, b);
  assert.ok(!a.includes('secretstreamkey'));
});

test('a ciphertext moved to another row (other context) does not decrypt', () => {
  const sealed = box.encrypt('sk_x', 'ls_1');
  assert.throws(() => box.decrypt(sealed, 'ls_2'));
});

test('a tampered ciphertext does not decrypt', () => {
  const sealed = box.encrypt('sk_x', 'ls_1');
  const parts = sealed.split('.');
  const ct = Buffer.from(parts[3] ?? '', 'base64url');
  ct[0] = (ct[0] ?? 0) ^ 1;
  parts[3] = ct.toString('base64url');
  assert.throws(() => box.decrypt(parts.join('.'), 'ls_1'));
});

test('another key cannot decrypt, and its MAC differs', () => {
  const other = new SecretBox(randomBytes(32));
  assert.throws(() => other.decrypt(box.encrypt('sk_x', 'c'), 'c'));
  assert.notEqual(other.mac('sk_x'), box.mac('sk_x'));
  assert.ok(box.macMatches('sk_x', box.mac('sk_x')));
  assert.ok(!box.macMatches('sk_y', box.mac('sk_x')));
});
