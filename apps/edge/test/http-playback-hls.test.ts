import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorEnvelopeSchema, PLAYBACK_TOKEN_AUDIENCE, PlaybackHttpPaths } from '@tributary/contracts';
import { SignJWT } from 'jose';
import { type RunningEdge, startEdge, until } from './support/edge-harness';
import { nonMonotonic, pcrs, probePackets } from './support/media-probe';
import { Peers } from './support/peers';

const signingKey = generateKeyPairSync('ed25519');

function token(sub: string): Promise<string> {
  return new SignJWT({ aud: PLAYBACK_TOKEN_AUDIENCE, sub, exp: Math.floor(Date.now() / 1000) + 600 })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'platform-1' })
    .sign(signingKey.privateKey);
}

/** Media URIs of a playlist (every line that is not a tag). */
function uris(playlist: string): string[] {
  return playlist.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('HLS from the edge (MPEG-TS), with ffmpeg publishing and ffprobe playing', () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-hls-'));
  const clip = join(dir, 'clip.flv');
  const loopClip = join(dir, 'loop.flv');
  let run: RunningEdge;
  const playlistUrl = (id: string, query = '') =>
    `${run.httpUrl}${PlaybackHttpPaths.hlsPlaylist(id)}${query}`;

  /** Publishes the clip once in real time (it ends, so the playlist ends). */
  const publishOnce = (key: string) =>
    peers.spawn('ffmpeg', Peers.publishArgs(clip, `${run.rtmpUrl}/${key}`));
  const live = (id: string) => until(() => run.edge.registry.get(id)?.isLive === true);
  const playlistUntil = async (url: string, check: (text: string) => boolean): Promise<string> => {
    let text = '';
    await until(async () => {
      const res = await fetch(url);
      text = res.ok ? await res.text() : '';
      return res.ok && check(text);
    }, 200);
    return text;
  };

  before(async () => {
    await Promise.all([peers.makeClip(clip, 5), peers.makeClip(loopClip, 4)]);
    run = await startEdge({
      HLS_TARGET_DURATION_MS: '1000',
      HLS_VIEWER_WINDOW_SECONDS: '2',
      HLS_IDLE_TIMEOUT_SECONDS: '5',
      STATS_INTERVAL_SECONDS: '1',
      AUTH_FAILURES_BEFORE_DELAY: '50',
      PUBLISHER_IDLE_TIMEOUT_MS: '2000',
    });
    const jwk = signingKey.publicKey.export({ format: 'jwk' }) as { x: string };
    run.api.playbackKeys = [
      { kid: 'platform-1', tenantId: null, jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x } },
    ];
    await run.edge.refreshPlaybackKeys();
    run.api.allow('once-key', { playbackId: 'oncepb' });
    run.api.allow('signed-key', { playbackId: 'signedpb', playbackPolicy: 'signed' });
  });

  after(async () => {
    await peers.stopAll();
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 404 with the error envelope before the stream is live, and for hostile names', async () => {
    for (const path of [
      PlaybackHttpPaths.hlsPlaylist('oncepb'),
      '/live/..%2f..%2fetc/index.m3u8',
      '/live/a:b/index.m3u8',
      `/live/${'x'.repeat(65)}/index.m3u8`,
    ]) {
      const res = await fetch(`${run.httpUrl}${path}`);
      assert.equal(res.status, 404, path);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.equal(ErrorEnvelopeSchema.parse(await res.json()).error.code, 'not_found');
    }
    assert.equal(run.edge.registry.get('oncepb'), undefined, 'no lookup created an entry');
  });

  it('starts segmenting on the first request, ends the playlist with the stream, and ffprobe decodes it cleanly', async () => {
    const publisher = publishOnce('once-key');
    await live('oncepb');
    assert.equal(run.edge.playback.renditionCount, 0, 'nothing is segmented before someone asks');
    const first = await fetch(playlistUrl('oncepb'));
    assert.equal(first.status, 200, 'the first request waits for the first segment');
    assert.equal(first.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.equal(first.headers.get('cache-control'), 'no-cache');
    assert.equal(first.headers.get('access-control-allow-origin'), '*');
    const text = await first.text();
    assert.match(text, /^#EXTM3U/);
    assert.ok(uris(text).length >= 1, text);

    await once(publisher, 'exit');
    const ended = await playlistUntil(playlistUrl('oncepb'), (t) => t.includes('#EXT-X-ENDLIST'));
    const segments = uris(ended);
    assert.ok(segments.length >= 3, ended);
    for (const uri of segments) assert.match(uri, /^[a-z0-9]+\/seg-\d+\.ts$/);

    const probed = await probePackets(peers, playlistUrl('oncepb'));
    assert.equal(probed.code, 0, probed.stderr);
    assert.equal(probed.stderr, '', 'ffprobe -v error reports nothing');
    assert.ok(probed.packets.some((p) => p.codec_type === 'video'));
    assert.ok(probed.packets.some((p) => p.codec_type === 'audio'));
    assert.deepEqual(nonMonotonic(probed.packets), []);

    // The segments as one MPEG-TS stream: ffprobe at debug level finds no continuity break, and the
    // PCR is present in every segment and always increases.
    const bodies: Buffer[] = [];
    for (const uri of segments) {
      const res = await fetch(`${run.httpUrl}/live/oncepb/${uri}`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'video/mp2t');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=86400, immutable');
      bodies.push(Buffer.from(await res.arrayBuffer()));
    }
    for (const body of bodies) assert.ok(pcrs(body).length > 0, 'every segment carries a PCR');
    const all = pcrs(Buffer.concat(bodies));
    assert.ok(
      all.every((pcr, i) => i === 0 || pcr > all[i - 1]!),
      'PCR increases',
    );
    const joined = join(dir, 'joined.ts');
    writeFileSync(joined, Buffer.concat(bodies));
    const debug = await peers.run('ffprobe', ['-v', 'debug', '-show_packets', '-of', 'csv', joined]);
    assert.equal(debug.code, 0);
    assert.doesNotMatch(debug.stderr, /Continuity check failed/);
  });

  it('continues the playlist after EXT-X-DISCONTINUITY when the publisher comes back, timestamps still monotonic', async () => {
    const publisher = publishOnce('once-key');
    await live('oncepb');
    const restarted = await playlistUntil(
      playlistUrl('oncepb'),
      (t) => t.includes('#EXT-X-DISCONTINUITY') && !t.includes('#EXT-X-ENDLIST'),
    );
    assert.match(restarted, /#EXT-X-DISCONTINUITY\n#EXTINF/);
    await once(publisher, 'exit');
    await playlistUntil(playlistUrl('oncepb'), (t) => t.includes('#EXT-X-ENDLIST'));
    const probed = await probePackets(peers, playlistUrl('oncepb'));
    assert.equal(probed.code, 0, probed.stderr);
    assert.deepEqual(nonMonotonic(probed.packets), []);
  });

  it('serves a signed stream only with a valid token, carried to every segment URI', async () => {
    peers.publish(loopClip, `${run.rtmpUrl}/signed-key`);
    await live('signedpb');
    const missing = await fetch(playlistUrl('signedpb'));
    assert.equal(missing.status, 401);
    assert.equal(ErrorEnvelopeSchema.parse(await missing.json()).error.code, 'unauthenticated');
    const wrongStream = await fetch(playlistUrl('signedpb', `?token=${await token('oncepb')}`));
    assert.equal(wrongStream.status, 403);
    assert.equal(ErrorEnvelopeSchema.parse(await wrongStream.json()).error.code, 'forbidden');
    const flvMissing = await fetch(`${run.httpUrl}${PlaybackHttpPaths.flv('signedpb')}`);
    assert.equal(flvMissing.status, 401);
    assert.equal(ErrorEnvelopeSchema.parse(await flvMissing.json()).error.code, 'unauthenticated');

    const t = await token('signedpb');
    const ok = await fetch(playlistUrl('signedpb', `?token=${t}`));
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('cache-control'), 'private, no-cache', 'no shared cache keeps it');
    const listed = uris(await ok.text());
    assert.ok(listed.length > 0);
    for (const uri of listed) assert.ok(uri.endsWith(`?token=${encodeURIComponent(t)}`), uri);
    const segment = await fetch(`${run.httpUrl}/live/signedpb/${listed[0]}`);
    assert.equal(segment.status, 200);
    assert.equal(
      segment.headers.get('cache-control'),
      'private, max-age=86400, immutable',
      'a token guards it: only the viewer may cache it, never a CDN or proxy',
    );
    await segment.arrayBuffer();
    const bare = await fetch(`${run.httpUrl}/live/signedpb/${listed[0]!.split('?')[0]}`);
    assert.equal(bare.status, 401, 'a segment without the token is refused too');
  });

  it('answers CORS preflights for browser players', async () => {
    const res = await fetch(playlistUrl('signedpb'), {
      method: 'OPTIONS',
      headers: { origin: 'https://player.example', 'access-control-request-method': 'GET' },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /GET/);
  });

  it('counts an HLS viewer in the stream figures and usage, then lets it and the idle segmenter go', async () => {
    const t = await token('signedpb');
    const entry = run.edge.registry.get('signedpb');
    assert.ok(entry);
    const hlsViewers = () =>
      [...entry.viewers.keys()].filter((v) => 'protocol' in v && v.protocol === 'hls').length;
    assert.equal(hlsViewers(), 1, 'one client address + token is one viewer, however many requests');
    await fetch(playlistUrl('signedpb', `?token=${t}`)).then((r) => r.text());
    await until(() =>
      run.api.calls.stats.some(
        (s) => s.body.viewers >= 1 && s.body.bytesOutDelta > 0 && s.body.viewerSecondsDelta > 0,
      ),
    );
    await until(() => hlsViewers() === 0);
    await until(() => run.edge.playback.renditionCount === 0);
    const metrics = await (await fetch(`${run.httpUrl}/metrics`)).text();
    assert.match(metrics, /^tributary_edge_http_sent_bytes_total [1-9]/m);
    assert.match(metrics, /^tributary_edge_hls_renditions 0$/m);
  });
});
