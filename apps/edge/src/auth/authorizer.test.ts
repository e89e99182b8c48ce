import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { type AuthorizePublishResponse, PLAYBACK_TOKEN_AUDIENCE } from '@tributary/contracts';
import { StatusCode } from '@tributary/rtmp-core';
import { SignJWT } from 'jose';
import { PlaybackKeyStore } from '../control-plane/playback-keys';
import { PublishAuthorizer, type PublishGrant } from '../control-plane/publish-authorizer';
import { Authorizer } from './authorizer';
import { FailureThrottle } from './failure-throttle';

const grant: PublishGrant = {
  allowed: true,
  tenantId: 'tenant-a',
  liveStreamId: 'ls1',
  playbackId: 'pb1',
  playbackPolicy: 'signed',
  record: false,
  eventTitle: null,
  maxViewers: 2,
  cacheTtlSeconds: 5,
};

const tenantKey = generateKeyPairSync('ed25519');
const platformKey = generateKeyPairSync('ed25519');
const jwkX = (k: typeof tenantKey) => (k.publicKey.export({ format: 'jwk' }) as { x: string }).x;

function token(kid: string, key: typeof tenantKey, sub = 'pb1'): Promise<string> {
  return new SignJWT({ aud: PLAYBACK_TOKEN_AUDIENCE, sub, exp: Math.floor(Date.now() / 1000) + 600 })
    .setProtectedHeader({ alg: 'EdDSA', kid })
    .sign(key.privateKey);
}

async function setup() {
  const sleeps: number[] = [];
  const keys = new PlaybackKeyStore({
    fetchPage: async () => ({
      keys: [
        {
          kid: 'tenant-a-key',
          tenantId: 'tenant-a',
          jwk: { kty: 'OKP', crv: 'Ed25519', x: jwkX(tenantKey) },
        },
        { kid: 'platform', tenantId: null, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwkX(platformKey) } },
      ],
      next: null,
    }),
    fetchOne: async () => undefined,
  });
  await keys.sync();
  const answers = new Map<string, AuthorizePublishResponse>([
    ['good', grant],
    [
      'disabled',
      { allowed: false, reason: 'stream_disabled', message: 'The stream is disabled.', cacheTtlSeconds: 5 },
    ],
  ]);
  const authorizer = new Authorizer({
    app: 'live',
    publish: new PublishAuthorizer({
      ask: async (r) =>
        answers.get(r.streamKey) ?? {
          allowed: false,
          reason: 'unknown_key',
          message: 'Unknown key.',
          cacheTtlSeconds: 0,
        },
      maxCacheTtlSeconds: 30,
      staleIfErrorSeconds: 0,
      maxPending: 8,
    }),
    keys,
    throttle: new FailureThrottle(5),
    maxViewersPerStream: 100,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  return { authorizer, sleeps, keys };
}

describe('Authorizer', () => {
  it('accepts only the configured app on connect', async () => {
    const { authorizer } = await setup();
    assert.equal(authorizer.authorizeConnect('live').allow, true);
    const other = authorizer.authorizeConnect('admin');
    assert.equal(!other.allow && other.code, StatusCode.ConnectRejected);
  });

  it('maps publish refusals to their onStatus codes and never lets unsafe names reach the api (docs/reliability.md: names)', async () => {
    const { authorizer } = await setup();
    const ok = await authorizer.authorizePublish('good', '::ffff:10.0.0.1');
    assert.equal(ok.allow && ok.value.grant.playbackId, 'pb1');
    assert.ok(ok.allow && ok.value.keyDigest !== 'good', 'only a digest of the key is kept');
    const cases: Array<[string, string, string]> = [
      ['nope', StatusCode.PublishBadName, 'unknown_key'],
      ['disabled', StatusCode.PublishDenied, 'stream_disabled'],
      ['../../etc', StatusCode.PublishBadName, 'bad_name'],
      ['%2e%2e%2f', StatusCode.PublishBadName, 'bad_name'],
      ['a'.repeat(65), StatusCode.PublishBadName, 'bad_name'],
      ['clé', StatusCode.PublishBadName, 'bad_name'],
    ];
    for (const [key, code, result] of cases) {
      const verdict = await authorizer.authorizePublish(key, '10.0.0.2');
      assert.deepEqual(!verdict.allow && [verdict.code, verdict.result], [code, result], key);
    }
  });

  it('slows an IP down after five wrong keys (docs/reliability.md: broken-credentials)', async () => {
    const { authorizer, sleeps } = await setup();
    for (let i = 0; i < 5; i++) await authorizer.authorizePublish(`wrong${i}`, '10.9.9.9');
    // Refusal jitter is < 250 ms; the throttle's waits are close to a whole second.
    const throttleSleeps = () => sleeps.filter((ms) => ms >= 500);
    assert.equal(throttleSleeps().length, 0);
    await authorizer.authorizePublish('wrong5', '10.9.9.9');
    await authorizer.authorizePublish('wrong6', '10.9.9.9');
    assert.equal(throttleSleeps().length, 1);
  });

  it('lets viewers of a public stream in without a token, and requires one for a signed stream', async () => {
    const { authorizer } = await setup();
    const live = { grant: { ...grant, playbackPolicy: 'public' as const }, viewers: 0 };
    assert.equal((await authorizer.authorizePlay('pb1', undefined, '1.2.3.4', live)).allow, true);
    const signed = await authorizer.authorizePlay('pb1', undefined, '1.2.3.4', { grant, viewers: 0 });
    assert.equal(!signed.allow && signed.result, 'token_missing');
  });

  it('accepts a token of the stream tenant or a platform key, and refuses another tenant key (docs/reliability.md: playback-tokens)', async () => {
    const { authorizer } = await setup();
    const live = { grant, viewers: 0 };
    assert.equal(
      (await authorizer.authorizePlay('pb1', await token('tenant-a-key', tenantKey), '1.2.3.4', live)).allow,
      true,
    );
    assert.equal(
      (await authorizer.authorizePlay('pb1', await token('platform', platformKey), '1.2.3.4', live)).allow,
      true,
    );
    const otherTenant = { grant: { ...grant, tenantId: 'tenant-b' }, viewers: 0 };
    const refused = await authorizer.authorizePlay(
      'pb1',
      await token('tenant-a-key', tenantKey),
      '1.2.3.4',
      otherTenant,
    );
    assert.equal(!refused.allow && refused.result, 'token_wrong_tenant');
    const wrongStream = await authorizer.authorizePlay(
      'pb1',
      await token('platform', platformKey, 'pb2'),
      '1.2.3.4',
      live,
    );
    assert.equal(!wrongStream.allow && wrongStream.result, 'token_wrong_stream');
  });

  it('lets a viewer wait before the publisher and applies the policy when it arrives', async () => {
    const { authorizer } = await setup();
    const waiting = await authorizer.authorizePlay('pb1', undefined, '1.2.3.4', undefined);
    assert.ok(waiting.allow);
    assert.equal(authorizer.admitsViewer(waiting.value, grant).allow, false, 'signed stream, no token');
    assert.equal(authorizer.admitsViewer(waiting.value, { ...grant, playbackPolicy: 'public' }).allow, true);
    const withToken = await authorizer.authorizePlay(
      'pb1',
      await token('tenant-a-key', tenantKey),
      '1.2.3.4',
      undefined,
    );
    assert.ok(withToken.allow);
    assert.equal(authorizer.admitsViewer(withToken.value, grant).allow, true);
    assert.equal(authorizer.admitsViewer(withToken.value, { ...grant, tenantId: 'tenant-b' }).allow, false);
  });

  it('enforces the tenant viewer limit', async () => {
    const { authorizer } = await setup();
    const full = await authorizer.authorizePlay('pb1', await token('platform', platformKey), '1.2.3.4', {
      grant,
      viewers: 2,
    });
    assert.equal(!full.allow && full.result, 'viewer_limit');
  });
});
