import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ffmpegClipArgs, PeerProcesses } from '@tributary/test-kit';
import { type LiveServer, startLiveServer } from '../src/testing/live-server';
import { decodedFrames, ffmpegDecodeArgs } from './helpers/peers';

/**
 * Issue 3 proof: ffmpeg publishes H.264/AAC, and ffmpeg, ffprobe and rtmpdump (plain and with
 * --subscribe, i.e. FCSubscribe) play it back concurrently with every frame decodable.
 */
describe('interop with ffmpeg, ffprobe and rtmpdump', { timeout: 120_000 }, () => {
  const peers = new PeerProcesses();
  let live: LiveServer;
  let url: string;
  let publisher: Promise<{ code: number | null; stderr: string }>;

  before(async () => {
    live = await startLiveServer();
    url = `rtmp://127.0.0.1:${live.port}/live/x`;
    const published = new Promise((resolve) => live.server.once('publish', resolve));
    publisher = peers.run(
      'ffmpeg',
      // The publish command of issue 3: H.264 + AAC from lavfi, in real time.
      ffmpegClipArgs(url, { seconds: 9, size: '640x360', rate: 30, preset: 'medium', realtime: true }),
    );
    await published;
  });

  after(async () => {
    await peers.stopAll();
    await live.close();
  });

  // The four players run at the same time, as viewers of one broadcast do.
  let results: Promise<{ name: string; frames: number; errors: string }[]> | undefined;
  const playAll = (): Promise<{ name: string; frames: number; errors: string }[]> => {
    results ??= Promise.all([
      peers.run('ffmpeg', ffmpegDecodeArgs(url, ['-t', '3'])).then((r) => ({
        name: 'ffmpeg',
        frames: decodedFrames(r.stdout),
        errors: r.stderr,
      })),
      ...[['--live'], ['--live', '--subscribe', 'x']].map(async (flags) => {
        const dump = peers.spawn('rtmpdump', ['-q', '-r', url, ...flags, '-B', '3', '-o', '-']);
        const decode = await peers.run(
          'ffmpeg',
          ffmpegDecodeArgs('pipe:0', ['-f', 'flv']),
          dump.stdout ?? undefined,
        );
        return {
          name: `rtmpdump ${flags.join(' ')}`,
          frames: decodedFrames(decode.stdout),
          errors: decode.stderr,
        };
      }),
    ]);
    return results;
  };

  it('ffprobe reads the stream: H.264 640x360 and AAC', async () => {
    const r = await peers.run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name,width,height',
      '-of',
      'csv=p=0',
      url,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => l.replace(/,+$/, ''))
        .sort(),
      ['aac', 'h264,640,360'],
    );
  });

  for (const name of ['ffmpeg', 'rtmpdump --live', 'rtmpdump --live --subscribe x']) {
    it(`${name} plays with every frame decodable`, async () => {
      const r = (await playAll()).find((x) => x.name === name);
      assert.ok(r);
      assert.equal(r.errors, '', `${name} reported decode errors`);
      assert.ok(r.frames >= 30, `${name} decoded ${r.frames} frames`);
    });
  }

  it('the publisher finishes cleanly and the broadcast counted no drops', async () => {
    const r = await publisher;
    assert.equal(r.code, 0, r.stderr);
    const b = live.broadcasts.get('x');
    assert.ok(b && b.stats.messagesIn > 0);
    assert.equal(b.stats.droppedMessages, 0);
  });
});
