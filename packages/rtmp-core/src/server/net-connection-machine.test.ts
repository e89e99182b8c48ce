import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { connectCommand, createStreamCommand, playCommand } from '../command/commands';
import { RtmpError } from '../errors/rtmp-error';
import { type Command } from '../message/command';
import { type NetConnectionEffect, NetConnectionMachine } from './net-connection-machine';

/** The NetConnection machine alone: decoded commands in, effects out; hooks answered by the test. */
const connect = connectCommand(1, { app: 'live', tcUrl: 'rtmp://edge/live?token=t' });

function connected(): NetConnectionMachine {
  const m = new NetConnectionMachine({ maxStreamsPerConnection: 2 });
  m.handshakeDone();
  assert.deepEqual(kinds(m.command(connect, 0, false)), ['authorize-connect']);
  assert.deepEqual(kinds(m.connectAuthorized({ allow: true })), ['connected', 'log']);
  return m;
}

const kinds = (effects: readonly NetConnectionEffect[]) => effects.map((e) => e.kind);
const replyNames = (effects: readonly NetConnectionEffect[]) =>
  effects.flatMap((e) => (e.kind === 'reply' ? [e.cmd.name] : []));

describe('NetConnectionMachine', () => {
  it('takes connect first, once, and nothing before it', () => {
    const m = new NetConnectionMachine({ maxStreamsPerConnection: 2 });
    assert.throws(() => m.command(connect, 0, false), /connect in state handshake/);
    m.handshakeDone();
    assert.throws(() => m.command(createStreamCommand(2), 0, false), /connect must come first/);
    m.command(connect, 0, true);
    assert.equal(m.usesAmf3, true);
    assert.throws(() => m.command(connect, 0, false), /connect in state connecting/);
    const [accepted] = m.connectAuthorized({ allow: true });
    assert.equal(accepted?.kind, 'connected');
    assert.equal(m.connectRequest?.query.get('token'), 't');
  });

  it('answers a refused connect with Connect.Rejected carrying a 302 redirect', () => {
    const m = new NetConnectionMachine({ maxStreamsPerConnection: 2 });
    m.handshakeDone();
    m.command(connect, 0, false);
    const [effect] = m.connectAuthorized({
      allow: false,
      code: 'NetConnection.Connect.Rejected',
      redirect: 'rtmp://b/live',
    });
    assert.equal(effect?.kind, 'rejected');
    const info = effect?.kind === 'rejected' ? (effect.reply.args[0] as Record<string, unknown>) : {};
    assert.equal(effect?.kind === 'rejected' && effect.reply.name, '_error');
    assert.deepEqual(info.ex, { code: 302, redirect: 'rtmp://b/live' });
    assert.equal(m.phase, 'connecting');
  });

  it('creates streams up to its bound, routes NetStream commands only to them, deletes them', () => {
    const m = connected();
    const [first] = m.command(createStreamCommand(2), 0, false);
    assert.equal(first?.kind === 'stream-created' && first.messageStreamId, 1);
    m.command(createStreamCommand(3), 0, false);
    assert.deepEqual(replyNames(m.command(createStreamCommand(4), 0, false)), ['_error']);
    assert.deepEqual(kinds(m.command(playCommand('a'), 1, false)), ['stream-command']);
    assert.throws(() => m.command(playCommand('a'), 7, false), /which createStream did not create/);
    const del: Command = { name: 'deleteStream', transactionId: 0, object: null, args: [1] };
    assert.deepEqual(kinds(m.command(del, 0, false)), ['delete-stream']);
    assert.deepEqual(m.command(del, 0, false), []);
    assert.throws(() => m.command(playCommand('a'), 1, false), RtmpError);
  });

  it('acknowledges the FMS calls with their onFC* notifications and asks hooks for FCSubscribe and getStreamLength', () => {
    const m = connected();
    const call = (name: string, tid: number): Command => ({
      name,
      transactionId: tid,
      object: null,
      args: ['k'],
    });
    assert.deepEqual(replyNames(m.command(call('releaseStream', 2), 0, false)), ['_result']);
    assert.deepEqual(replyNames(m.command(call('FCPublish', 3), 0, false)), ['_result', 'onFCPublish']);
    assert.deepEqual(replyNames(m.command(call('FCUnpublish', 0), 0, false)), ['onFCUnpublish']);
    assert.deepEqual(kinds(m.command(call('FCSubscribe', 4), 0, false)), ['reply', 'query-subscribe']);
    assert.deepEqual(replyNames(m.subscribeAnswered({ name: 'k', query: new URLSearchParams() }, false)), [
      'onFCSubscribe',
    ]);
    assert.deepEqual(kinds(m.command(call('getStreamLength', 5), 0, false)), ['query-length']);
    const [length] = m.lengthAnswered(5, Number.NaN);
    assert.deepEqual(length?.kind === 'reply' && length.cmd.args, [0]);
  });

  it('answers unknown methods, including names of Object.prototype members, with _error only when asked', () => {
    const m = connected();
    for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'noSuchMethod']) {
      assert.deepEqual(replyNames(m.command({ name, transactionId: 9, object: null, args: [] }, 0, false)), [
        '_error',
      ]);
      assert.deepEqual(
        replyNames(m.command({ name, transactionId: 0, object: null, args: [] }, 0, false)),
        [],
      );
    }
  });

  it('never fails but with RtmpError on any command sequence, and keeps at most its streams (property)', () => {
    const name = fc.constantFrom(
      'connect',
      'createStream',
      'deleteStream',
      'play',
      'publish',
      'FCSubscribe',
      'getStreamLength',
      'releaseStream',
      'FCPublish',
      'seek',
      '__proto__',
      'toString',
      'x',
    );
    const arg = fc.oneof(fc.string({ maxLength: 8 }), fc.integer({ min: -2, max: 4 }), fc.constant(null));
    const cmd = fc.record({ name, tid: fc.nat(5), msid: fc.nat(3), args: fc.array(arg, { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(cmd, { maxLength: 30 }), fc.boolean(), (cmds, allow) => {
        const m = new NetConnectionMachine({ maxStreamsPerConnection: 2 });
        m.handshakeDone();
        for (const c of cmds) {
          const command: Command =
            c.name === 'connect'
              ? connect
              : { name: c.name, transactionId: c.tid, object: null, args: c.args };
          try {
            const effects = m.command(command, c.msid, false);
            if (effects.at(-1)?.kind === 'authorize-connect') m.connectAuthorized({ allow });
          } catch (err) {
            assert.ok(err instanceof RtmpError, String(err));
          }
          assert.ok(m.streamCount <= 2);
        }
      }),
      { numRuns: 300 },
    );
  });
});
