import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { PlaybackHttpPaths } from '@tributary/contracts';
import { Fmp4Muxer, type MediaSample, SampleBuilder } from '@tributary/media';
import {
  FlvTagType,
  type MediaMessage,
  MessageType,
  type OnStatusInfo,
  parseAudioTagHeader,
  parseFlv,
  parseVideoTagHeader,
  RtmpError,
  StatusCode,
} from '@tributary/rtmp-core';
import { RtmpClient } from '@tributary/rtmp-core/node';
import { waitUntil, withDeadline } from '@tributary/test-kit';
import { ControlPlane, type EdgeHandle, type StreamHandle, type TenantHandle } from './support/control-plane';
import { type ClipTag, type EnhancedClip, encodeEnhancedClip } from './support/enhanced-clip';
import { Peers } from './support/peers';

/**
 * Enhanced RTMP end to end (issue 14) with the real api and a real edge process: HEVC (libx265) and
 * AV1 (libaom) + Opus (libopus), published by our RtmpClient as Enhanced RTMP tags built from the
 * encoders' bitstreams (support/enhanced-clip.ts), reach
 * - an RTMP viewer (our client announcing fourCcList) byte for byte; our fMP4 remux of what it received
 *   (packages/media SampleBuilder + Fmp4Muxer) decodes in ffmpeg to the same pictures as the encoder's
 *   own file. ffmpeg/ffprobe 5.1 cannot read Enhanced RTMP themselves (that came with 6.1), so the
 *   RTMP leg is checked through that remux, not by pointing ffprobe at rtmp://;
 * - HLS, which the edge serves as fMP4 for these codecs: ffprobe and ffmpeg decode it over HTTP;
 * - HTTP-FLV, which carries the Enhanced RTMP tags as they are (read back with rtmp-core's FLV parser);
 * and RTMP viewers that did not announce the codec get NetStream.Play.Failed naming it, at play, while
 * waiting, and when a publisher switches from H.264 to HEVC mid-stream, never an Ex tag.
 */

/** Encoding, publishing, a process starting: generous on a shared 2-core machine. */
const DEADLINE_MS = 30_000;
const SECONDS = 3;

const isVideo = (m: { typeId: number }) => m.typeId === MessageType.Video;
const isEx = (m: { typeId: number; payload: Buffer }) =>
  isVideo(m) ? (m.payload[0]! & 0x80) !== 0 : m.payload[0]! >> 4 === 9;

/** An RTMP viewer in the test process: every media message and onStatus it got. */
class Viewer {
  readonly media: MediaMessage[] = [];
  readonly statuses: OnStatusInfo[] = [];
  readonly client: RtmpClient;
  played: Promise<unknown> = Promise.resolve();

  constructor(url: string, fourCcList?: string[]) {
    this.client = new RtmpClient({ url, timeoutMs: DEADLINE_MS, ...(fourCcList ? { fourCcList } : {}) });
  }

  /** Connects and plays without waiting for Play.Start (a stream not live yet keeps it waiting). */
  async start(name: string): Promise<this> {
    await this.client.connect();
    const stream = await this.client.createStream();
    stream.on('media', (m: MediaMessage) => this.media.push(m));
    stream.on('status', (s: OnStatusInfo) => this.statuses.push(s));
    this.played = this.client.play(name, { stream }).catch((err: unknown) => err);
    return this;
  }

  failed(): OnStatusInfo | undefined {
    return this.statuses.find((s) => s.code === StatusCode.PlayFailed);
  }
}

/** Publishes `tags` paced at `speed` × real time, then unpublishes (FCUnpublish, deleteStream). */
async function publish(url: string, key: string, tags: readonly ClipTag[], speed = 1): Promise<void> {
  const client = new RtmpClient({ url, timeoutMs: DEADLINE_MS });
  await client.connect();
  const stream = await client.publish(key);
  const t0 = Date.now();
  for (const tag of tags) {
    const due = t0 + tag.timestamp / speed - Date.now();
    if (due > 5) await new Promise((r) => setTimeout(r, due));
    stream.sendMedia(tag);
  }
  await new Promise((r) => setTimeout(r, 200));
  stream.close();
  client.close();
}

function parseTagIsSequenceStart(m: MediaMessage): boolean {
  return isVideo(m)
    ? parseVideoTagHeader(m.payload).isSequenceHeader
    : parseAudioTagHeader(m.payload).isSequenceHeader;
}

/** Our remux of received RTMP media into one fragmented MP4 (init segment + one fragment). */
function remux(messages: readonly MediaMessage[]): Buffer {
  const builder = new SampleBuilder();
  const samples: MediaSample[] = [];
  for (const m of messages) {
    const s = builder.push(isVideo(m) ? 'video' : 'audio', m.timestamp, m.payload);
    if (s) samples.push(s);
  }
  // Every coded frame became a sample (only the sequence starts are not samples).
  const frames = messages.filter((m) => !parseTagIsSequenceStart(m)).length;
  assert.equal(samples.length, frames, builder.stats.lastIgnoredReason);
  const video = samples.find((s) => s.kind === 'video');
  const audio = samples.find((s) => s.kind === 'audio');
  const muxer = new Fmp4Muxer({
    ...(video?.kind === 'video' ? { video: video.config } : {}),
    ...(audio?.kind === 'audio' ? { audio: audio.config } : {}),
  });
  for (const s of samples) muxer.check(s);
  return Buffer.concat([muxer.initSegment, muxer.fragment(samples)]);
}

describe('Enhanced RTMP through the edge: HEVC, AV1 and Opus to RTMP, HLS (fMP4) and HTTP-FLV', () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-ertmp-'));
  let plane: ControlPlane;
  let edge: EdgeHandle;
  /** A second edge: it pulls streams live on `edge` for its own viewers (relay). */
  let edge2: EdgeHandle;
  let tenant: TenantHandle;
  let hevc: EnhancedClip;
  let av1: EnhancedClip;
  let h264: ClipTag[];

  /** ffprobe's codec and decoded frame count per stream, and whether ffmpeg decodes it all silently. */
  /** Waits for the playlist at `hlsUrl` to end, then decodes it: ffmpeg and ffprobe say not a word. */
  async function endedHls(hlsUrl: string): ReturnType<typeof decode> {
    await waitUntil(async () => (await (await fetch(hlsUrl)).text()).includes('#EXT-X-ENDLIST'), {
      what: 'the HLS playlist to end',
      timeoutMs: DEADLINE_MS,
      stepMs: 200,
    });
    const hls = await decode(hlsUrl);
    assert.equal(hls.stderr, '');
    return hls;
  }

  async function decode(
    input: string,
  ): Promise<{ streams: { codec_name: string; nb_read_frames: string }[]; stderr: string }> {
    const probed = await peers.run('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-show_entries',
      'stream=codec_name,nb_read_frames',
      '-of',
      'json',
      input,
    ]);
    assert.equal(probed.code, 0, probed.stderr);
    const decoded = await peers.run('ffmpeg', ['-nostdin', '-v', 'error', '-i', input, '-f', 'null', '-']);
    assert.equal(decoded.code, 0, decoded.stderr);
    const streams = (
      JSON.parse(probed.stdout) as { streams: { codec_name: string; nb_read_frames: string }[] }
    ).streams;
    return { streams, stderr: probed.stderr + decoded.stderr };
  }

  /** The MD5 of every decoded picture (framemd5), to compare our remux with the encoder's file. */
  async function pictureHashes(input: string): Promise<string[]> {
    const res = await peers.run('ffmpeg', [
      '-nostdin',
      '-v',
      'error',
      '-i',
      input,
      '-map',
      '0:v:0',
      '-f',
      'framemd5',
      '-',
    ]);
    assert.equal(res.code, 0, res.stderr);
    return res.stdout
      .split('\n')
      .filter((l) => /^0,/.test(l))
      .map((l) => l.split(',').at(-1)!.trim());
  }

  before(async () => {
    const flv = join(dir, 'h264.flv');
    [hevc, av1] = await Promise.all([
      encodeEnhancedClip(peers, dir, 'hevc', { seconds: SECONDS }),
      encodeEnhancedClip(peers, dir, 'av1', { seconds: SECONDS, opus: true }),
      peers.makeClip(flv, 2),
    ]);
    h264 = parseFlv(await readFile(flv))
      .filter((t) => t.type === FlvTagType.Video || t.type === FlvTagType.Audio)
      .map((t) => ({
        typeId: t.type === FlvTagType.Video ? MessageType.Video : MessageType.Audio,
        timestamp: t.timestampMs,
        payload: t.payload,
      }));
    plane = await ControlPlane.start({ dir });
    tenant = await plane.newTenant('ertmp');
    [edge, edge2] = await Promise.all([
      plane.startEdge({ name: 'ertmp-edge' }),
      plane.startEdge({ name: 'ertmp-edge-2' }),
    ]);
  });

  after(async () => {
    await peers.stopAll();
    await plane?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function passThrough(
    t: TestContext,
    clip: EnhancedClip,
    codec: 'hevc' | 'av1',
    fourCcs: string[],
    name: string,
  ): Promise<void> {
    const stream: StreamHandle = await plane.newStream(tenant, name);
    const viewer = await new Viewer(edge.rtmp, fourCcs).start(stream.playbackId);
    const legacy = await new Viewer(edge.rtmp).start(stream.playbackId);
    const publishing = publish(edge.rtmp, stream.streamKey, clip.tags);

    // HLS and HTTP-FLV are asked for while the stream is live (a rendition exists only once requested).
    await waitUntil(() => viewer.media.length > 0, {
      what: 'the viewer to get media',
      timeoutMs: DEADLINE_MS,
    });
    const hlsUrl = `${edge.http}${PlaybackHttpPaths.hlsPlaylist(stream.playbackId)}`;
    const flvAbort = new AbortController();
    const flvRes = await fetch(`${edge.http}${PlaybackHttpPaths.flv(stream.playbackId)}`, {
      signal: flvAbort.signal,
    });
    assert.equal(flvRes.status, 200);
    const flvChunks: Buffer[] = [];
    const flvRead = (async () => {
      try {
        for await (const chunk of flvRes.body as unknown as AsyncIterable<Uint8Array>)
          flvChunks.push(Buffer.from(chunk));
      } catch {
        // aborted below
      }
    })();
    const first = await fetch(hlsUrl, { signal: AbortSignal.timeout(DEADLINE_MS) });
    assert.equal(first.status, 200, await first.clone().text());
    assert.match(await first.text(), /#EXT-X-MAP:URI=/, 'HEVC/AV1/Opus HLS is fMP4 (an init segment)');

    await withDeadline(publishing, 'publishing the clip', DEADLINE_MS);
    await waitUntil(() => viewer.media.length >= clip.tags.length, {
      what: 'every tag at the viewer',
      timeoutMs: DEADLINE_MS,
    });
    flvAbort.abort();
    await flvRead;

    // RTMP: every tag byte for byte, in order, with its timestamp.
    assert.equal(viewer.media.length, clip.tags.length);
    viewer.media.forEach((m, i) => {
      const sent = clip.tags[i]!;
      assert.equal(m.typeId, sent.typeId, `tag ${i} kind`);
      assert.equal(m.timestamp, sent.timestamp, `tag ${i} timestamp`);
      assert.ok(m.payload.equals(sent.payload), `tag ${i} bytes`);
    });
    // Our remux of the received bitstream decodes, every frame, to the encoder's own pictures.
    const remuxed = join(dir, `${name}-received.mp4`);
    await writeFile(remuxed, remux(viewer.media));
    const received = await decode(remuxed);
    assert.equal(received.stderr, '');
    const videoStream = received.streams.find((s) => s.codec_name === codec);
    assert.equal(Number(videoStream?.nb_read_frames), clip.videoFrames);
    if (clip.audioFrames > 0) {
      const opus = received.streams.find((s) => s.codec_name === 'opus');
      assert.equal(Number(opus?.nb_read_frames), clip.audioFrames);
    }
    assert.deepEqual(await pictureHashes(remuxed), await pictureHashes(join(dir, `${codec}.mp4`)));

    // The legacy viewer (no fourCcList) was told why and got no Ex tag.
    await waitUntil(() => legacy.failed() !== undefined, {
      what: 'the legacy viewer refused',
      timeoutMs: DEADLINE_MS,
    });
    assert.match(String(legacy.failed()?.description), new RegExp(`${fourCcs[0]}.*did not announce`));
    assert.deepEqual(legacy.media.filter(isEx), []);

    // HTTP-FLV: the Ex tags as published, from a keyframe on (the GOP cache), sequence start first.
    const flvTags = parseFlv(Buffer.concat(flvChunks));
    const flvVideo = flvTags.filter((t) => t.type === FlvTagType.Video);
    assert.ok(flvVideo.length > 0, 'HTTP-FLV carried video');
    const sentVideo = clip.tags.filter(isVideo);
    assert.ok(flvVideo[0]!.payload.equals(sentVideo[0]!.payload), 'the sequence start first');
    const firstFrame = parseVideoTagHeader(flvVideo[1]!.payload);
    assert.equal(firstFrame.fourCc, fourCcs[0]);
    assert.ok(firstFrame.isKeyframe, 'HTTP-FLV starts at a keyframe');
    const at = sentVideo.findIndex((t) => t.payload.equals(flvVideo[1]!.payload));
    assert.ok(at > 0, 'the first frame is one that was sent');
    for (const [i, t] of flvVideo.slice(1).entries())
      assert.ok(t.payload.equals(sentVideo[at + i]!.payload), `FLV frame ${i}`);

    if (clip.audioFrames > 0) {
      // Opus as v2 ExAudioTagHeader tags, each one as published.
      const sentAudio = clip.tags.filter((tag) => !isVideo(tag));
      const flvAudio = flvTags.filter((tag) => tag.type === FlvTagType.Audio);
      assert.ok(flvAudio.length > 10, `HTTP-FLV carried ${flvAudio.length} Opus tags`);
      assert.ok(
        flvAudio[0]!.payload.equals(sentAudio[0]!.payload),
        'the Opus sequence start (OpusHead) first',
      );
      for (const tag of flvAudio) {
        assert.equal(parseAudioTagHeader(tag.payload).fourCc, 'Opus');
        assert.ok(
          sentAudio.some((sent) => sent.payload.equals(tag.payload)),
          'an Opus tag that was sent',
        );
      }
    }

    // HLS (fMP4) over HTTP: ended with the publisher, decoded by ffprobe and ffmpeg without a word.
    const hls = await endedHls(hlsUrl);
    const hlsVideo = hls.streams.find((s) => s.codec_name === codec);
    assert.ok(
      Number(hlsVideo?.nb_read_frames) >= clip.videoFrames - 25,
      `HLS ${codec} frames: ${hlsVideo?.nb_read_frames}`,
    );
    if (clip.audioFrames > 0)
      assert.ok(
        hls.streams.some((s) => s.codec_name === 'opus'),
        'HLS carries Opus',
      );
    t.diagnostic(
      `${codec}: ${clip.tags.length} tags (${clip.videoFrames} video, ${clip.audioFrames} Opus) byte-exact over RTMP; ` +
        `remux decoded ${videoStream?.nb_read_frames} frames, picture MD5s equal to the encoder's; ` +
        `HTTP-FLV ${flvVideo.length} video tags; HLS fMP4 decoded ${hlsVideo?.nb_read_frames} frames`,
    );
    viewer.client.close();
    legacy.client.close();
  }

  it('HEVC (libx265, B-frames, Enhanced RTMP hvc1) to a viewer announcing hvc1, HLS fMP4 and HTTP-FLV', async (t) => {
    await passThrough(t, hevc, 'hevc', ['hvc1'], 'hevc');
  });

  it('AV1 (libaom) + Opus (libopus) to a viewer announcing av01 and Opus, HLS fMP4 and HTTP-FLV', async (t) => {
    await passThrough(t, av1, 'av1', ['av01', 'Opus'], 'av1');
  });

  it('refuses at play, by FourCC, a viewer that did not announce the codec (also one announcing another)', async () => {
    const stream = await plane.newStream(tenant, 'refusal');
    const publishing = publish(edge.rtmp, stream.streamKey, hevc.tags, 0.5);
    const enhanced = await new Viewer(edge.rtmp, ['hvc1']).start(stream.playbackId);
    await waitUntil(() => enhanced.media.some(isVideo), { what: 'the stream live', timeoutMs: DEADLINE_MS });
    for (const list of [undefined, ['av01', 'vp09']]) {
      const viewer = new Viewer(edge.rtmp, list);
      await viewer.client.connect();
      const err = await viewer.client.play(stream.playbackId).then(
        () => assert.fail('play must be refused'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof RtmpError);
      const info = err.details?.info as OnStatusInfo | undefined;
      assert.equal(info?.code, StatusCode.PlayFailed);
      assert.match(
        String(info?.description),
        /This stream is HEVC \(Enhanced RTMP FourCC hvc1\); your client did not announce hvc1 in fourCcList/,
      );
      viewer.client.close();
    }
    enhanced.client.close();
    await withDeadline(publishing, 'publishing', DEADLINE_MS);
  });

  it('through a relay: a second edge pulls the HEVC stream; its hvc1 viewer gets the Ex tags, its legacy viewer is refused', async (t) => {
    const stream = await plane.newStream(tenant, 'relayed');
    const publishing = publish(edge.rtmp, stream.streamKey, hevc.tags, 0.5);
    const origin = await new Viewer(edge.rtmp, ['hvc1']).start(stream.playbackId);
    await waitUntil(() => origin.media.some(isVideo), { what: 'the stream live', timeoutMs: DEADLINE_MS });
    const pulled = await new Viewer(edge2.rtmp, ['hvc1']).start(stream.playbackId);
    const legacy = await new Viewer(edge2.rtmp).start(stream.playbackId);
    await withDeadline(publishing, 'publishing', DEADLINE_MS);
    await waitUntil(() => legacy.failed() !== undefined, {
      what: 'the legacy viewer on edge 2 refused',
      timeoutMs: DEADLINE_MS,
    });
    assert.match(String(legacy.failed()?.description), /HEVC .*hvc1/);
    assert.deepEqual(legacy.media.filter(isEx), []);
    // From a keyframe on (the origin's GOP cache), the sequence start first, each frame as sent.
    const sent = hevc.tags.filter(isVideo);
    const got = pulled.media.filter(isVideo);
    assert.ok(got.length > 10, `edge 2's viewer got ${got.length} video tags`);
    assert.ok(got[0]!.payload.equals(sent[0]!.payload), 'the sequence start first');
    const at = sent.findIndex((tag) => tag.payload.equals(got[1]!.payload));
    assert.ok(at > 0 && parseVideoTagHeader(got[1]!.payload).isKeyframe);
    for (const [i, m] of got.slice(1).entries())
      assert.ok(m.payload.equals(sent[at + i]!.payload), `frame ${i}`);
    t.diagnostic(
      `relay: edge 2's hvc1 viewer got ${got.length} of ${sent.length} video tags byte-exact (joined at frame ${at})`,
    );
    for (const v of [origin, pulled, legacy]) v.client.close();
  });

  it('HLS follows the codec across publishers: an H.264 session in MPEG-TS, then an AV1 + Opus one in fMP4 that ffprobe decodes', async (t) => {
    const stream = await plane.newStream(tenant, 'hls-restart');
    const hlsUrl = `${edge.http}${PlaybackHttpPaths.hlsPlaylist(stream.playbackId)}`;
    const watcher = await new Viewer(edge.rtmp, ['av01', 'Opus']).start(stream.playbackId);
    const first = publish(edge.rtmp, stream.streamKey, h264);
    await waitUntil(() => watcher.media.some(isVideo), {
      what: 'the H.264 session live',
      timeoutMs: DEADLINE_MS,
    });
    const ts = await (await fetch(hlsUrl, { signal: AbortSignal.timeout(DEADLINE_MS) })).text();
    assert.match(ts, /seg-\d+\.ts/, 'the H.264/AAC session is MPEG-TS');
    await withDeadline(first, 'the H.264 session', DEADLINE_MS);
    const seen = watcher.media.length;
    const second = publish(edge.rtmp, stream.streamKey, av1.tags);
    await waitUntil(() => watcher.media.slice(seen).some(isVideo), {
      what: 'the AV1 session live',
      timeoutMs: DEADLINE_MS,
    });
    const fmp4 = await (await fetch(hlsUrl, { signal: AbortSignal.timeout(DEADLINE_MS) })).text();
    assert.match(fmp4, /#EXT-X-MAP:URI=/, 'the AV1/Opus session is fMP4');
    assert.doesNotMatch(fmp4, /\.ts\b/);
    await withDeadline(second, 'the AV1 session', DEADLINE_MS);
    const hls = await endedHls(hlsUrl);
    assert.deepEqual(hls.streams.map((s) => s.codec_name).sort(), ['av1', 'opus']);
    t.diagnostic(
      `HLS after the switch: ${hls.streams.map((s) => `${s.codec_name} ${s.nb_read_frames} frames`).join(', ')}`,
    );
    watcher.client.close();
  });

  it('mid-stream H.264 → HEVC: the legacy viewer gets Play.Failed before any Ex tag, the enhanced one plays on', async () => {
    const stream = await plane.newStream(tenant, 'switch');
    const legacy = await new Viewer(edge.rtmp).start(stream.playbackId);
    const enhanced = await new Viewer(edge.rtmp, ['hvc1', 'avc1']).start(stream.playbackId);
    const lastH264 = h264.at(-1)!.timestamp;
    // One publish: 2 s of legacy H.264/AAC tags, then the HEVC clip's (sequence start first) after them.
    const switched = [...h264, ...hevc.tags.map((t) => ({ ...t, timestamp: t.timestamp + lastH264 + 40 }))];
    const publishing = publish(edge.rtmp, stream.streamKey, switched);
    // HLS asked for in each part: MPEG-TS for the H.264 part, then (its session's track info follows the
    // codec) a new rendition in fMP4 for the HEVC part.
    const hlsUrl = `${edge.http}${PlaybackHttpPaths.hlsPlaylist(stream.playbackId)}`;
    await waitUntil(() => legacy.media.some(isVideo), {
      what: 'the H.264 part live',
      timeoutMs: DEADLINE_MS,
    });
    const ts = await (await fetch(hlsUrl, { signal: AbortSignal.timeout(DEADLINE_MS) })).text();
    assert.match(ts, /seg-\d+\.ts/, 'H.264/AAC is MPEG-TS');
    await waitUntil(() => enhanced.media.some(isEx), { what: 'the HEVC part live', timeoutMs: DEADLINE_MS });
    const fmp4 = await (await fetch(hlsUrl, { signal: AbortSignal.timeout(DEADLINE_MS) })).text();
    assert.match(fmp4, /#EXT-X-MAP:URI=/, 'after the switch to HEVC: fMP4');
    await withDeadline(publishing, 'publishing', DEADLINE_MS);
    await waitUntil(() => enhanced.media.length >= switched.length, {
      what: 'the enhanced viewer got everything',
      timeoutMs: DEADLINE_MS,
    });
    assert.ok(legacy.media.filter(isVideo).length > 10, 'the legacy viewer played the H.264 part');
    assert.deepEqual(legacy.media.filter(isEx), [], 'and never got an Ex tag');
    assert.match(String(legacy.failed()?.description), /HEVC .*hvc1/);
    for (const [i, m] of enhanced.media.entries())
      assert.ok(m.payload.equals(switched[i]!.payload), `tag ${i}`);
    enhanced.client.close();
    legacy.client.close();
  });
});
