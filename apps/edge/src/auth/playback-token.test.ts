import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  PLAYBACK_TOKEN_AUDIENCE,
  PLAYBACK_TOKEN_CLOCK_SKEW_SECONDS,
  PLAYBACK_TOKEN_MAX_TTL_SECONDS,
} from '@tributary/contracts';
import { SignJWT } from 'jose';
import type { PlaybackVerificationKey } from '../control-plane/playback-keys';
import { type TokenContext, verifyPlaybackToken } from './playback-token';

const NOW = new Date('2026-01-01T00:00:00Z');
const nowS = NOW.getTime() / 1000;

function keyPair(kid: string, tenantId: string | null) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const verification: PlaybackVerificationKey = { kid, tenantId, key: publicKey };
  return { privateKey, verification };
}

const platform = keyPair('platform-1', null);
const tenantA = keyPair('tenant-a-1', 'tenant-a');
const keys = new Map([platform, tenantA].map((k) => [k.verification.kid, k.verification]));
const resolve = async (kid: string) => keys.get(kid);

function sign(
  claims: Record<string, unknown>,
  opts: { key?: KeyObject; kid?: string | null } = {},
): Promise<string> {
  const header: { alg: string; kid?: string } = { alg: 'EdDSA' };
  if (opts.kid !== null) header.kid = opts.kid ?? 'platform-1';
  return new SignJWT({ aud: PLAYBACK_TOKEN_AUDIENCE, sub: 'pb1', exp: nowS + 600, iat: nowS, ...claims })
    .setProtectedHeader(header)
    .sign(opts.key ?? platform.privateKey);
}

const ctx: TokenContext = { playbackId: 'pb1', tenantId: 'tenant-a', clientIp: '203.0.113.7' };

describe('verifyPlaybackToken', () => {
  it('accepts a valid platform token and returns its claims and key', async () => {
    const verdict = await verifyPlaybackToken(await sign({ jti: 'j1' }), ctx, resolve, NOW);
    assert.deepEqual(verdict, {
      ok: true,
      keyTenantId: null,
      kid: 'platform-1',
      claims: { aud: PLAYBACK_TOKEN_AUDIENCE, sub: 'pb1', exp: nowS + 600, iat: nowS, jti: 'j1' },
    });
  });

  it('accepts a tenant key for its own tenant and refuses it for another tenant (docs/reliability.md: playback-tokens)', async () => {
    const token = await sign({}, { key: tenantA.privateKey, kid: 'tenant-a-1' });
    assert.equal((await verifyPlaybackToken(token, ctx, resolve, NOW)).ok, true);
    const other = await verifyPlaybackToken(token, { ...ctx, tenantId: 'tenant-b' }, resolve, NOW);
    assert.deepEqual(other, { ok: false, reason: 'wrong_tenant' });
  });

  it('defers the tenant check when the stream tenant is not known yet', async () => {
    const token = await sign({}, { key: tenantA.privateKey, kid: 'tenant-a-1' });
    const verdict = await verifyPlaybackToken(token, { ...ctx, tenantId: null }, resolve, NOW);
    assert.equal(verdict.ok && verdict.keyTenantId, 'tenant-a');
  });

  it('refuses a token for another playback id', async () => {
    const verdict = await verifyPlaybackToken(await sign({ sub: 'other' }), ctx, resolve, NOW);
    assert.deepEqual(verdict, { ok: false, reason: 'wrong_stream' });
  });

  it('refuses a token with another audience', async () => {
    const verdict = await verifyPlaybackToken(await sign({ aud: 'somebody-else' }), ctx, resolve, NOW);
    assert.deepEqual(verdict, { ok: false, reason: 'wrong_audience' });
  });

  it('allows the contract clock skew on exp and not one second more', async () => {
    const skew = PLAYBACK_TOKEN_CLOCK_SKEW_SECONDS;
    const within = await verifyPlaybackToken(await sign({ exp: nowS - skew + 1 }), ctx, resolve, NOW);
    assert.equal(within.ok, true);
    const beyond = await verifyPlaybackToken(await sign({ exp: nowS - skew - 1 }), ctx, resolve, NOW);
    assert.deepEqual(beyond, { ok: false, reason: 'expired' });
  });

  it('refuses a token whose exp lies beyond the maximum TTL', async () => {
    const exp = nowS + PLAYBACK_TOKEN_MAX_TTL_SECONDS + PLAYBACK_TOKEN_CLOCK_SKEW_SECONDS + 1;
    const verdict = await verifyPlaybackToken(await sign({ exp }), ctx, resolve, NOW);
    assert.deepEqual(verdict, { ok: false, reason: 'ttl_too_long' });
  });

  it('refuses a token without exp', async () => {
    const verdict = await verifyPlaybackToken(await sign({ exp: undefined }), ctx, resolve, NOW);
    assert.deepEqual(verdict, { ok: false, reason: 'invalid_claims' });
  });

  it('refuses a tampered payload', async () => {
    const [h, p, s] = (await sign({})).split('.');
    const payload = JSON.parse(Buffer.from(p ?? '', 'base64url').toString());
    payload.sub = 'pb2';
    const forged = [h, Buffer.from(JSON.stringify(payload)).toString('base64url'), s].join('.');
    const verdict = await verifyPlaybackToken(forged, { ...ctx, playbackId: 'pb2' }, resolve, NOW);
    assert.deepEqual(verdict, { ok: false, reason: 'bad_signature' });
  });

  it('refuses a token signed by a key that is not the one its kid names', async () => {
    const token = await sign({}, { key: tenantA.privateKey, kid: 'platform-1' });
    assert.deepEqual(await verifyPlaybackToken(token, ctx, resolve, NOW), {
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses an HS256 token even if its kid is known (algorithm confusion)', async () => {
    const token = await new SignJWT({ aud: PLAYBACK_TOKEN_AUDIENCE, sub: 'pb1', exp: nowS + 600 })
      .setProtectedHeader({ alg: 'HS256', kid: 'platform-1' })
      .sign(new TextEncoder().encode('a-shared-secret-of-enough-length!!'));
    assert.deepEqual(await verifyPlaybackToken(token, ctx, resolve, NOW), {
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses unknown and missing kids', async () => {
    const unknown = await sign({}, { kid: 'nope' });
    assert.deepEqual(await verifyPlaybackToken(unknown, ctx, resolve, NOW), {
      ok: false,
      reason: 'unknown_key',
    });
    const missing = await sign({}, { kid: null });
    assert.deepEqual(await verifyPlaybackToken(missing, ctx, resolve, NOW), {
      ok: false,
      reason: 'unknown_key',
    });
  });

  it('refuses garbage and oversized strings as malformed', async () => {
    for (const token of ['', 'abc', 'a.b.c', '../../etc/passwd', 'x'.repeat(5000)]) {
      assert.deepEqual(await verifyPlaybackToken(token, ctx, resolve, NOW), {
        ok: false,
        reason: 'malformed',
      });
    }
  });

  it('enforces the ip binding, treating IPv4-mapped IPv6 as the same address', async () => {
    const token = await sign({ ip: '203.0.113.7' });
    const mapped = await verifyPlaybackToken(token, { ...ctx, clientIp: '::ffff:203.0.113.7' }, resolve, NOW);
    assert.equal(mapped.ok, true);
    const other = await verifyPlaybackToken(token, { ...ctx, clientIp: '203.0.113.8' }, resolve, NOW);
    assert.deepEqual(other, { ok: false, reason: 'ip_mismatch' });
  });
});
