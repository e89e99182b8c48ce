import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { PLAYBACK_TOKEN_AUDIENCE, RELAY_TOKEN_AUDIENCE, RELAY_TOKEN_TTL_SECONDS } from '@tributary/contracts';
import { SignJWT } from 'jose';
import { verifyPlaybackToken } from '../auth/playback-token';
import type { PlaybackVerificationKey } from '../control-plane/playback-keys';
import { relayConnect, relayTokenOf, verifyRelayToken } from './relay-token';

const NOW = new Date('2026-01-01T00:00:00Z');
const nowS = NOW.getTime() / 1000;

function keyPair(kid: string, tenantId: string | null) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const verification: PlaybackVerificationKey = { kid, tenantId, key: publicKey };
  return { privateKey, verification };
}

const platform = keyPair('platform-1', null);
const tenant = keyPair('tenant-a-1', 'tenant-a');
const stranger = keyPair('platform-1', null); // same kid, another private key: a forgery
const keys = new Map([platform, tenant].map((k) => [k.verification.kid, k.verification]));
const resolve = async (kid: string) => keys.get(kid);

function sign(
  claims: Record<string, unknown>,
  opts: { key?: KeyObject; kid?: string } = {},
): Promise<string> {
  return new SignJWT({
    aud: RELAY_TOKEN_AUDIENCE,
    sub: 'pb1',
    exp: nowS + 60,
    iat: nowS,
    edg: 'edge-b',
    ...claims,
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: opts.kid ?? 'platform-1' })
    .sign(opts.key ?? platform.privateKey);
}

const reasonOf = async (token: string, playbackId: string | undefined = 'pb1') => {
  const v = await verifyRelayToken(token, playbackId, resolve, NOW);
  return v.ok ? 'ok' : v.reason;
};

describe('verifyRelayToken', () => {
  it('accepts a platform-signed relay token for the played stream', async () => {
    const v = await verifyRelayToken(await sign({}), 'pb1', resolve, NOW);
    assert.ok(v.ok);
    assert.equal(v.claims.edg, 'edge-b');
    assert.equal(v.kid, 'platform-1');
  });

  it('refuses every way a token can be wrong', async () => {
    assert.equal(await reasonOf(await sign({}), 'pb2'), 'wrong_stream');
    assert.equal(await reasonOf(await sign({ aud: PLAYBACK_TOKEN_AUDIENCE })), 'wrong_audience');
    assert.equal(await reasonOf(await sign({ exp: nowS - 3600 })), 'expired');
    assert.equal(await reasonOf(await sign({ exp: nowS + RELAY_TOKEN_TTL_SECONDS + 3600 })), 'ttl_too_long');
    assert.equal(await reasonOf(await sign({}, { key: stranger.privateKey })), 'bad_signature');
    assert.equal(
      await reasonOf(await sign({}, { key: tenant.privateKey, kid: 'tenant-a-1' })),
      'not_platform_key',
    );
    assert.equal(await reasonOf(await sign({}, { kid: 'nobody' })), 'unknown_key');
    assert.equal(await reasonOf(await sign({ edg: 7 })), 'invalid_claims');
    assert.equal(await reasonOf('not-a-jwt'), 'malformed');
    assert.equal(await reasonOf('x'.repeat(5000)), 'malformed');
  });

  it('a viewer playback token is no relay token, and a relay token is no playback token', async () => {
    const viewerToken = await new SignJWT({ aud: PLAYBACK_TOKEN_AUDIENCE, sub: 'pb1', exp: nowS + 60 })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'platform-1' })
      .sign(platform.privateKey);
    assert.equal(await reasonOf(viewerToken), 'wrong_audience');
    const asPlayback = await verifyPlaybackToken(
      await sign({}),
      { playbackId: 'pb1', tenantId: null, clientIp: '127.0.0.1' },
      resolve,
      NOW,
    );
    assert.deepEqual(asPlayback, { ok: false, reason: 'wrong_audience' });
  });
});

describe('relayConnect and relayTokenOf', () => {
  it("tells load balancing whether a connect is another edge's pull", async () => {
    assert.equal(await relayConnect(new URLSearchParams('token=x'), resolve), 'none');
    assert.equal(await relayConnect(new URLSearchParams({ relay: 'garbage' }), resolve), 'invalid');
    // The real clock: the connect check has no stream to compare, only signature, key, audience, expiry.
    const fresh = await new SignJWT({ aud: RELAY_TOKEN_AUDIENCE, sub: 'pb1', edg: 'edge-b' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'platform-1' })
      .setExpirationTime('60s')
      .sign(platform.privateKey);
    assert.equal(await relayConnect(new URLSearchParams({ relay: fresh }), resolve), 'valid');
  });

  it('takes the play name parameter first, then the connect URL one', () => {
    const play = new URLSearchParams({ relay: 'from-play' });
    const connect = new URLSearchParams({ relay: 'from-connect' });
    assert.equal(relayTokenOf(play, connect), 'from-play');
    assert.equal(relayTokenOf(new URLSearchParams(), connect), 'from-connect');
    assert.equal(relayTokenOf(new URLSearchParams('token=t'), undefined), undefined);
  });
});
