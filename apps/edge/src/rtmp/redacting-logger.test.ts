import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { redactingRtmpLogger } from './redacting-logger';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { lines, logger: pino({ level: 'debug' }, sink) };
}

describe('redactingRtmpLogger', () => {
  it('censors the stream key on publish lines, also through child loggers', () => {
    const { lines, logger } = capture();
    const conn = redactingRtmpLogger(logger).child({ connId: 'c1' });
    conn.info({ stream: 'sk_live_secret', type: 'live' }, 'publishing');
    conn.info({ stream: 'sk_live_secret' }, 'publish rejected');
    assert.equal(lines.length, 2);
    for (const line of lines) {
      assert.equal(line.stream, '[redacted]');
      assert.equal(line.connId, 'c1');
    }
    assert.doesNotMatch(JSON.stringify(lines), /sk_live_secret/);
  });

  it('keeps play names (public playback ids) and other lines as they are', () => {
    const { lines, logger } = capture();
    const log = redactingRtmpLogger(logger);
    log.info({ stream: 'playback123' }, 'playing');
    log.warn({ reason: 'x' }, 'closed');
    assert.equal(lines[0]?.stream, 'playback123');
    assert.equal(lines[1]?.reason, 'x');
  });
});
