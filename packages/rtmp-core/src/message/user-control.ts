import { ByteReader } from '../bytes/byte-reader';
import { type RtmpMessage } from '../chunk/chunk-constants';
import { type OutgoingMessage } from '../chunk/chunk-encoder';
import { Csid, MessageType } from './message-types';

/** User control event types (spec 7.1.7). */
export const UserControlEventType = {
  StreamBegin: 0,
  StreamEOF: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
} as const;

export type UserControlEvent =
  | { type: 'StreamBegin' | 'StreamEOF' | 'StreamDry' | 'StreamIsRecorded'; streamId: number }
  | { type: 'SetBufferLength'; streamId: number; bufferLengthMs: number }
  | { type: 'PingRequest' | 'PingResponse'; timestamp: number }
  /** Events outside 7.1.7 (Flash sends 31/32 buffer empty/ready): tolerated, not fatal. */
  | { type: 'Unknown'; eventType: number; data: Buffer };

/** Spec 6.2: user control messages use message stream 0 and chunk stream 2. */
export function encodeUserControl(event: UserControlEvent): OutgoingMessage {
  let payload: Buffer;
  if (event.type === 'Unknown') {
    payload = Buffer.concat([Buffer.from([event.eventType >> 8, event.eventType & 0xff]), event.data]);
  } else {
    const long = event.type === 'SetBufferLength';
    payload = Buffer.allocUnsafe(long ? 10 : 6);
    payload.writeUInt16BE(UserControlEventType[event.type], 0);
    payload.writeUInt32BE(('timestamp' in event ? event.timestamp : event.streamId) >>> 0, 2);
    if (event.type === 'SetBufferLength') payload.writeUInt32BE(event.bufferLengthMs >>> 0, 6);
  }
  return { csid: Csid.Control, timestamp: 0, typeId: MessageType.UserControl, messageStreamId: 0, payload };
}

export function decodeUserControl(msg: RtmpMessage): UserControlEvent {
  const r = new ByteReader(msg.payload, 'UserControl');
  const eventType = r.u16('event type');
  switch (eventType) {
    case UserControlEventType.StreamBegin:
      return { type: 'StreamBegin', streamId: r.u32('stream id') };
    case UserControlEventType.StreamEOF:
      return { type: 'StreamEOF', streamId: r.u32('stream id') };
    case UserControlEventType.StreamDry:
      return { type: 'StreamDry', streamId: r.u32('stream id') };
    case UserControlEventType.StreamIsRecorded:
      return { type: 'StreamIsRecorded', streamId: r.u32('stream id') };
    case UserControlEventType.SetBufferLength:
      return {
        type: 'SetBufferLength',
        streamId: r.u32('stream id'),
        bufferLengthMs: r.u32('buffer length'),
      };
    case UserControlEventType.PingRequest:
      return { type: 'PingRequest', timestamp: r.u32('timestamp') };
    case UserControlEventType.PingResponse:
      return { type: 'PingResponse', timestamp: r.u32('timestamp') };
    default:
      return { type: 'Unknown', eventType, data: Buffer.from(r.rest()) };
  }
}
