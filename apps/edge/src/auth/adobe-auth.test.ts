import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  adobeStep,
  authFailedDescription,
  challengeDescription,
  connectQuery,
  MAX_DESCRIPTION_BYTES,
  needAuthDescription,
  parseChallengeDescription,
  parseRawQuery,
  signInAppUrl,
  withoutExchange,
} from './adobe-auth';

const b64 = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((bytes) => Buffer.from(bytes).toString('base64'));
const word = fc.stringMatching(/^[A-Za-z0-9_.-]{1,32}$/);

/**
 * How FFmpeg's handle_connect_error reads a description (libavformat/rtmpproto.c): find the
 * markers with strstr, copy from "?reason=needauth" on (at most 299 bytes), split on '&', cut each
 * part at its first '='. Written here from that description, not shared with the edge's parser.
 */
function ffmpegReads(description: string) {
  const clipped = Buffer.from(description).subarray(0, 255).toString('latin1');
  const at = clipped.indexOf('?reason=needauth');
  if (at < 0)
    return { needAuth: clipped.includes('code=403 need auth'), adobe: clipped.includes('authmod=adobe') };
  const vars: Record<string, string> = {};
  for (const part of clipped.slice(at + 1, at + 1 + 299).split('&')) {
    const eq = part.indexOf('=');
    if (eq >= 0) vars[part.slice(0, eq)] = part.slice(eq + 1);
  }
  return { adobe: clipped.includes('authmod=adobe'), vars };
}

test('the three connects FFmpeg makes (auth params appended to app and tcUrl) are read as its steps', () => {
  const app = 'live-auth';
  assert.deepEqual(adobeStep(connectQuery(`rtmp://h:1935/${app}`, app)), { kind: 'none' });
  const second = '?authmod=adobe&user=enc-01';
  assert.deepEqual(adobeStep(connectQuery(`rtmp://h:1935/${app}${second}`, `${app}${second}`)), {
    kind: 'challenge',
    user: 'enc-01',
  });
  const third = '?authmod=adobe&user=enc-01&challenge=0a1b2c3d&response=q+/Z9w==&opaque=abc_DEF-123';
  assert.deepEqual(adobeStep(connectQuery(`rtmp://h:1935/${app}${third}`, `${app}${third}`)), {
    kind: 'answer',
    user: 'enc-01',
    clientChallenge: '0a1b2c3d',
    response: 'q+/Z9w==',
    opaque: 'abc_DEF-123',
  });
  // An app that already had a query (live?authmod=adobe) gets FFmpeg's '?authmod=…' appended again.
  assert.deepEqual(adobeStep('authmod=adobe?authmod=adobe&user=enc-01'), {
    kind: 'challenge',
    user: 'enc-01',
  });
  assert.deepEqual(adobeStep('authmod=adobe'), { kind: 'need_user' });
  assert.deepEqual(adobeStep('authmod=llnw&user=x'), { kind: 'unsupported', authmod: 'llnw' });
  assert.deepEqual(adobeStep('token=abc'), { kind: 'none' });
  // Half an answer, or one out of shape, is malformed (never half-trusted).
  assert.deepEqual(adobeStep('authmod=adobe&user=u&response=abc'), { kind: 'malformed' });
  assert.deepEqual(adobeStep('authmod=adobe&user=u&challenge=a b&response=x&opaque=y'), {
    kind: 'malformed',
  });
  assert.deepEqual(adobeStep(`authmod=adobe&user=u&${'x'.repeat(2000)}`), { kind: 'malformed' });
  // tcUrl's query first; the app's when tcUrl has none.
  assert.equal(connectQuery('rtmp://h/live?a=1', 'live?b=2'), 'a=1');
  assert.equal(connectQuery('rtmp://h/live', 'live?b=2'), 'b=2');
  assert.equal(connectQuery('rtmp://h/live', 'live'), undefined);
});

test('property: standard base64 answers survive the query unchanged (+ / = are not form-decoded)', () => {
  fc.assert(
    fc.property(word, b64, b64, fc.stringMatching(/^[0-9a-f]{8}$/), (user, response, opaque, cc) => {
      const step = adobeStep(
        `authmod=adobe&user=${user}&challenge=${cc}&response=${response}&opaque=${opaque}`,
      );
      assert.deepEqual(step, { kind: 'answer', user, clientChallenge: cc, response, opaque });
    }),
  );
});

test('property: any query string is parsed without throwing, into at most 32 bounded parameters', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 3000 }), (q) => {
      const params = parseRawQuery(q);
      assert.ok(params.size <= 32);
      const step = adobeStep(q);
      assert.ok(['none', 'unsupported', 'need_user', 'challenge', 'answer', 'malformed'].includes(step.kind));
    }),
  );
  fc.assert(
    fc.property(
      fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[A-Za-z0-9+/=_.-]{0,20}$/), {
        maxKeys: 20,
      }),
      (dict) => {
        const q = Object.entries(dict)
          .map(([k, v]) => `${k}=${v}`)
          .join('&');
        assert.deepEqual([...parseRawQuery(q)], Object.entries(dict));
      },
    ),
  );
});

test('descriptions say what FFmpeg looks for, and a challenge reads back whole within its 255 bytes', () => {
  const need = ffmpegReads(needAuthDescription());
  assert.deepEqual(need, { needAuth: true, adobe: true });
  assert.ok(authFailedDescription().includes('?reason=authfailed'));
  assert.ok(authFailedDescription().includes('authmod=adobe'));
  fc.assert(
    fc.property(
      fc.stringMatching(/^[A-Za-z0-9_.-]{3,32}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{8}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{8}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      (user, salt, challenge, opaque) => {
        const d = challengeDescription(user, salt, challenge, opaque);
        assert.ok(Buffer.byteLength(d) <= MAX_DESCRIPTION_BYTES);
        const read = ffmpegReads(d);
        assert.equal(read.adobe, true);
        assert.deepEqual(read.vars, { reason: 'needauth', user, salt, challenge, opaque });
        assert.deepEqual(parseChallengeDescription(d), { user, salt, challenge, opaque });
      },
    ),
  );
  assert.throws(() => challengeDescription('u'.repeat(200), 's', 'c', 'o'), /description of \d+ bytes/);
  assert.equal(parseChallengeDescription(needAuthDescription()), undefined);
});

test("a redirect from the sign-in application names the other edge's sign-in application", () => {
  assert.equal(
    signInAppUrl('rtmp://b.example:1935/live', 'live', 'live-auth'),
    'rtmp://b.example:1935/live-auth',
  );
  assert.equal(
    signInAppUrl('rtmp://b.example/x/live?t=1', 'live', 'live-auth'),
    'rtmp://b.example/x/live-auth?t=1',
  );
  assert.equal(signInAppUrl('rtmp://b.example/other', 'live', 'live-auth'), 'rtmp://b.example/other');
  assert.equal(signInAppUrl('not a url', 'live', 'live-auth'), 'not a url');
});

test('a reconnect keeps the connect query but not the spent exchange', () => {
  const q = new URLSearchParams('authmod=adobe&user=u&challenge=c&response=r&opaque=o&token=t');
  assert.equal(withoutExchange(q).toString(), 'token=t');
});
