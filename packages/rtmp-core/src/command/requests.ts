import { type AmfObject, type AmfValue } from '../amf';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { type Command } from '../message/command';
import { metadataObject } from '../message/data';

export interface ConnectRequest {
  /** `app` of the command object, without any '?query'. */
  readonly app: string;
  /** '' when absent. */
  readonly tcUrl: string;
  /** From tcUrl's query, else from app's '?…'. */
  readonly query: URLSearchParams;
  /** The reply uses the same encoding (spec 7.2.1.1 objectEncoding). */
  readonly objectEncoding: 0 | 3;
  readonly flashVer?: string;
  readonly swfUrl?: string;
  readonly pageUrl?: string;
  readonly command: AmfObject;
  readonly args: readonly AmfValue[];
}

export interface PublishRequest {
  readonly name: string;
  readonly query: URLSearchParams;
  readonly type: 'live' | 'record' | 'append';
}

/** FCSubscribe(name) (Akamai/Limelight live subscription), the name split like play's. */
export interface SubscribeRequest {
  readonly name: string;
  readonly query: URLSearchParams;
}

/**
 * How a play joins the stream's play list: play's `reset` true is 'reset' and false 'append'; play2 carries
 * one of the five NetStreamPlayOptions transitions (AS3 NetStreamPlayTransitions).
 */
export type PlayTransition = 'reset' | 'append' | 'switch' | 'swap' | 'stop';

export interface PlayRequest {
  readonly name: string;
  readonly query: URLSearchParams;
  /** Spec 7.2.2.1: -2 live or recorded (default), -1 live only, ≥ 0 offset into a recording (ms). */
  readonly start: number;
  /** Seconds; -1 until the end (default); > 0: play that long, then the next item; 0: API.md play lists. */
  readonly duration: number;
  readonly reset: boolean;
  readonly transition: PlayTransition;
  readonly command: 'play' | 'play2';
}

/**
 * Turns decoded commands into the typed requests the hooks see. Names arrive as `name?query` (FFmpeg,
 * OBS and Wowza-style tokens): the query is split off here, once, for every hook.
 */
function splitQuery(value: string): { name: string; query: URLSearchParams } {
  const at = value.indexOf('?');
  return at < 0
    ? { name: value, query: new URLSearchParams() }
    : { name: value.slice(0, at), query: new URLSearchParams(value.slice(at + 1)) };
}

function str(obj: AmfObject, key: string): string | undefined {
  const v = obj[key];
  return typeof v === 'string' ? v : undefined;
}

function tcUrlQuery(tcUrl: string): URLSearchParams | null {
  const at = tcUrl.indexOf('?');
  return at < 0 ? null : new URLSearchParams(tcUrl.slice(at + 1));
}

/** Spec 7.2.1.1 connect: the command object carries app, tcUrl, flashVer, objectEncoding, ... */
export function parseConnect(cmd: Command): ConnectRequest {
  const command = metadataObject(cmd.object);
  if (command === null) {
    throw new RtmpError(RtmpErrorCode.MalformedMessage, 'connect without a command object (spec 7.2.1.1)');
  }
  const { name: app, query: appQuery } = splitQuery(str(command, 'app') ?? '');
  const tcUrl = str(command, 'tcUrl') ?? '';
  const req: {
    -readonly [K in keyof ConnectRequest]: ConnectRequest[K];
  } = {
    app,
    tcUrl,
    query: tcUrlQuery(tcUrl) ?? appQuery,
    objectEncoding: command.objectEncoding === 3 ? 3 : 0,
    command,
    args: cmd.args,
  };
  const flashVer = str(command, 'flashVer');
  const swfUrl = str(command, 'swfUrl');
  const pageUrl = str(command, 'pageUrl');
  if (flashVer !== undefined) req.flashVer = flashVer;
  if (swfUrl !== undefined) req.swfUrl = swfUrl;
  if (pageUrl !== undefined) req.pageUrl = pageUrl;
  return req;
}

/** Spec 7.2.2.6 publish(name, type): type is "live" (default), "record" or "append". */
export function parsePublish(cmd: Command): PublishRequest {
  const [rawName, rawType] = cmd.args;
  const type = rawType === 'record' || rawType === 'append' ? rawType : 'live';
  return { ...splitQuery(typeof rawName === 'string' ? rawName : ''), type };
}

function num(v: AmfValue, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** Spec 7.2.2.1 play(name, start = -2, duration = -1, reset = true). */
export function parsePlay(cmd: Command): PlayRequest {
  const [rawName, start, duration, rawReset] = cmd.args;
  const reset = rawReset !== false;
  return {
    ...splitQuery(typeof rawName === 'string' ? rawName : ''),
    start: num(start, -2),
    duration: num(duration, -1),
    reset,
    transition: reset ? 'reset' : 'append',
    command: 'play',
  };
}

/** FCSubscribe(name): the name as play names it (`name?query`). */
export function parseSubscribe(rawName: string): SubscribeRequest {
  return splitQuery(rawName);
}

const PLAY2_TRANSITIONS: readonly PlayTransition[] = ['reset', 'append', 'switch', 'swap', 'stop'];

/** Spec 7.2.2.2 play2(parameters): a NetStreamPlayOptions object (streamName, start, len, transition). */
export function parsePlay2(cmd: Command): PlayRequest {
  const options = metadataObject(cmd.args[0]) ?? {};
  const raw = str(options, 'transition');
  // A missing or unknown transition is 'switch', AS3 NetStreamPlayOptions' default; on a stream that plays
  // nothing, a switch starts like a play with reset.
  const transition: PlayTransition = PLAY2_TRANSITIONS.find((t) => t === raw) ?? 'switch';
  return {
    ...splitQuery(str(options, 'streamName') ?? ''),
    start: num(options.start, -2),
    duration: num(options.len, -1),
    reset: transition !== 'append',
    transition,
    command: 'play2',
  };
}
