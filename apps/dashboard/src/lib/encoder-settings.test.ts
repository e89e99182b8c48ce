import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ffmpegPublishCommand,
  ffplayCommand,
  obsSettings,
  publishUrl,
  shellQuote,
  withToken,
} from './encoder-settings';

describe('publishUrl', () => {
  it('joins server and key with exactly one slash', () => {
    assert.equal(publishUrl('rtmp://edge.example:1935/live', 'abc'), 'rtmp://edge.example:1935/live/abc');
    assert.equal(publishUrl('rtmp://edge.example:1935/live//', 'abc'), 'rtmp://edge.example:1935/live/abc');
  });
});

describe('obsSettings', () => {
  it('lists the server and key exactly as given, plus a 2 s keyframe interval', () => {
    const settings = Object.fromEntries(obsSettings('rtmp://e/live', 'k_1').map((s) => [s.label, s.value]));
    assert.equal(settings.Server, 'rtmp://e/live');
    assert.equal(settings['Stream Key'], 'k_1');
    assert.equal(settings['Keyframe Interval'], '2 s');
  });
});

describe('ffmpegPublishCommand', () => {
  it('publishes FLV to the server/key URL with a GOP of 2 s at 30 fps', () => {
    const cmd = ffmpegPublishCommand('rtmp://127.0.0.1:1935/live', 'sk_abc');
    assert.match(cmd, /^ffmpeg -re -f lavfi -i testsrc2=size=1280x720:rate=30 /);
    assert.match(cmd, / -g 60 -keyint_min 60 /);
    assert.ok(cmd.endsWith(' -f flv rtmp://127.0.0.1:1935/live/sk_abc'));
  });
  it('quotes an input path with spaces and quotes', () => {
    const cmd = ffmpegPublishCommand('rtmp://e/live', 'k', "my 'show'.mp4");
    assert.ok(cmd.includes(`-i 'my '\\''show'\\''.mp4'`));
  });
});

describe('shellQuote', () => {
  it('round-trips any string through sh-style single-quote parsing', () => {
    // Minimal sh parser for what shellQuote emits: bare words, '…' runs and \' escapes.
    const unquote = (s: string): string => {
      let out = '';
      for (let i = 0; i < s.length; i += 1) {
        const c = s[i];
        if (c === "'") {
          const end = s.indexOf("'", i + 1);
          out += s.slice(i + 1, end);
          i = end;
        } else if (c === '\\') {
          out += s[i + 1];
          i += 1;
        } else out += c;
      }
      return out;
    };
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (arg) => {
        fc.pre(arg.length > 0);
        assert.equal(unquote(shellQuote(arg)), arg);
      }),
      { seed: 11 },
    );
  });
});

describe('withToken and ffplayCommand', () => {
  it('adds the token as a query parameter, URL-encoded', () => {
    assert.equal(withToken('https://e/live/p/index.m3u8', null), 'https://e/live/p/index.m3u8');
    assert.equal(
      withToken('https://e/live/p/index.m3u8', 'a.b+c'),
      'https://e/live/p/index.m3u8?token=a.b%2Bc',
    );
    assert.equal(withToken('https://e/x?y=1', 't'), 'https://e/x?y=1&token=t');
  });
  it('quotes URLs that carry a query string', () => {
    assert.equal(ffplayCommand('rtmp://e/live/p?token=t'), "ffplay 'rtmp://e/live/p?token=t'");
  });
});
