import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PLAYBACK_TOKEN_AUDIENCE } from '@tributary/contracts';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { SignJWT } from 'jose';
import { type RunningEdge, startEdge, until } from './support/edge-harness';
import { Peers } from './support/peers';

const signingKey = generateKeyPairSync('ed25519');
/** The smallest allowed connection idle timeout, so the waiting-viewer test outlasts it. */
const IDLE_TIMEOUT_MS = 5000;

function token(sub: string, expInSeconds = 600): Promise<string> {
  return new SignJWT({ aud: PLAYBACK_TOKEN_AUDIENCE, sub, exp: Math.floor(Date.now() / 1000) + expInSeconds })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'platform-1' })
    .sign(signingKey.privateKey);
}

describe('edge over real sockets with ffmpeg and rtmpdump as peers', { timeout: 180_000 }, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-rtmp-'));
  const clip = join(dir, 'clip.flv');
  let run: RunningEdge;

  before(async () => {
    await peers.makeClip(clip);
    run = await startEdge({
      PUBLISHER_IDLE_TIMEOUT_MS: '2000',
      AUTH_FAILURES_BEFORE_DELAY: '50',
      CONNECTION_IDLE_TIMEOUT_MS: String(IDLE_TIMEOUT_MS),
    });
    const jwk = signingKey.publicKey.export({ format: 'jwk' }) as { x: string };
    run.api.playbackKeys = [
      { kid: 'platform-1', tenantId: null, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } },
    ];
    await run.edge.refreshPlaybackKeys();
    run.api.allow('public-key', { playbackId: 'publicpb', eventTitle: 'Launch day' });
    run.api.allow('signed-key', { playbackId: 'signedpb', playbackPolicy: 'signed' });
    run.api.allow('late-key', { playbackId: 'latepb' });
  });

  after(async () => {
    await peers.stopAll();
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const live = (playbackId: string) => until(() => run.edge.registry.get(playbackId)?.isLive === true);

  it('ingests from ffmpeg and plays to ffmpeg with decoded frames, reporting the session', async () => {
    peers.publish(clip, `${run.rtmpUrl}/public-key`);
    await live('publicpb');
    const played = await peers.decodeFrames(`${run.rtmpUrl}/publicpb`, 30);
    assert.equal(played.frames, 30, played.stderr);
    await until(() => run.api.calls.sessionStarts.length > 0);
    assert.equal(run.api.calls.sessionStarts[0]?.liveStreamId, 'ls-public-key');
    assert.deepEqual(run.api.calls.authorize[0], {
      streamKey: 'public-key',
      app: 'live',
      clientIp: '127.0.0.1',
    });
  });

  it('exposes the attached event title in onMetaData', async () => {
    const probe = await peers.probe(`${run.rtmpUrl}/publicpb`);
    assert.equal(probe.code, 0);
    assert.equal(probe.json.format?.tags?.title, 'Launch day');
  });

  it('plays to rtmpdump --live, with and without FCSubscribe', async () => {
    const plain = await peers.rtmpdumpFrames(['-r', `${run.rtmpUrl}/publicpb`], join(dir, 'plain.flv'));
    assert.ok(plain.frames >= 25, `rtmpdump saved ${plain.frames} frames`);
    const subscribed = await peers.rtmpdumpFrames(
      ['-r', `${run.rtmpUrl}/publicpb`, '--subscribe', 'publicpb'],
      join(dir, 'subscribed.flv'),
    );
    assert.ok(subscribed.frames >= 25, `rtmpdump --subscribe saved ${subscribed.frames} frames`);
  });

  it('refuses an unknown stream key before any media and counts it', async () => {
    const wrong = peers.publish(clip, `${run.rtmpUrl}/not-a-key`);
    const [code] = await once(wrong, 'exit');
    assert.notEqual(code, 0);
    assert.equal(run.edge.metrics.publishAuth.get({ result: 'unknown_key' }), 1);
    assert.equal(run.edge.registry.get('pb-not-a-key'), undefined);
  });

  it('refuses a second publisher while the first keeps going (T3a)', async () => {
    const second = peers.publish(clip, `${run.rtmpUrl}/public-key`);
    const [code] = await once(second, 'exit');
    assert.notEqual(code, 0);
    assert.equal(run.edge.metrics.publishAuth.get({ result: 'already_publishing' }), 1);
    const played = await peers.decodeFrames(`${run.rtmpUrl}/publicpb`, 10);
    assert.equal(played.frames, 10, 'the first publisher is still live');
  });

  it('plays a signed stream only with a valid token for it, in the play name or the connect URL', async () => {
    peers.publish(clip, `${run.rtmpUrl}/signed-key`);
    await live('signedpb');
    const noToken = await peers.decodeFrames(`${run.rtmpUrl}/signedpb`, 5);
    assert.equal(noToken.frames, 0);
    const inName = await peers.decodeFrames(`${run.rtmpUrl}/signedpb?token=${await token('signedpb')}`, 10);
    assert.equal(inName.frames, 10, inName.stderr);
    const inConnect = await peers.rtmpdumpFrames(
      ['-r', `${run.rtmpUrl}/signedpb`, '-a', `live?token=${await token('signedpb')}`, '-y', 'signedpb'],
      join(dir, 'connect-token.flv'),
      2,
    );
    assert.ok(inConnect.frames > 0, 'token in the connect app accepted');
    const expired = await peers.decodeFrames(
      `${run.rtmpUrl}/signedpb?token=${await token('signedpb', -31)}`,
      5,
    );
    assert.equal(expired.frames, 0);
    const wrongStream = await peers.decodeFrames(
      `${run.rtmpUrl}/signedpb?token=${await token('publicpb')}`,
      5,
    );
    assert.equal(wrongStream.frames, 0);
    assert.equal(run.edge.metrics.playAuth.get({ result: 'token_expired' }), 1);
    assert.equal(run.edge.metrics.playAuth.get({ result: 'token_wrong_stream' }), 1);
  });

  it('lets a viewer whose token expires during playback keep watching (a token is checked when play starts)', {
    timeout: 60_000,
  }, async () => {
    // Expired 25 s ago: still inside the 30 s skew now, outside it within about 5 s.
    const expiring = await token('signedpb', -25);
    const client = new RtmpClient({ url: `${run.rtmpUrl}?token=${expiring}`, timeoutMs: 8000 });
    try {
      await client.connect();
      const stream = await client.play('signedpb');
      let media = 0;
      stream.on('media', () => {
        media += 1;
      });
      await until(
        async () => (await peers.decodeFrames(`${run.rtmpUrl}/signedpb?token=${expiring}`, 1)).frames === 0,
        500,
      );
      // The same token is now refused to a new viewer, and the running one still gets about a second more.
      assert.ok(run.edge.metrics.playAuth.get({ result: 'token_expired' }) >= 2);
      const seen = media;
      await until(() => media > seen + 25);
    } finally {
      client.close();
    }
  });

  it('keeps a viewer who arrives first waiting past the idle timeout, then starts it when the publisher comes', async () => {
    const viewer = peers.decodeFrames(`${run.rtmpUrl}/latepb`, 20);
    await until(() => (run.edge.registry.get('latepb')?.viewers.size ?? 0) === 1);
    await new Promise((r) => setTimeout(r, IDLE_TIMEOUT_MS * 1.5));
    assert.equal(run.edge.registry.get('latepb')?.viewers.size, 1, 'pings kept the waiting viewer connected');
    assert.equal(run.edge.registry.get('latepb')?.isLive, false);
    peers.publish(clip, `${run.rtmpUrl}/late-key`);
    const played = await viewer;
    assert.equal(played.frames, 20, played.stderr);
  });

  it('registers with the api and heartbeats with its credential and load', async () => {
    await until(() => run.api.calls.heartbeats.length > 0);
    const beat = run.api.calls.heartbeats[0];
    assert.equal(beat?.version, '0.1.0');
    assert.equal(run.api.calls.unauthorized, 0);
  });

  it('serves health, readiness and metrics', async () => {
    assert.equal((await fetch(`${run.httpUrl}/healthz`)).status, 200);
    assert.equal((await fetch(`${run.httpUrl}/readyz`)).status, 200);
    const text = await (await fetch(`${run.httpUrl}/metrics`)).text();
    assert.match(text, /^tributary_edge_publishers [1-9]/m);
    assert.match(text, /^tributary_edge_publish_authorizations_total\{result="allowed"\} [1-9]/m);
    assert.match(text, /^tributary_edge_sent_bytes_total [1-9]/m);
  });
});
