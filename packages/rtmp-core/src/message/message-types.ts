/** Message type ids (RTMP 1.0 spec 5.4 protocol control, 6.2 user control, 7.1 RTMP messages). */
export const MessageType = {
  /** 5.4.1 */
  SetChunkSize: 1,
  /** 5.4.2 */
  Abort: 2,
  /** 5.4.3 */
  Acknowledgement: 3,
  /** 6.2 / 7.1.7 */
  UserControl: 4,
  /** 5.4.4 */
  WindowAckSize: 5,
  /** 5.4.5 */
  SetPeerBandwidth: 6,
  /** 7.1.5 */
  Audio: 8,
  /** 7.1.5 */
  Video: 9,
  /** 7.1.2 data message, AMF3 */
  DataAmf3: 15,
  /** 7.1.3 shared object, AMF3 (not supported: ignored) */
  SharedObjectAmf3: 16,
  /** 7.1.1 command message, AMF3 */
  CommandAmf3: 17,
  /** 7.1.2 data message, AMF0 */
  DataAmf0: 18,
  /** 7.1.3 shared object, AMF0 (not supported: ignored) */
  SharedObjectAmf0: 19,
  /** 7.1.1 command message, AMF0 */
  CommandAmf0: 20,
  /** 7.1.6 aggregate: FLV tags back to back */
  Aggregate: 22,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * Chunk stream ids we send on. Spec 5.3.1.1 reserves 2 for protocol control; the rest is convention
 * (FFmpeg: 3 invoke, 4/6 audio/video). The broadcast has csids of its own (Audio, Video, Data) because it
 * writes the same fmt 0 serialisation to every subscriber and must never share state with a connection's
 * encoder.
 */
export const Csid = {
  Control: 2,
  Command: 3,
  StreamCommand: 5,
  Audio: 6,
  Video: 7,
  Data: 8,
} as const;
