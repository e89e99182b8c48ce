import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { AdobeChallenges, adobeResponse, adobeSecret, OPAQUE_BYTES } from './adobe-challenge';

/** base64(md5(text)) by the openssl command line: a computation that is not ours. */
function opensslMd5Base64(text: string): string {
  const digest = execFileSync('openssl', ['dgst', '-md5', '-binary'], { input: Buffer.from(text, 'utf8') });
  return digest.toString('base64');
}

test('secret and response are what openssl computes for the same strings (FFmpeg do_adobe_auth order)', () => {
  const vectors = [
    { user: 'alice', salt: 'Zm9vYmFy', password: 'correct-horse', opaque: 'opq_123', cc: '0a1b2c3d' },
    { user: 'enc.01', salt: 'AAAAAAAA', password: 'p4ss+w=rd', opaque: 'x'.repeat(43), cc: 'ffffffff' },
  ];
  for (const v of vectors) {
    const secret = opensslMd5Base64(v.user + v.salt + v.password);
    assert.equal(adobeSecret(v.user, v.salt, v.password), secret);
    assert.equal(adobeResponse(secret, v.opaque, v.cc), opensslMd5Base64(secret + v.opaque + v.cc));
  }
  // A fixed vector, so a change in either side shows: md5("alice" "salt" "pw") then the response.
  assert.equal(adobeSecret('alice', 'salt', 'pw'), opensslMd5Base64('alicesaltpw'));
});

test('an issued opaque verifies for its user and salt only, and only until it expires', () => {
  let now = 1_700_000_000_000;
  const c = new AdobeChallenges(randomBytes(32), 60, () => now);
  const issued = c.issue('alice', 'saltsalt');
  assert.match(issued.opaque, /^[A-Za-z0-9_-]{43}$/);
  assert.match(issued.salt + issued.challenge, /^[A-Za-z0-9_-]+$/);
  const ok = c.check(issued.opaque, 'alice', 'saltsalt');
  assert.ok(ok.ok);
  assert.equal(ok.challenge, issued.challenge);
  assert.equal(ok.nonce, issued.nonce);
  assert.deepEqual(c.check(issued.opaque, 'bob', 'saltsalt'), { ok: false, reason: 'forged' });
  assert.deepEqual(c.check(issued.opaque, 'alice', 'othersal'), { ok: false, reason: 'forged' });
  // Another deployment's key signed it: forged.
  assert.deepEqual(
    new AdobeChallenges(randomBytes(32), 60, () => now).check(issued.opaque, 'alice', 'saltsalt'),
    {
      ok: false,
      reason: 'forged',
    },
  );
  now += 59_000;
  assert.ok(c.check(issued.opaque, 'alice', 'saltsalt').ok);
  now += 1_000;
  assert.deepEqual(c.check(issued.opaque, 'alice', 'saltsalt'), { ok: false, reason: 'expired' });
});

test('property: any change to an opaque (a byte, its length, any string) is forged, never accepted or thrown', () => {
  const c = new AdobeChallenges(randomBytes(32), 60);
  const issued = c.issue('alice', 'saltsalt');
  const raw = Buffer.from(issued.opaque, 'base64url');
  assert.equal(raw.length, OPAQUE_BYTES);
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: OPAQUE_BYTES - 1 }),
      fc.integer({ min: 1, max: 255 }),
      (at, xor) => {
        const copy = Buffer.from(raw);
        copy[at] = (copy[at] ?? 0) ^ xor;
        const r = c.check(copy.toString('base64url'), 'alice', 'saltsalt');
        // The expiry bytes are under the MAC too: a later expiry is a forgery, not an extension.
        assert.deepEqual(r, { ok: false, reason: 'forged' });
      },
    ),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      const r = c.check(s, 'alice', 'saltsalt');
      assert.equal(r.ok, false);
    }),
  );
});

test('the decoy salt of an unknown user is stable per name and shaped like a real one', () => {
  const c = new AdobeChallenges(randomBytes(32), 60);
  fc.assert(
    fc.property(fc.string({ minLength: 1, maxLength: 32 }), (user) => {
      assert.equal(c.decoySalt(user), c.decoySalt(user));
      assert.match(c.decoySalt(user), /^[A-Za-z0-9_-]{8}$/);
    }),
  );
});
