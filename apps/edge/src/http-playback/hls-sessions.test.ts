import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Broadcast } from '@tributary/rtmp-core';
import { StreamEntry } from '../streams/stream-registry';
import { HlsSessions } from './hls-sessions';

const entry = new StreamEntry('pb', new Broadcast());

describe('HLS viewer sessions', () => {
  it('counts one viewer per client address and token, IPv4-mapped addresses included', () => {
    assert.equal(HlsSessions.keyOf('::ffff:192.0.2.1', 't1'), HlsSessions.keyOf('192.0.2.1', 't1'));
    assert.notEqual(HlsSessions.keyOf('192.0.2.1', 't1'), HlsSessions.keyOf('192.0.2.1', 't2'));
    assert.notEqual(HlsSessions.keyOf('192.0.2.1', undefined), HlsSessions.keyOf('192.0.2.2', undefined));
  });

  it('keeps a session while requests come within the window and expires it after', () => {
    const sessions = new HlsSessions(10_000);
    const a = sessions.open('a', entry, 0);
    sessions.open('b', entry, 0);
    assert.equal(sessions.touch('a', 9_000), a);
    assert.deepEqual(
      sessions.expire(10_000).map((s) => s.key),
      [],
    );
    assert.deepEqual(
      sessions.expire(10_001).map((s) => s.key),
      ['b'],
    );
    assert.equal(sessions.touch('b', 10_002), undefined);
    assert.deepEqual(
      sessions.expire(19_001).map((s) => s.key),
      ['a'],
    );
    assert.equal(sessions.size, 0);
  });

  it('forgets a session the registry closes', () => {
    const sessions = new HlsSessions(10_000);
    sessions.open('a', entry, 0).close('token_missing');
    assert.equal(sessions.touch('a', 1), undefined);
  });
});
