import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ErrorEnvelopeSchema, PlaybackHttpPaths } from '@tributary/contracts';
import { type RunningEdge, startEdge, until } from './support/edge-harness';
import { nonMonotonic, probePackets } from './support/media-probe';
import { Peers } from './support/peers';

/** The last complete segment's media sequence number in a playlist. */
function lastSegmentMsn(playlist: string): number {
  const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(playlist)?.[1]);
  const complete = playlist.split('\n').filter((l) => /seg-\d+\.m4s/.test(l) && !l.startsWith('#')).length;
  return sequence + complete - 1;
}

describe('LL-HLS in fMP4 from the edge (parts, preload hints, blocking reload)', () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-llhls-'));
  const clip = join(dir, 'clip.flv');
  let run: RunningEdge;
  const playlistUrl = (query = '') => `${run.httpUrl}${PlaybackHttpPaths.hlsPlaylist('llpb')}${query}`;

  before(async () => {
    await peers.makeClip(clip, 4);
    run = await startEdge({
      HLS_FORMAT: 'fmp4',
      HLS_LOW_LATENCY: 'true',
      HLS_TARGET_DURATION_MS: '1000',
      HLS_PART_TARGET_MS: '250',
    });
    run.api.allow('ll-key', { playbackId: 'llpb' });
    peers.publish(clip, `${run.rtmpUrl}/ll-key`);
    await until(() => run.edge.registry.get('llpb')?.isLive === true);
  });

  after(async () => {
    await peers.stopAll();
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists parts, the init section and a preload hint, and serves the hinted part when it exists', async () => {
    const res = await fetch(playlistUrl());
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.match(text, /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES/);
    assert.match(text, /#EXT-X-PART-INF:PART-TARGET=0\.250/);
    const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(text)?.[1];
    assert.match(map ?? '', /^[a-z0-9]+\/init-\d+\.mp4$/);
    const init = await fetch(`${run.httpUrl}/live/llpb/${map}`);
    assert.equal(init.headers.get('content-type'), 'video/mp4');
    assert.equal(
      Buffer.from(await init.arrayBuffer())
        .subarray(4, 8)
        .toString('latin1'),
      'ftyp',
    );
    const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)?.[1];
    assert.ok(hint, text);
    const part = await fetch(`${run.httpUrl}/live/llpb/${hint}`);
    assert.equal(part.status, 200, 'the hinted part is sent once it is cut');
    assert.equal(
      Buffer.from(await part.arrayBuffer())
        .subarray(4, 8)
        .toString('latin1'),
      'moof',
    );
  });

  it('holds a blocking reload until the asked segment exists, and refuses one too far ahead', async () => {
    const current = await (await fetch(playlistUrl())).text();
    const next = lastSegmentMsn(current) + 1;
    const blocked = await fetch(playlistUrl(`?_HLS_msn=${next}`));
    assert.equal(blocked.status, 200);
    assert.ok(lastSegmentMsn(await blocked.text()) >= next, 'the answer holds the asked segment');

    const tooFar = await fetch(playlistUrl(`?_HLS_msn=${next + 10}`));
    assert.equal(tooFar.status, 400);
    assert.equal(ErrorEnvelopeSchema.parse(await tooFar.json()).error.code, 'bad_request');
    const partOnly = await fetch(playlistUrl('?_HLS_part=1'));
    assert.equal(partOnly.status, 400);
    const notANumber = await fetch(playlistUrl('?_HLS_msn=1e9'));
    assert.equal(notANumber.status, 400);
  });

  it('plays in ffprobe: video and audio with monotonic timestamps', async () => {
    const probed = await probePackets(peers, playlistUrl(), ['-read_intervals', '%+2']);
    assert.equal(probed.code, 0, probed.stderr);
    assert.ok(probed.packets.some((p) => p.codec_type === 'video'));
    assert.ok(probed.packets.some((p) => p.codec_type === 'audio'));
    assert.deepEqual(nonMonotonic(probed.packets), []);
  });
});
