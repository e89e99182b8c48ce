import { AmfError, type AmfLimits, type AmfObject, type AmfValue, decodeAmf0, encodeAmf0 } from '../amf';
import { type RtmpMessage } from '../chunk/chunk-constants';
import { type OutgoingMessage } from '../chunk/chunk-encoder';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { MessageType } from './message-types';

/** Spec 7.1.1: command name, transaction id, command object (or null), then optional arguments. */
export interface Command {
  readonly name: string;
  readonly transactionId: number;
  readonly object: AmfValue;
  readonly args: readonly AmfValue[];
}

/**
 * AMF0 body of a command (20) or data (18) message. The AMF3 variants (17, 15) carry one leading 0x00
 * format byte and then AMF0 values that may switch to AMF3 with marker 0x11 (spec 7.1.1, FMS practice).
 */
export function decodeAmfBody(msg: RtmpMessage, limits?: Partial<AmfLimits>): AmfValue[] {
  const amf3 = msg.typeId === MessageType.CommandAmf3 || msg.typeId === MessageType.DataAmf3;
  const body = amf3 && msg.payload[0] === 0 ? msg.payload.subarray(1) : msg.payload;
  try {
    return decodeAmf0(body, limits);
  } catch (err) {
    if (err instanceof AmfError) {
      throw new RtmpError(RtmpErrorCode.Amf, `type ${msg.typeId} message: ${err.message}`, {
        amfCode: err.code,
      });
    }
    throw err;
  }
}

export function decodeCommand(msg: RtmpMessage, limits?: Partial<AmfLimits>): Command {
  const values = decodeAmfBody(msg, limits);
  // FFmpeg's listening server sends a bare `onFCPublish` (no transaction id): read a missing one as 0.
  const [name, transactionId = 0, object = null, ...args] = values;
  if (typeof name !== 'string' || typeof transactionId !== 'number') {
    throw new RtmpError(
      RtmpErrorCode.MalformedMessage,
      `command message must start with a name string and a transaction id number (spec 7.1.1)`,
      { typeId: msg.typeId },
    );
  }
  return { name, transactionId, object, args };
}

export interface CommandTarget {
  readonly csid: number;
  readonly messageStreamId: number;
  /** Send as an AMF3 command message (17): for peers that connected with objectEncoding 3. */
  readonly amf3?: boolean;
  readonly timestamp?: number;
}

export function encodeCommand(cmd: Command, target: CommandTarget): OutgoingMessage {
  const body = encodeAmf0([cmd.name, cmd.transactionId, cmd.object, ...cmd.args]);
  return {
    csid: target.csid,
    timestamp: target.timestamp ?? 0,
    typeId: target.amf3 ? MessageType.CommandAmf3 : MessageType.CommandAmf0,
    messageStreamId: target.messageStreamId,
    payload: target.amf3 ? Buffer.concat([Buffer.from([0]), body]) : body,
  };
}

/** Spec 7.2.1.1: the reply objects of `connect` and others; `_error` carries an info object like onStatus. */
export function resultCommand(transactionId: number, object: AmfValue, ...args: AmfValue[]): Command {
  return { name: '_result', transactionId, object, args };
}

export function errorCommand(transactionId: number, info: AmfObject): Command {
  return { name: '_error', transactionId, object: null, args: [info] };
}
