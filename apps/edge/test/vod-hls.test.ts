import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Asset, AssetSchema, ErrorEnvelopeSchema, PlaybackHttpPaths } from '@tributary/contracts';
import { parseMultiBitrateSmil } from '@tributary/smil';
import { launchChromium, run, tempDir, waitUntil, withDeadline } from '@tributary/test-kit';
import { ControlPlane, type EdgeHandle, type TenantHandle } from './support/control-plane';
import { Peers } from './support/peers';

/**
 * On-demand HLS (issue 12) through real processes: an MP4 ffmpeg made is uploaded to a real api,
 * indexed there, and played as HLS from two real edges (each reading the file by range through the
 * api) by ffprobe/ffmpeg (every frame decodes, the duration is the file's) and by hls.js in Chromium
 * (plays, then seeks to the middle and plays on from there). A signed asset needs a minted token.
 */

const CLIP_SECONDS = 8;
const FPS = 25;
/** Wait bound for the player (a wait, not a speed assertion). */
const PLAYER_WAIT_MS = 30_000;

const PLAYER_PAGE = `<!doctype html><html><body><video id="v" muted playsinline></video>
<script src="/hls.js"></script><script>
window.fatal = null;
window.player = (src) => {
  const video = document.getElementById('v');
  const hls = new Hls({ enableWorker: false });
  hls.on(Hls.Events.ERROR, (_e, data) => { if (data.fatal) window.fatal = data.type + ':' + data.details; });
  hls.loadSource(src);
  hls.attachMedia(video);
  video.play().catch((e) => { window.fatal = 'play:' + e.message; });
};
</script></body></html>`;

const peers = new Peers();
/** Bound on one ffprobe or ffmpeg run. */
const PEER_DEADLINE_MS = 30_000;

const probe = (url: string, entries: string): Promise<string> =>
  peers.probeCsv(url, entries, PEER_DEADLINE_MS);

/** Frames decoded from `url` (video), with any decode error ffmpeg reports. */
async function decode(url: string): Promise<{ frames: number; errors: string }> {
  const res = await withDeadline(
    peers.run('ffmpeg', ['-nostdin', '-v', 'error', '-i', url, '-map', '0:v', '-f', 'framemd5', '-']),
    `ffmpeg decoding ${url}`,
    PEER_DEADLINE_MS,
  );
  assert.equal(res.code, 0, res.stderr);
  return { frames: res.stdout.split('\n').filter((l) => /^\d/.test(l)).length, errors: res.stderr.trim() };
}

describe('on-demand assets as HLS from every edge', () => {
  const dir = tempDir('tributary-vod-hls-');
  let plane: ControlPlane;
  let tenant: TenantHandle;
  let edgeA: EdgeHandle;
  let edgeB: EdgeHandle;
  let mp4: string;
  let open: Asset;
  let signed: Asset;
  let page: Server;

  async function upload(policy: 'public' | 'signed', file = mp4): Promise<Asset> {
    const filename = file.endsWith('.flv') ? 'talk.flv' : 'talk.mp4';
    return AssetSchema.parse(await plane.readyAsset(tenant, file, { filename, playbackPolicy: policy }));
  }

  before(async () => {
    mp4 = join(dir.path, 'talk.mp4');
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `testsrc=size=320x240:rate=${FPS}`],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100'],
      ...['-t', String(CLIP_SECONDS), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(FPS)],
      ...['-pix_fmt', 'yuv420p', '-c:a', 'aac', mp4],
    ]);
    assert.equal(made.code, 0, made.stderr);
    plane = await ControlPlane.start({ dir: dir.path });
    tenant = await plane.newTenant('On demand');
    const env = { VOD_SEGMENT_TARGET_MS: '2000', VOD_CACHE_BYTES: String(4 * 1024 * 1024) };
    edgeA = await plane.startEdge({ name: 'vod-a', env });
    edgeB = await plane.startEdge({ name: 'vod-b', env });
    open = await upload('public');
    signed = await upload('signed');
    const hlsJs = readFileSync(require.resolve('hls.js/dist/hls.min.js'));
    page = createServer((req, res) => {
      const isScript = req.url === '/hls.js';
      res.writeHead(200, { 'content-type': isScript ? 'text/javascript' : 'text/html' });
      res.end(isScript ? hlsJs : PLAYER_PAGE);
    });
    await new Promise<void>((resolve) => page.listen(0, '127.0.0.1', resolve));
  });

  after(async () => {
    await peers.stopAll();
    page?.close();
    await plane?.stop();
    await dir.remove();
  });

  it('names its HLS URL once ready; ffmpeg decodes every frame from one edge and then another', async () => {
    assert.ok(open.playback?.hls.endsWith(PlaybackHttpPaths.vodHlsPlaylist(open.playbackId)));
    const fileFrames = Number(
      await probe(mp4, '-count_frames -select_streams v -show_entries stream=nb_read_frames'),
    );
    const fileDuration = Number(await probe(mp4, '-show_entries format=duration'));
    for (const edge of [edgeA, edgeB]) {
      const url = `${edge.http}${PlaybackHttpPaths.vodHlsPlaylist(open.playbackId)}`;
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/vnd.apple.mpegurl');
      const playlist = await res.text();
      assert.match(playlist, /#EXT-X-PLAYLIST-TYPE:VOD/);
      assert.match(playlist, /#EXT-X-ENDLIST/);
      const segments = playlist.split('\n').filter((l) => l.startsWith('seg-'));
      assert.ok(segments.length >= 3, `${segments.length} segments of ~2 s`);
      const seg = await fetch(`${edge.http}/vod/${open.playbackId}/${segments[1]}`);
      assert.equal(seg.status, 200);
      assert.equal(seg.headers.get('cache-control'), 'public, max-age=86400, immutable');
      assert.equal(seg.headers.get('content-type'), 'video/mp2t');

      const duration = Number(await probe(url, '-show_entries format=duration'));
      assert.ok(Math.abs(duration - fileDuration) < 0.25, `HLS ${duration} s, file ${fileDuration} s`);
      const decoded = await decode(url);
      assert.equal(decoded.errors, '', 'no decode errors');
      assert.equal(decoded.frames, fileFrames, 'every frame of the file decodes from the HLS');
    }
    const metrics = await (await fetch(`${edgeB.http}/metrics`)).text();
    const read = Number(/^tributary_edge_vod_api_read_bytes_total (\d+)/m.exec(metrics)?.[1]);
    assert.ok(read > 0 && read <= 2 * readFileSync(mp4).length, `${read} bytes read from the api`);
    assert.match(metrics, /^tributary_edge_vod_cache_hits_total [1-9]/m);
    const sent = Number(/^tributary_edge_vod_sent_bytes_total (\d+)/m.exec(metrics)?.[1]);
    assert.ok(sent > read, `${sent} bytes sent to players, more than the ${read} read (each segment twice)`);
    assert.match(metrics, /^tributary_edge_vod_requests_total\{kind="segment",result="ok"\} [1-9]/m);
  });

  it('an FLV upload (H.264 + MP3) plays as HLS too, every frame decoding', async () => {
    const flv = join(dir.path, 'talk.flv');
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-i', mp4, '-c:v', 'copy'],
      ...['-c:a', 'libmp3lame', '-ar', '44100', '-b:a', '128k', flv],
    ]);
    assert.equal(made.code, 0, made.stderr);
    const asset = await upload('public', flv);
    assert.equal(asset.tracks.audio?.codec, 'mp3');
    const url = `${edgeA.http}${PlaybackHttpPaths.vodHlsPlaylist(asset.playbackId)}`;
    const decoded = await decode(url);
    assert.equal(decoded.errors, '');
    assert.equal(decoded.frames, CLIP_SECONDS * FPS);
    const audio = await probe(url, '-select_streams a -show_entries stream=codec_name');
    // ffprobe lists the stream under the HLS program and again on its own.
    assert.deepEqual(new Set(audio.split('\n').filter((l) => l !== '')), new Set(['mp3']));
  });

  it('serves each asset as SMIL (the on-demand RTMP application of an edge, mp4:<id> with its bit rate and size) that ffmpeg plays', async () => {
    const res = await fetch(`${edgeA.http}/vod/${open.playbackId}.smil`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^application\/smil\+xml/);
    const manifest = parseMultiBitrateSmil(await res.text());
    assert.equal(manifest.base, edgeA.rtmp.replace(/\/live$/, '/vod'));
    assert.equal(manifest.renditions.length, 1);
    const [video] = manifest.renditions;
    assert.equal(video?.src, `mp4:${open.playbackId}`);
    assert.deepEqual([video?.width, video?.height], [320, 240]);
    const expectedBitrate = ((open.sizeBytes ?? 0) * 8 * 1000) / (open.durationMs ?? 1);
    assert.ok(Math.abs((video?.systemBitrate ?? 0) - expectedBitrate) <= 1, `${video?.systemBitrate} bit/s`);
    const played = await withDeadline(
      peers.run('ffmpeg', [
        '-nostdin',
        '-v',
        'error',
        '-i',
        `${manifest.base}/${video?.src}`,
        '-t',
        '1',
        '-f',
        'null',
        '-',
      ]),
      'ffmpeg playing the SMIL src',
      PEER_DEADLINE_MS,
    );
    assert.equal(played.code, 0, played.stderr);
    // Signed assets: the SMIL needs the token too, and carries it on <meta base> for the RTMP connect.
    assert.equal((await fetch(`${edgeA.http}/vod/${signed.playbackId}.smil`)).status, 401);
    assert.equal((await fetch(`${edgeA.http}/vod/nosuchasset.smil`)).status, 404);
  });

  it('a signed asset refuses no token and a forged one, and plays with a minted one; unknown ids are 404', async () => {
    const url = `${edgeA.http}${PlaybackHttpPaths.vodHlsPlaylist(signed.playbackId)}`;
    const none = await fetch(url);
    assert.equal(none.status, 401);
    assert.match(ErrorEnvelopeSchema.parse(await none.json()).error.message, /token/);
    assert.equal((await fetch(`${edgeA.http}/vod/${signed.playbackId}/seg-0.ts`)).status, 401);
    assert.equal((await fetch(`${url}?token=not.a.jwt`)).status, 401);

    const token = await plane.mintPlaybackToken(tenant, signed.playbackId, { ttlSeconds: 600 });
    assert.ok(token.playback.hls?.endsWith(`?token=${encodeURIComponent(token.token)}`));
    const withToken = `${url}?token=${encodeURIComponent(token.token)}`;
    const playlist = await fetch(withToken);
    assert.equal(playlist.status, 200);
    assert.equal(playlist.headers.get('cache-control'), 'private, max-age=60');
    assert.match(await playlist.text(), /^seg-0\.ts\?token=/m, 'segment URIs carry the token');
    // A valid token for another playback id does not open this one (403: a fresh token of it will not either).
    const wrong = (await plane.mintPlaybackToken(tenant, open.playbackId, { ttlSeconds: 600 })).token;
    assert.equal((await fetch(`${url}?token=${encodeURIComponent(wrong)}`)).status, 403);

    const decoded = await decode(withToken);
    assert.equal(decoded.errors, '');
    assert.equal(decoded.frames, CLIP_SECONDS * FPS);

    const unknown = await fetch(`${edgeA.http}${PlaybackHttpPaths.vodHlsPlaylist('nosuchasset')}`);
    assert.equal(unknown.status, 404);
    assert.equal(ErrorEnvelopeSchema.parse(await unknown.json()).error.code, 'not_found');
    assert.equal((await fetch(`${edgeA.http}/vod/${open.playbackId}/seg-999.ts`)).status, 404);
  });

  it('a deleted asset stops playing on an edge that served it within the lookup life (5 s)', async () => {
    const gone = await upload('public');
    const url = `${edgeA.http}${PlaybackHttpPaths.vodHlsPlaylist(gone.playbackId)}`;
    assert.equal((await fetch(url)).status, 200);
    const deleted = await plane.via(0)('DELETE', `/v1/assets/${gone.id}`, { bearer: tenant.key });
    assert.equal(deleted.status, 204);
    await waitUntil(async () => (await fetch(url)).status === 404, {
      timeoutMs: 15_000,
      what: 'the deleted asset answers 404',
    });
  });

  it('hls.js in Chromium plays it, seeks to the middle and plays on from there', async () => {
    const browser = await launchChromium();
    try {
      const tab = await browser.newPage();
      const { port } = page.address() as AddressInfo;
      await tab.goto(`http://127.0.0.1:${port}/player.html`);
      const src = `${edgeB.http}${PlaybackHttpPaths.vodHlsPlaylist(open.playbackId)}`;
      await tab.evaluate(`window.player(${JSON.stringify(src)})`);
      await tab.waitForFunction(
        "window.fatal !== null || document.querySelector('video').currentTime > 1",
        undefined,
        { timeout: PLAYER_WAIT_MS },
      );
      assert.equal(await tab.evaluate('window.fatal'), null);
      const middle = CLIP_SECONDS / 2 + 0.5;
      await tab.evaluate(`document.querySelector('video').currentTime = ${middle}`);
      await tab.waitForFunction(
        `window.fatal !== null || document.querySelector('video').currentTime > ${middle + 1}`,
        undefined,
        { timeout: PLAYER_WAIT_MS },
      );
      const state = (await tab.evaluate(`(() => {
        const v = document.querySelector('video');
        return { fatal: window.fatal, currentTime: v.currentTime, duration: v.duration,
                 frames: v.getVideoPlaybackQuality().totalVideoFrames, paused: v.paused };
      })()`)) as {
        fatal: string | null;
        currentTime: number;
        duration: number;
        frames: number;
        paused: boolean;
      };
      assert.equal(state.fatal, null);
      assert.ok(state.currentTime > middle + 1, `playing on after the seek at ${state.currentTime} s`);
      assert.ok(Math.abs(state.duration - CLIP_SECONDS) < 0.5, `duration ${state.duration} s`);
      assert.ok(state.frames > 0);
    } finally {
      await browser.close();
    }
  });

  it('with the api down, an asset this edge has cached keeps playing; one it has not is 503', async () => {
    await plane.stopApi(0);
    const base = `${edgeB.http}/vod/${open.playbackId}`;
    // Past the lookup's 5 s life: the edge asks the api, fails, and uses its last answer.
    await new Promise((r) => setTimeout(r, 5500));
    const playlist = await fetch(`${base}/index.m3u8`);
    assert.equal(playlist.status, 200);
    for (const seg of (await playlist.text()).split('\n').filter((l) => l.startsWith('seg-')))
      assert.equal((await fetch(`${base}/${seg}`)).status, 200, seg);
    const uncached = await fetch(`${edgeB.http}${PlaybackHttpPaths.vodHlsPlaylist(signed.playbackId)}`);
    assert.equal(uncached.status, 503);
    assert.equal(ErrorEnvelopeSchema.parse(await uncached.json()).error.code, 'service_unavailable');
  });
});
