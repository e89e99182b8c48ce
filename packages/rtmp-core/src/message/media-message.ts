import { type AmfValue } from '../amf';
import { MessageType } from './message-types';

/** An audio (8) or video (9) message: an FLV tag body with its RTMP timestamp (spec 7.1.5). */
export interface MediaMessage {
  readonly typeId: typeof MessageType.Audio | typeof MessageType.Video;
  readonly timestamp: number;
  readonly payload: Buffer;
}

/** A data message other than onMetaData, decoded (spec 7.1.2). */
export interface DataMessage {
  readonly name: string;
  readonly values: readonly AmfValue[];
  readonly timestamp: number;
  readonly payload: Buffer;
}

export function isMediaType(typeId: number): typeId is MediaMessage['typeId'] {
  return typeId === MessageType.Audio || typeId === MessageType.Video;
}
