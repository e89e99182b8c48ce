import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PlaybackHttpPaths } from '@tributary/contracts';
import { parseMultiBitrateSmil } from '@tributary/smil';
import { ControlPlane, type EdgeHandle, type StreamHandle, type TenantHandle } from './support/control-plane';
import { within } from './support/edge-process';
import { LAVFI_TEST_SOURCE, liveX264, probeVideo, setLadder } from './support/ladder';
import { Peers } from './support/peers';

/**
 * A `transcode` ladder (issue 13) through a real api and a real edge: one ffmpeg publishes a single
 * source; the ingest edge's supervised ffmpeg makes two renditions, served like an encoder ladder's
 * (SMIL switch, multivariant playlist, <playbackId>_<rendition> over RTMP); the transcoder killed
 * mid-stream is restarted and the source stays up throughout.
 */

const STEP_DEADLINE_MS = 45_000;
/** Small renditions: this machine's two cores are shared. */
const LADDER = [
  { name: 'mid', width: 320, height: 180, videoBitrateKbps: 300, audioBitrateKbps: 64 },
  { name: 'low', width: 160, height: 90, videoBitrateKbps: 120, audioBitrateKbps: 32 },
];

function publishSource(peers: Peers, url: string): ChildProcess {
  return peers.spawn('ffmpeg', [
    ...LAVFI_TEST_SOURCE,
    ...liveX264(50),
    '-c:a',
    'aac',
    '-b:a',
    '64k',
    '-f',
    'flv',
    url,
  ]);
}

describe('transcode ladders at the ingest edge', { timeout: 300_000 }, () => {
  let dir: string;
  let plane: ControlPlane;
  let peers: Peers;
  let owner: TenantHandle;
  let stream: StreamHandle;
  let edge: EdgeHandle;
  let source: ChildProcess;

  const probeSize = (url: string) => probeVideo(peers, url);
  /** Polls the HLS playlist of `playbackId` on `http` until it is a media playlist with segments. */
  const sourcePlaylist = (http: string, playbackId: string) =>
    within(STEP_DEADLINE_MS, 'the source playlist', async () => {
      const res = await fetch(`${http}${PlaybackHttpPaths.hlsPlaylist(playbackId)}`, {
        signal: AbortSignal.timeout(10_000),
      });
      const body = await res.text();
      return res.ok && body.includes('#EXTINF') ? body : undefined;
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ladder-transcode-'));
    plane = await ControlPlane.start({ dir });
    owner = await plane.newTenant('Transcodes');
    stream = await plane.newStream(owner, 'one source');
    await setLadder(plane, owner, stream.id, 'transcode', LADDER);
    // One ladder at a time on this edge (TRANSCODE_MAX_STREAMS): the cap is shown below.
    edge = await plane.startEdge({
      name: 'transcode-edge',
      env: { TRANSCODE_PRESET: 'ultrafast', TRANSCODE_MAX_STREAMS: '1' },
    });
    peers = new Peers();
    source = publishSource(peers, `${edge.rtmp}/${stream.streamKey}`);
  });

  after(async () => {
    await peers?.stopAll();
    await plane?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('makes each rendition from the one source: the SMIL switch and the multivariant playlist list them, each decodes', async () => {
    const smilUrl = `${edge.http}${PlaybackHttpPaths.smil(stream.playbackId)}`;
    const manifest = await within(STEP_DEADLINE_MS, 'SMIL lists the transcoded renditions', async () => {
      const res = await fetch(smilUrl, { signal: AbortSignal.timeout(5000) });
      const text = await res.text();
      if (!res.ok || !text.includes('<switch>')) return undefined;
      const m = parseMultiBitrateSmil(text);
      return m.renditions.length === LADDER.length && m.renditions.every((r) => r.videoCodecId)
        ? m
        : undefined;
    });
    assert.deepEqual(
      manifest.renditions.map((r) => [r.src, r.width, r.height]),
      LADDER.map((r) => [`${stream.playbackId}_${r.name}`, r.width, r.height]),
    );
    for (const r of manifest.renditions) {
      const probed = await within(STEP_DEADLINE_MS, `${r.src} probes`, () =>
        probeSize(`${manifest.base}/${r.src}`),
      );
      assert.deepEqual(probed, { codec_name: 'h264', width: r.width, height: r.height });
    }
    const master = `${edge.http}${PlaybackHttpPaths.hlsPlaylist(stream.playbackId)}`;
    const text = await (await fetch(master, { signal: AbortSignal.timeout(10_000) })).text();
    const uris = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    assert.deepEqual(
      uris,
      LADDER.map((r) => `../${stream.playbackId}_${r.name}/index.m3u8`),
    );
    assert.equal(text.match(/#EXT-X-STREAM-INF:/g)?.length, LADDER.length, text);
    for (const uri of uris) {
      const played = await peers.decodeFrames(new URL(uri, master).toString(), 10);
      assert.equal(played.frames, 10, `${uri}: ${played.stderr}`);
    }
    // The source still plays as itself over RTMP.
    assert.deepEqual(await probeSize(`${edge.rtmp}/${stream.playbackId}`), {
      codec_name: 'h264',
      width: 640,
      height: 360,
    });
  });

  it('restarts a killed transcoder; the source publisher is never cut', async () => {
    const session = async () =>
      (
        await plane.via(0)<{ status: string; currentSession: { id: string } | null }>(
          'GET',
          `/v1/live-streams/${stream.id}`,
          { bearer: owner.key },
        )
      ).body;
    const before = await within(STEP_DEADLINE_MS, 'the source session', async () => {
      const s = await session();
      return s.status === 'active' && s.currentSession ? s.currentSession.id : undefined;
    });
    const started = edge.proc.lines.filter((l) => l.msg === 'transcoder started');
    const pid = Number((started.at(-1) as { pid?: number } | undefined)?.pid);
    assert.ok(Number.isInteger(pid) && pid > 0, JSON.stringify(started.at(-1)));
    process.kill(pid, 'SIGKILL');
    await edge.proc.waitForLog(
      (l) => l.msg === 'transcoder exited',
      'transcoder exit logged',
      STEP_DEADLINE_MS,
    );
    await within(STEP_DEADLINE_MS, 'a new transcoder', async () =>
      edge.proc.lines.filter((l) => l.msg === 'transcoder started').length > started.length
        ? true
        : undefined,
    );
    const low = `${edge.rtmp}/${stream.playbackId}_low`;
    const probed = await within(STEP_DEADLINE_MS, 'low plays again', () => probeSize(low));
    assert.deepEqual(probed, { codec_name: 'h264', width: 160, height: 90 });
    assert.equal(source.exitCode, null, 'the source ffmpeg is still publishing');
    const sourcePlays = await peers.decodeFrames(`${edge.rtmp}/${stream.playbackId}`, 10);
    assert.equal(sourcePlays.frames, 10, sourcePlays.stderr);
    const afterwards = await session();
    assert.equal(afterwards.status, 'active');
    assert.equal(afterwards.currentSession?.id, before, 'the same ingest session throughout');
  });

  it('past TRANSCODE_MAX_STREAMS a transcode stream plays its source only, and says so in the log', async () => {
    const second = await plane.newStream(owner, 'over the cap');
    await setLadder(plane, owner, second.id, 'transcode', LADDER);
    const other = publishSource(peers, `${edge.rtmp}/${second.streamKey}`);
    try {
      await edge.proc.waitForLog(
        (l) =>
          l.msg === 'transcode refused: edge at TRANSCODE_MAX_STREAMS' && l.playbackId === second.playbackId,
        'the refusal logged',
        STEP_DEADLINE_MS,
      );
      // Its playlist is the source's media playlist, not a multivariant one; the source plays.
      const text = await sourcePlaylist(edge.http, second.playbackId);
      assert.ok(!text.includes('#EXT-X-STREAM-INF'), text);
      assert.deepEqual(await probeSize(`${edge.rtmp}/${second.playbackId}`), {
        codec_name: 'h264',
        width: 640,
        height: 360,
      });
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('without ffmpeg at TRANSCODE_FFMPEG_PATH the stream plays its source only, and says so', async () => {
    const bare = await plane.startEdge({
      name: 'no-ffmpeg-edge',
      env: { TRANSCODE_FFMPEG_PATH: join(dir, 'no-such-ffmpeg') },
    });
    const third = await plane.newStream(owner, 'no transcoder');
    await setLadder(plane, owner, third.id, 'transcode', LADDER);
    const other = publishSource(peers, `${bare.rtmp}/${third.streamKey}`);
    try {
      await bare.proc.waitForLog(
        (l) => String(l.msg).startsWith('transcoder could not start'),
        'the missing ffmpeg logged',
        STEP_DEADLINE_MS,
      );
      const text = await sourcePlaylist(bare.http, third.playbackId);
      assert.ok(!text.includes('#EXT-X-STREAM-INF'), text);
    } finally {
      other.kill('SIGKILL');
    }
  });
});
