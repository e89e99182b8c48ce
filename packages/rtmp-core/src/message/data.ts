import { AmfEcmaArray, type AmfLimits, type AmfObject, type AmfValue, encodeAmf0 } from '../amf';
import { type RtmpMessage } from '../chunk/chunk-constants';
import { type OutgoingMessage } from '../chunk/chunk-encoder';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { decodeAmfBody } from './command';
import { MessageType } from './message-types';

/** A data message (spec 7.1.2): a handler name followed by values (onMetaData, onCuePoint, |RtmpSampleAccess). */
export interface DataMessageBody {
  readonly name: string;
  readonly values: readonly AmfValue[];
}

/**
 * FMLE/FFmpeg/OBS publish metadata as `@setDataFrame("onMetaData", {...})`: the server stores the frame and
 * sends it to players as `onMetaData({...})` (the convention of FMS, Wowza, nginx-rtmp).
 */
export const SET_DATA_FRAME = '@setDataFrame';
export const ON_METADATA = 'onMetaData';

export function decodeData(msg: RtmpMessage, limits?: Partial<AmfLimits>): DataMessageBody {
  const [name, ...values] = decodeAmfBody(msg, limits);
  if (typeof name !== 'string') {
    throw new RtmpError(
      RtmpErrorCode.MalformedMessage,
      'data message must start with a handler name (spec 7.1.2)',
      {
        typeId: msg.typeId,
      },
    );
  }
  if (name === SET_DATA_FRAME && typeof values[0] === 'string') {
    return { name: values[0], values: values.slice(1) };
  }
  return { name, values };
}

/** The properties of an onMetaData value, whether sent as an object or an ECMA array (FFmpeg sends the latter). */
export function metadataObject(value: AmfValue): AmfObject | null {
  if (value instanceof AmfEcmaArray) return value.properties;
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)) {
    return Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null
      ? (value as AmfObject)
      : null;
  }
  return null;
}

export function encodeData(
  body: DataMessageBody,
  target: { csid: number; messageStreamId: number; timestamp?: number },
): OutgoingMessage {
  return {
    csid: target.csid,
    timestamp: target.timestamp ?? 0,
    typeId: MessageType.DataAmf0,
    messageStreamId: target.messageStreamId,
    payload: encodeAmf0([body.name, ...body.values]),
  };
}
