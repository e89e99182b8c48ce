import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PLAYBACK_TOKEN_AUDIENCE } from '@tributary/contracts';
import { RtmpError } from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { SignJWT } from 'jose';
import { type RunningEdge, startEdge, until } from './support/edge-harness';
import { Peers } from './support/peers';

/** An AVC keyframe tag body (FLV VideoTagHeader: keyframe + AVC, NALU packet) with a dummy payload. */
const KEYFRAME = Buffer.from([0x17, 0x01, 0, 0, 0, 0, 0, 0, 1, 0x65]);

describe('edge faults: api outage and slowness, takeover, hostile names and media', {
  timeout: 120_000,
}, () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-faults-'));
  const clip = join(dir, 'clip.flv');
  const signingKey = generateKeyPairSync('ed25519');
  const clients: RtmpClient[] = [];
  let run: RunningEdge;

  const client = (app = 'live') => {
    const c = new RtmpClient({ url: `${run.rtmpUrl.replace(/\/live$/, '')}/${app}`, timeoutMs: 8000 });
    clients.push(c);
    return c;
  };

  before(async () => {
    await peers.makeClip(clip);
    run = await startEdge({
      API_TIMEOUT_MS: '1000',
      PUBLISHER_IDLE_TIMEOUT_MS: '1000',
      AUTH_STALE_IF_ERROR_SECONDS: '0',
    });
    const jwk = signingKey.publicKey.export({ format: 'jwk' }) as { x: string };
    run.api.playbackKeys = [{ kid: 'k1', tenantId: null, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } }];
    await run.edge.refreshPlaybackKeys();
    run.api.allow('live-key', { playbackId: 'livepb', playbackPolicy: 'signed', cacheTtlSeconds: 0 });
    run.api.allow('new-key', { playbackId: 'newpb', cacheTtlSeconds: 0 });
    run.api.allow('silent-key', { playbackId: 'silentpb', cacheTtlSeconds: 0 });
    run.api.allow('m8-key', { playbackId: 'm8pb', cacheTtlSeconds: 0 });
  });

  after(async () => {
    for (const c of clients) c.close();
    await peers.stopAll();
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets the same key take over a silent publisher, with one new session (T3b)', async () => {
    const first = client();
    await first.connect();
    const stream = await first.publish('silent-key');
    stream.sendMedia({ typeId: 9, timestamp: 0, payload: KEYFRAME });
    const starts = () => run.api.calls.sessionStarts.filter((s) => s.liveStreamId === 'ls-silent-key').length;
    await until(() => starts() === 1);
    // No more media: past PUBLISHER_IDLE_TIMEOUT_MS the edge ends it and the key may publish again.
    const firstClosed = once(first, 'close');
    await until(() => run.edge.registry.get('silentpb')?.isLive !== true);
    await firstClosed;
    const second = client();
    await second.connect();
    await second.publish('silent-key');
    await until(() => starts() === 2);
    assert.equal(run.edge.metrics.sessionsEnded.get({ reason: 'publisher_idle' }), 1);
    second.close();
  });

  it('refuses unsafe names before the api sees them', async () => {
    for (const name of [
      '..',
      '../../tmp/x',
      '%2e%2e%2f',
      'a\\b',
      'a:b',
      '~root',
      'x'.repeat(300),
      'strëam',
    ]) {
      const c = client();
      await c.connect();
      await assert.rejects(c.publish(name), RtmpError, `publish ${name}`);
      await assert.rejects(c.play(name), RtmpError, `play ${name}`);
      c.close();
    }
    const bad = client('..');
    await assert.rejects(bad.connect(), 'an unknown app is refused at connect');
    assert.ok(run.api.calls.authorize.every((r) => /^[A-Za-z0-9_-]{1,64}$/.test(r.streamKey)));
  });

  it('survives malformed media and metadata from a publisher', async () => {
    const publisher = client();
    await publisher.connect();
    const stream = await publisher.publish('m8-key');
    const viewer = client();
    await viewer.connect();
    const played = await viewer.play('m8pb');
    let received = 0;
    played.on('media', () => {
      received += 1;
    });
    const hostile: Array<[8 | 9, Buffer]> = [
      [9, Buffer.alloc(0)], // zero-length video
      [8, Buffer.alloc(0)], // zero-length audio
      [9, Buffer.from([0x17, 0x00, 0, 0])], // truncated AVC sequence header
      [9, Buffer.from([0x1f, 1, 2, 3])], // unknown CodecID 15
      [9, Buffer.from([0x90, 0x7a, 0x7a, 0x7a, 0x7a, 0])], // Enhanced RTMP, unknown FourCC 'zzzz'
      [8, Buffer.from([0x90, 0x7a, 0x7a])], // audio ExHeader cut short
      [9, KEYFRAME],
    ];
    for (const [i, [typeId, payload]] of hostile.entries())
      stream.sendMedia({ typeId, timestamp: i * 40, payload });
    stream.sendMetadata({
      width: 'wide',
      height: -1,
      framerate: Number.NaN,
      stereo: 'yes',
      title: { nested: true },
    });
    stream.sendMedia({ typeId: 9, timestamp: 400, payload: KEYFRAME });
    await until(() => received > 0);
    const entry = run.edge.registry.get('m8pb');
    assert.equal(entry?.isLive, true, 'the hostile session carries on');
    assert.equal(
      entry?.publisher?.video?.codec,
      'h264',
      'the first readable tag names the codec; empty ones are skipped',
    );
    publisher.close();
    viewer.close();
  });

  it('keeps live streams and signed plays going while the api is slow, and fails new keys closed', async (t) => {
    peers.publish(clip, `${run.rtmpUrl}/live-key`);
    await until(() => run.edge.registry.get('livepb')?.isLive === true);
    run.api.fault = { kind: 'slow', delayMs: 5000 };

    const started = Date.now();
    const refused = peers.publish(clip, `${run.rtmpUrl}/new-key`);
    const refusedExit = once(refused, 'exit');
    const viewerToken = await new SignJWT({
      aud: PLAYBACK_TOKEN_AUDIENCE,
      sub: 'livepb',
      exp: Math.floor(Date.now() / 1000) + 600,
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .sign(signingKey.privateKey);
    const played = await peers.decodeFrames(`${run.rtmpUrl}/livepb?token=${viewerToken}`, 25);
    assert.equal(
      played.frames,
      25,
      'a signed play of a running stream is served offline while auth calls hang',
    );
    const [code] = await refusedExit;
    t.diagnostic(`new key refused after ${Date.now() - started} ms (API_TIMEOUT_MS=1000)`);
    assert.notEqual(code, 0);
    assert.equal(run.edge.metrics.publishAuth.get({ result: 'control_plane_unavailable' }), 1);
    assert.equal(run.edge.registry.get('newpb'), undefined);
    run.api.fault = { kind: 'none' };
  });

  it('denies when the api answers with 5 MB or invalid JSON', async () => {
    for (const fault of [{ kind: 'huge', bytes: 5 * 1024 * 1024 }, { kind: 'invalid-json' }] as const) {
      run.api.fault = fault;
      const c = client();
      await c.connect();
      await assert.rejects(c.publish('new-key'), fault.kind);
      c.close();
    }
    run.api.fault = { kind: 'none' };
    assert.equal(run.edge.metrics.publishAuth.get({ result: 'control_plane_unavailable' }), 3);
  });

  it('keeps running streams going when the api is gone entirely', async () => {
    await run.api.stop();
    const c = client();
    await c.connect();
    await assert.rejects(c.publish('new-key'));
    c.close();
    const played = await peers.decodeFrames(
      `${run.rtmpUrl}/livepb?token=${await new SignJWT({
        aud: PLAYBACK_TOKEN_AUDIENCE,
        sub: 'livepb',
        exp: Math.floor(Date.now() / 1000) + 600,
      })
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
        .sign(signingKey.privateKey)}`,
      25,
    );
    assert.equal(played.frames, 25);
    assert.equal(run.edge.registry.get('livepb')?.isLive, true);
  });
});
