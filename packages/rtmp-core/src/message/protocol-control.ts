import { ByteReader } from '../bytes/byte-reader';
import { type RtmpMessage } from '../chunk/chunk-constants';
import { type OutgoingMessage } from '../chunk/chunk-encoder';
import { Csid, MessageType } from './message-types';

/**
 * Protocol control messages (spec 5.4): fixed-size bodies on chunk stream 2, message stream 0. Each is a
 * 32-bit value (Set Peer Bandwidth adds a limit type byte), so they share one encoder and one reader.
 */

/** 5.4.5 limit types. */
export const PeerBandwidthLimit = { Hard: 0, Soft: 1, Dynamic: 2 } as const;
export type PeerBandwidthLimit = (typeof PeerBandwidthLimit)[keyof typeof PeerBandwidthLimit];

function control(typeId: number, value: number, extra?: number): OutgoingMessage {
  const payload = Buffer.allocUnsafe(extra === undefined ? 4 : 5);
  payload.writeUInt32BE(value >>> 0, 0);
  if (extra !== undefined) payload.writeUInt8(extra, 4);
  return { csid: Csid.Control, timestamp: 0, typeId, messageStreamId: 0, payload };
}

function readValue(msg: RtmpMessage, what: string): number {
  return new ByteReader(msg.payload, what).u32('value');
}

/** 5.4.1: the first bit must be zero; callers validate the range with `effectiveChunkSize`. */
export const encodeSetChunkSize = (size: number): OutgoingMessage => control(MessageType.SetChunkSize, size);
export const decodeSetChunkSize = (msg: RtmpMessage): number => readValue(msg, 'SetChunkSize');

/** 5.4.2: the csid whose partial message the peer must discard. */
export const encodeAbort = (csid: number): OutgoingMessage => control(MessageType.Abort, csid);
export const decodeAbort = (msg: RtmpMessage): number => readValue(msg, 'Abort');

/** 5.4.3: the number of bytes received so far (sequence number, wraps at 2^32). */
export const encodeAcknowledgement = (sequence: number): OutgoingMessage =>
  control(MessageType.Acknowledgement, sequence);
export const decodeAcknowledgement = (msg: RtmpMessage): number => readValue(msg, 'Acknowledgement');

/** 5.4.4: after this many bytes the receiver must send an Acknowledgement. */
export const encodeWindowAckSize = (size: number): OutgoingMessage =>
  control(MessageType.WindowAckSize, size);
export const decodeWindowAckSize = (msg: RtmpMessage): number => readValue(msg, 'WindowAckSize');

/** 5.4.5: limits the peer's output bandwidth (its window) with a limit type. */
export const encodeSetPeerBandwidth = (size: number, limit: PeerBandwidthLimit): OutgoingMessage =>
  control(MessageType.SetPeerBandwidth, size, limit);

export function decodeSetPeerBandwidth(msg: RtmpMessage): { size: number; limit: number } {
  const r = new ByteReader(msg.payload, 'SetPeerBandwidth');
  return { size: r.u32('window size'), limit: r.u8('limit type') };
}
