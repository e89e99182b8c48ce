import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type RtmpMessage } from '../chunk/chunk-constants';
import { type Command, decodeCommand, encodeCommand } from '../message/command';
import { Csid, MessageType } from '../message/message-types';
import {
  connectCommand,
  fcSubscribeCommand,
  pauseCommand,
  play2Command,
  playCommand,
  publishCommand,
  seekCommand,
} from './commands';
import {
  type PlayTransition,
  parseConnect,
  parsePlay,
  parsePlay2,
  parsePublish,
  parseSubscribe,
} from './requests';

/**
 * The command layer's one promise: what the client builds is what the server reads. Each command goes
 * through the wire encoding (AMF0 and AMF3 command messages) and back into the server's parser.
 */
function wire(cmd: Command, amf3: boolean): Command {
  const out = encodeCommand(cmd, { csid: Csid.Command, messageStreamId: 1, amf3 });
  const msg: RtmpMessage = {
    csid: out.csid,
    timestamp: 0,
    typeId: amf3 ? MessageType.CommandAmf3 : MessageType.CommandAmf0,
    messageStreamId: 1,
    payload: Buffer.concat([out.payload].flat()),
  };
  return decodeCommand(msg);
}

const name = fc.stringMatching(/^[A-Za-z0-9_.\-/]{0,40}$/).filter((s) => !s.includes('?'));
const query = fc.dictionary(
  fc.stringMatching(/^[a-z]{1,8}$/),
  fc.stringMatching(/^[A-Za-z0-9+/=_-]{0,30}$/),
  {
    maxKeys: 4,
  },
);
const ms = fc.oneof(fc.constant(-2), fc.constant(-1), fc.integer({ min: 0, max: 2 ** 31 }));
const amf3 = fc.boolean();

function withQuery(n: string, q: Record<string, string>): string {
  const qs = new URLSearchParams(q).toString();
  return qs === '' ? n : `${n}?${qs}`;
}

describe('command layer round trip (client builders → wire → server parsers)', () => {
  it('connect: app, query, tcUrl, objectEncoding, flashVer', () => {
    fc.assert(
      fc.property(name, query, fc.constantFrom<0 | 3>(0, 3), amf3, (app, q, objectEncoding, a3) => {
        const tcUrl = withQuery(`rtmp://edge.example:1935/${app}`, q);
        const req = parseConnect(
          wire(connectCommand(1, { app, tcUrl, objectEncoding, flashVer: 'X/1' }), a3),
        );
        assert.equal(req.app, app);
        assert.equal(req.tcUrl, tcUrl);
        assert.equal(req.objectEncoding, objectEncoding);
        assert.equal(req.flashVer, 'X/1');
        assert.deepEqual(Object.fromEntries(req.query), { ...q });
      }),
    );
  });

  it('connect carries Enhanced RTMP capsEx and fourCcList', () => {
    const req = parseConnect(
      wire(
        connectCommand(1, { app: 'live', tcUrl: 'rtmp://h/live', capsEx: 1, fourCcList: ['hvc1', 'av01'] }),
        false,
      ),
    );
    assert.equal(req.command.capsEx, 1);
    assert.deepEqual(req.command.fourCcList, ['hvc1', 'av01']);
  });

  it('publish: name, query, type', () => {
    fc.assert(
      fc.property(
        name,
        query,
        fc.constantFrom('live', 'record', 'append' as const),
        amf3,
        (n, q, type, a3) => {
          const req = parsePublish(wire(publishCommand(withQuery(n, q), type), a3));
          assert.equal(req.name, n);
          assert.equal(req.type, type);
          assert.deepEqual(Object.fromEntries(req.query), { ...q });
        },
      ),
    );
  });

  it('play: name, query, start, duration, reset', () => {
    fc.assert(
      fc.property(name, query, ms, ms, fc.boolean(), amf3, (n, q, start, duration, reset, a3) => {
        const req = parsePlay(wire(playCommand(withQuery(n, q), start, duration, reset), a3));
        assert.deepEqual(
          {
            name: req.name,
            start: req.start,
            duration: req.duration,
            reset: req.reset,
            command: req.command,
          },
          { name: n, start, duration, reset, command: 'play' },
        );
        assert.equal(req.transition, reset ? 'reset' : 'append');
        assert.deepEqual(Object.fromEntries(req.query), { ...q });
      }),
    );
  });

  it('play2: streamName, start, len, transition', () => {
    const transition = fc.constantFrom<PlayTransition>('reset', 'append', 'switch', 'swap', 'stop');
    fc.assert(
      fc.property(name, ms, ms, transition, amf3, (streamName, start, len, t, a3) => {
        const req = parsePlay2(wire(play2Command({ streamName, start, len, transition: t }), a3));
        assert.deepEqual(
          { name: req.name, start: req.start, duration: req.duration, transition: req.transition },
          { name: streamName, start, duration: len, transition: t },
        );
        assert.equal(req.reset, t !== 'append');
      }),
    );
  });

  it('FCSubscribe, seek and pause keep their arguments', () => {
    fc.assert(
      fc.property(name, query, fc.integer({ min: 0, max: 2 ** 31 }), fc.boolean(), (n, q, at, paused) => {
        const sub = wire(fcSubscribeCommand(withQuery(n, q)), false);
        const req = parseSubscribe(sub.args[0] as string);
        assert.equal(req.name, n);
        assert.deepEqual(Object.fromEntries(req.query), { ...q });
        assert.deepEqual(wire(seekCommand(at), false).args, [at]);
        assert.deepEqual(wire(pauseCommand(paused, at), true).args, [paused, at]);
      }),
    );
  });
});
