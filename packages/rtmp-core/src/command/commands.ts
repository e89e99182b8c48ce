import { AmfEcmaArray, type AmfObject, type AmfValue } from '../amf';
import { type Command, resultCommand } from '../message/command';
import { type OnStatusInfo } from '../message/on-status';
import { type PlayTransition } from './requests';

/**
 * The NetConnection and NetStream commands as values (spec 7.2), built in one place for the server and
 * the client: what the client sends is what the server's parsers (requests.ts) read, and the
 * round trip is a property test. Encoding to a message is message/command.ts's `encodeCommand`.
 */

/** The version we announce in the connect _result (what FFmpeg, OBS and Flash expect to see). */
export const SERVER_INFO: AmfObject = { fmsVer: 'FMS/3,5,7,7009', capabilities: 31, mode: 1 };
/** The `data.version` of NetConnection.Connect.Success, matching fmsVer. */
export const SERVER_VERSION = '3,5,7,7009';

export interface ConnectProperties {
  app: string;
  tcUrl: string;
  flashVer?: string;
  objectEncoding?: 0 | 3;
  /** Enhanced RTMP v2 capsEx bits (CapsEx). */
  capsEx?: number;
  /** Enhanced RTMP: the FourCCs this client can decode or forward ('hvc1', 'av01', ...). */
  fourCcList?: readonly string[];
}

/** Spec 7.2.1.1 connect, with the command object FMLE and FFmpeg send. */
export function connectCommand(transactionId: number, p: ConnectProperties): Command {
  const object: AmfObject = {
    app: p.app,
    type: 'nonprivate',
    flashVer: p.flashVer ?? 'FMLE/3.0 (compatible; Tributary)',
    tcUrl: p.tcUrl,
    fpad: false,
    capabilities: 15,
    audioCodecs: 4071,
    videoCodecs: 252,
    videoFunction: 1,
    objectEncoding: p.objectEncoding ?? 0,
  };
  if (p.capsEx !== undefined) object.capsEx = p.capsEx;
  if (p.fourCcList !== undefined) object.fourCcList = [...p.fourCcList];
  return { name: 'connect', transactionId, object, args: [] };
}

/** connect's _result: the server info and NetConnection.Connect.Success (info built by the caller). */
export function connectSuccess(transactionId: number, info: OnStatusInfo): Command {
  return resultCommand(transactionId, SERVER_INFO, info);
}

/** The `data` of NetConnection.Connect.Success (FMS sends its version there). */
export function connectSuccessData(): AmfEcmaArray {
  return new AmfEcmaArray({ version: SERVER_VERSION });
}

/** A call without an answer expected (transaction id 0) on the connection or a stream. */
function notify(name: string, ...args: AmfValue[]): Command {
  return { name, transactionId: 0, object: null, args };
}

/** Spec 7.2.1.3 createStream. */
export function createStreamCommand(transactionId: number): Command {
  return { name: 'createStream', transactionId, object: null, args: [] };
}

/** createStream's _result: the new message stream id. */
export function createStreamResult(transactionId: number, messageStreamId: number): Command {
  return resultCommand(transactionId, null, messageStreamId);
}

/** FMLE's releaseStream(name) and FCPublish(name), sent before createStream; CDNs expect them. */
export function releaseStreamCommand(transactionId: number, name: string): Command {
  return { name: 'releaseStream', transactionId, object: null, args: [name] };
}

export function fcPublishCommand(transactionId: number, name: string): Command {
  return { name: 'FCPublish', transactionId, object: null, args: [name] };
}

export function fcUnpublishCommand(name: string): Command {
  return notify('FCUnpublish', name);
}

/** FCSubscribe(name): Akamai/Limelight live subscription. */
export function fcSubscribeCommand(name: string): Command {
  return notify('FCSubscribe', name);
}

/** Spec 7.2.2.6 publish(name, type). */
export function publishCommand(name: string, type: 'live' | 'record' | 'append' = 'live'): Command {
  return notify('publish', name, type);
}

/** Spec 7.2.2.1 play(name, start, duration, reset). */
export function playCommand(name: string, start = -2, duration = -1, reset = true): Command {
  return notify('play', name, start, duration, reset);
}

export interface Play2Options {
  streamName: string;
  oldStreamName?: string;
  start?: number;
  len?: number;
  transition?: PlayTransition;
}

/** Spec 7.2.2.2 play2(NetStreamPlayOptions). */
export function play2Command(o: Play2Options): Command {
  const options: AmfObject = {
    streamName: o.streamName,
    start: o.start ?? -2,
    len: o.len ?? -1,
    transition: o.transition ?? 'switch',
  };
  if (o.oldStreamName !== undefined) options.oldStreamName = o.oldStreamName;
  return notify('play2', options);
}

/** Spec 7.2.2.7 seek(milliseconds). */
export function seekCommand(milliseconds: number): Command {
  return notify('seek', milliseconds);
}

/** Spec 7.2.2.8 pause(pause, milliseconds). */
export function pauseCommand(paused: boolean, milliseconds: number): Command {
  return notify('pause', paused, milliseconds);
}

/** Spec 7.2.2.4/7.2.2.5 receiveAudio(bool) / receiveVideo(bool). */
export function receiveCommand(kind: 'audio' | 'video', enabled: boolean): Command {
  return notify(kind === 'audio' ? 'receiveAudio' : 'receiveVideo', enabled);
}

export function closeStreamCommand(): Command {
  return notify('closeStream');
}

/** Spec 7.2.2.3 deleteStream(id), on message stream 0. */
export function deleteStreamCommand(messageStreamId: number): Command {
  return notify('deleteStream', messageStreamId);
}

/** onStatus(info): NetConnection (message stream 0) or NetStream status. */
export function onStatusCommand(info: OnStatusInfo): Command {
  return notify('onStatus', info);
}

/** onFCPublish / onFCUnpublish / onFCSubscribe / onFCUnsubscribe (info). */
export function onFcCommand(name: string, info: OnStatusInfo): Command {
  return notify(name, info);
}
