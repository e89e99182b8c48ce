import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, makeClip, PeerProcesses, tempDir, waitForListener } from '@tributary/test-kit';
import { parseVideoTagHeader } from '../src/media';
import { type MediaMessage } from '../src/message/media-message';
import { RtmpClient } from '../src/node/rtmp-client';
import { readFlvMedia } from './helpers/peers';

/** Issue 3 proof: our client interoperates with ffmpeg acting as a listening RTMP server, both directions. */
describe('our client against ffmpeg -listen 1', { timeout: 120_000 }, () => {
  const peers = new PeerProcesses();
  const dir = tempDir('rtmp-core-');
  const clients: RtmpClient[] = [];
  let input: string;
  let media: MediaMessage[];

  before(async () => {
    input = join(dir.path, 'in.flv');
    await makeClip(input, { seconds: 2, rate: 30, preset: 'medium' });
    media = readFlvMedia(input);
  });

  after(async () => {
    for (const c of clients) c.close();
    await peers.stopAll();
    await dir.remove();
  });

  it('publishes to ffmpeg, which records every video frame', async () => {
    const port = await freePort();
    const output = join(dir.path, 'out.flv');
    const url = `rtmp://127.0.0.1:${port}/live/x`;
    const ffmpeg = peers.run('ffmpeg', [
      '-hide_banner',
      '-v',
      'error',
      '-listen',
      '1',
      '-i',
      url,
      '-c',
      'copy',
      '-f',
      'flv',
      output,
    ]);
    await waitForListener(port);
    const client = new RtmpClient({ url: `rtmp://127.0.0.1:${port}/live` });
    clients.push(client);
    await client.connect();
    const stream = await client.publish('x');
    stream.sendMetadata({ width: 320, height: 240 });
    for (const m of media) stream.sendMedia(m);
    stream.close();
    client.close();
    const r = await ffmpeg;
    assert.equal(r.code, 0, r.stderr);
    const probe = await peers.run('ffprobe', [
      '-v',
      'error',
      '-count_frames',
      '-select_streams',
      'v',
      '-show_entries',
      'stream=codec_name,nb_read_frames',
      '-of',
      'csv=p=0',
      output,
    ]);
    const videoFrames = media.filter(
      (m) => m.typeId === 9 && parseVideoTagHeader(m.payload).packetType === 'coded-frames',
    ).length;
    assert.equal(probe.stdout.trim(), `h264,${videoFrames}`);
  });

  it('plays from ffmpeg, starting with the sequence header and receiving every frame', async () => {
    const port = await freePort();
    const url = `rtmp://127.0.0.1:${port}/live/x`;
    const ffmpeg = peers.run('ffmpeg', [
      '-hide_banner',
      '-v',
      'error',
      '-re',
      '-i',
      input,
      '-c',
      'copy',
      '-f',
      'flv',
      '-listen',
      '1',
      url,
    ]);
    await waitForListener(port);
    const client = new RtmpClient({ url: `rtmp://127.0.0.1:${port}/live` });
    clients.push(client);
    await client.connect();
    const stream = await client.createStream();
    const received: MediaMessage[] = [];
    stream.on('media', (m) => received.push(m));
    await client.play('x', { stream });
    const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
    const r = await ffmpeg;
    await closed;
    assert.equal(r.code, 0, r.stderr);
    const video = received.filter((m) => m.typeId === 9);
    assert.ok(
      video[0] && parseVideoTagHeader(video[0].payload).isSequenceHeader,
      'the first video message is the AVC config',
    );
    assert.deepEqual(
      video.map((m) => m.payload.toString('base64')),
      media.filter((m) => m.typeId === 9).map((m) => m.payload.toString('base64')),
    );
  });
});
