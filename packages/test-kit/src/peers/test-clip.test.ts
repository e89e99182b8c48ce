import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ffmpegClipArgs } from './test-clip';

/** The value following `flag` in an ffmpeg argument list. */
const after = (args: string[], flag: string) => args[args.indexOf(flag) + 1];

describe('ffmpegClipArgs', () => {
  it('defaults to 320x240 testsrc2 at 25 fps with a sine tone, a 1 s GOP and x264 veryfast', () => {
    const args = ffmpegClipArgs('out.flv', { seconds: 3 });
    assert.deepEqual(
      args.filter((_, i) => args[i - 1] === '-i'),
      ['testsrc2=size=320x240:rate=25', 'sine'],
    );
    assert.equal(after(args, '-g'), '25');
    assert.equal(after(args, '-preset'), 'veryfast');
    assert.equal(after(args, '-t'), '3');
    assert.deepEqual(args.slice(-3), ['-f', 'flv', 'out.flv']);
    assert.ok(!args.includes('-re'));
  });

  it('builds a real-time, video-only, filtered source without audio encoder options', () => {
    const args = ffmpegClipArgs('rtmp://127.0.0.1:1/live/k', {
      seconds: 4,
      pattern: 'nullsrc',
      filter: 'geq=random(1)*255:128:128',
      audio: null,
      rate: 30,
      realtime: true,
    });
    assert.equal(after(args, '-i'), 'nullsrc=size=320x240:rate=30,geq=random(1)*255:128:128');
    assert.equal(args.filter((a) => a === '-i').length, 1);
    assert.ok(!args.includes('-c:a'));
    assert.equal(after(args, '-g'), '30');
    assert.ok(args.includes('-re'));
  });
});
