import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AmfEcmaArray, encodeAmf0 } from '../amf';
import { type RtmpMessage } from '../chunk/chunk-constants';
import { RtmpErrorCode } from '../errors/rtmp-error';
import { encodeFlvTag, FlvTagType } from '../media/flv';
import { assertRtmpError, hex } from '../testing/bytes';
import { splitAggregate } from './aggregate';
import { decodeCommand, encodeCommand } from './command';
import { decodeData } from './data';
import { MessageType } from './message-types';
import { connectRejectedInfo, StatusCode } from './on-status';
import {
  decodeAbort,
  decodeAcknowledgement,
  decodeSetChunkSize,
  decodeSetPeerBandwidth,
  decodeWindowAckSize,
  encodeAbort,
  encodeAcknowledgement,
  encodeSetChunkSize,
  encodeSetPeerBandwidth,
  encodeWindowAckSize,
  PeerBandwidthLimit,
} from './protocol-control';
import { decodeUserControl, encodeUserControl, type UserControlEvent } from './user-control';

const incoming = (typeId: number, payload: Buffer, timestamp = 0): RtmpMessage => ({
  csid: 3,
  timestamp,
  typeId,
  messageStreamId: 1,
  payload,
});

describe('protocol control messages (spec 5.4), both directions from one table', () => {
  const table = [
    {
      name: 'SetChunkSize 4096',
      typeId: 1,
      bytes: '00001000',
      enc: () => encodeSetChunkSize(4096),
      dec: decodeSetChunkSize,
      value: 4096,
    },
    {
      name: 'Abort csid 4',
      typeId: 2,
      bytes: '00000004',
      enc: () => encodeAbort(4),
      dec: decodeAbort,
      value: 4,
    },
    {
      name: 'Acknowledgement',
      typeId: 3,
      bytes: 'ffffffff',
      enc: () => encodeAcknowledgement(0xffffffff),
      dec: decodeAcknowledgement,
      value: 0xffffffff,
    },
    {
      name: 'WindowAckSize 2.5 MB',
      typeId: 5,
      bytes: '002625a0',
      enc: () => encodeWindowAckSize(2_500_000),
      dec: decodeWindowAckSize,
      value: 2_500_000,
    },
    {
      name: 'SetPeerBandwidth dynamic',
      typeId: 6,
      bytes: '002625a002',
      enc: () => encodeSetPeerBandwidth(2_500_000, PeerBandwidthLimit.Dynamic),
      dec: decodeSetPeerBandwidth,
      value: { size: 2_500_000, limit: 2 },
    },
  ];
  for (const row of table) {
    it(`${row.name}`, () => {
      const m = row.enc();
      assert.deepEqual(
        [m.csid, m.messageStreamId, m.typeId, m.payload.toString('hex')],
        [2, 0, row.typeId, row.bytes],
      );
      assert.deepEqual(row.dec(incoming(row.typeId, hex(row.bytes))), row.value);
    });
  }
  it('rejects a truncated body with RTMP_ERR_TRUNCATED', () => {
    assertRtmpError(() => decodeWindowAckSize(incoming(5, hex('0026'))), RtmpErrorCode.Truncated);
  });
});

describe('user control events (spec 7.1.7), both directions from one table', () => {
  const table: { bytes: string; event: UserControlEvent }[] = [
    { bytes: '0000 00000001', event: { type: 'StreamBegin', streamId: 1 } },
    { bytes: '0001 00000001', event: { type: 'StreamEOF', streamId: 1 } },
    { bytes: '0002 00000001', event: { type: 'StreamDry', streamId: 1 } },
    {
      bytes: '0003 00000001 00000bb8',
      event: { type: 'SetBufferLength', streamId: 1, bufferLengthMs: 3000 },
    },
    { bytes: '0004 00000001', event: { type: 'StreamIsRecorded', streamId: 1 } },
    { bytes: '0006 0000abcd', event: { type: 'PingRequest', timestamp: 0xabcd } },
    { bytes: '0007 0000abcd', event: { type: 'PingResponse', timestamp: 0xabcd } },
    { bytes: '001f 00000001', event: { type: 'Unknown', eventType: 31, data: hex('00000001') } },
  ];
  for (const { bytes, event } of table) {
    it(`${event.type}`, () => {
      assert.equal(encodeUserControl(event).payload.toString('hex'), hex(bytes).toString('hex'));
      assert.deepEqual(decodeUserControl(incoming(4, hex(bytes))), event);
    });
  }
});

describe('command and data messages (spec 7.1.1, 7.1.2)', () => {
  it('encodes onStatus as AMF0 and decodes it back', () => {
    const info = { level: 'status', code: StatusCode.PublishStart, description: 'x' };
    const m = encodeCommand(
      { name: 'onStatus', transactionId: 0, object: null, args: [info] },
      { csid: 5, messageStreamId: 1 },
    );
    assert.equal(m.typeId, MessageType.CommandAmf0);
    assert.equal(m.payload.toString('hex'), encodeAmf0(['onStatus', 0, null, info]).toString('hex'));
    assert.deepEqual(decodeCommand(incoming(m.typeId, m.payload)), {
      name: 'onStatus',
      transactionId: 0,
      object: null,
      args: [info],
    });
  });

  it('decodes an AMF3 command message (17): a 0x00 format byte, then AMF0', () => {
    const m = encodeCommand(
      { name: 'connect', transactionId: 1, object: { app: 'live' }, args: [] },
      { csid: 3, messageStreamId: 0, amf3: true },
    );
    assert.equal(m.typeId, MessageType.CommandAmf3);
    assert.equal(m.payload[0], 0);
    assert.deepEqual(decodeCommand(incoming(17, m.payload)).object, { app: 'live' });
  });

  it('rejects a command without a name and transaction id', () => {
    assertRtmpError(() => decodeCommand(incoming(20, encodeAmf0([1, 'x']))), RtmpErrorCode.MalformedMessage);
  });

  it('wraps AMF failures (deep nesting) into RTMP_ERR_AMF', () => {
    // connect, 1, then strict arrays of one element nested 1000 deep (marker 0x0a, count 1).
    const nested = Buffer.concat(Array.from({ length: 1000 }, () => hex('0a 00000001')));
    assertRtmpError(
      () => decodeCommand(incoming(20, Buffer.concat([encodeAmf0(['connect', 1]), nested]))),
      RtmpErrorCode.Amf,
    );
  });

  it('unwraps @setDataFrame("onMetaData", ecma array) as FFmpeg sends it', () => {
    const meta = new AmfEcmaArray({ width: 640 });
    const d = decodeData(incoming(18, encodeAmf0(['@setDataFrame', 'onMetaData', meta])));
    assert.equal(d.name, 'onMetaData');
    assert.deepEqual(d.values, [meta]);
  });

  it('builds a Wowza-style 302 redirect for a rejected connect', () => {
    assert.deepEqual(connectRejectedInfo('moved', StatusCode.ConnectRejected, 'rtmp://b/live'), {
      ex: { code: 302, redirect: 'rtmp://b/live' },
      level: 'error',
      code: 'NetConnection.Connect.Rejected',
      description: 'moved',
    });
  });
});

describe('aggregate messages (spec 7.1.6)', () => {
  it('splits FLV tags and renormalises their timestamps to the aggregate timestamp', () => {
    const tags = [
      ...encodeFlvTag(FlvTagType.Video, 5000, hex('17 01 000000 aa')),
      ...encodeFlvTag(FlvTagType.Audio, 5020, hex('af 01 bb')),
    ];
    const body = Buffer.concat(tags.map((t) => Buffer.from(t)));
    const subs = splitAggregate(incoming(22, body, 100));
    assert.deepEqual(
      subs.map((s) => [s.typeId, s.timestamp, s.payload.toString('hex')]),
      [
        [9, 100, '1701000000aa'],
        [8, 120, 'af01bb'],
      ],
    );
  });

  it('rejects an aggregate that ends inside a tag', () => {
    const [h, p] = encodeFlvTag(FlvTagType.Video, 0, hex('17 01 000000 aa'));
    assertRtmpError(
      () => splitAggregate(incoming(22, Buffer.concat([h, Buffer.from(p).subarray(0, 2)]))),
      RtmpErrorCode.Media,
    );
  });
});
