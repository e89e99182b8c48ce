import { type AmfObject, type AmfValue } from '../amf';

/** The info object of onStatus and of `_error` replies (spec 7.2.2: level, code, description). */
export interface OnStatusInfo {
  level: 'status' | 'warning' | 'error';
  code: string;
  description: string;
  [key: string]: AmfValue;
}

/** Standard NetConnection / NetStream status codes (Flash ActionScript NetStatusEvent.info.code). */
export const StatusCode = {
  ConnectSuccess: 'NetConnection.Connect.Success',
  ConnectRejected: 'NetConnection.Connect.Rejected',
  ConnectClosed: 'NetConnection.Connect.Closed',
  ConnectFailed: 'NetConnection.Connect.Failed',
  /** Enhanced RTMP v2: the server asks the client to reconnect (to `tcUrl` when given) and carry on. */
  ConnectReconnectRequest: 'NetConnection.Connect.ReconnectRequest',
  CallFailed: 'NetConnection.Call.Failed',
  PublishStart: 'NetStream.Publish.Start',
  PublishBadName: 'NetStream.Publish.BadName',
  PublishDenied: 'NetStream.Publish.Denied',
  UnpublishSuccess: 'NetStream.Unpublish.Success',
  PlayStart: 'NetStream.Play.Start',
  PlayReset: 'NetStream.Play.Reset',
  PlayStop: 'NetStream.Play.Stop',
  PlayStreamNotFound: 'NetStream.Play.StreamNotFound',
  PlayFailed: 'NetStream.Play.Failed',
  PlayPublishNotify: 'NetStream.Play.PublishNotify',
  PlayUnpublishNotify: 'NetStream.Play.UnpublishNotify',
  /** onPlayStatus: the play list moves on to its next item. */
  PlaySwitch: 'NetStream.Play.Switch',
  /** onPlayStatus: the play list has played its last item. */
  PlayComplete: 'NetStream.Play.Complete',
  /** play2 switch/swap accepted: the server moves to the new stream at its next keyframe. */
  PlayTransition: 'NetStream.Play.Transition',
  /** onPlayStatus: the play2 switch happened; what follows comes from the new stream. */
  PlayTransitionComplete: 'NetStream.Play.TransitionComplete',
  PauseNotify: 'NetStream.Pause.Notify',
  UnpauseNotify: 'NetStream.Unpause.Notify',
  SeekNotify: 'NetStream.Seek.Notify',
} as const;

/** Enhanced RTMP v2 `capsEx` bits in the connect command object. */
export const CapsEx = {
  /** The client acts on NetConnection.Connect.ReconnectRequest. */
  Reconnect: 0x01,
  Multitrack: 0x02,
  ModEx: 0x04,
  TimestampNanoOffset: 0x08,
} as const;

/** Builds an onStatus/_error info object; `extra` adds fields such as `details`, `clientid` or `ex`. */
export function statusInfo(
  level: OnStatusInfo['level'],
  code: string,
  description: string,
  extra: AmfObject = {},
): OnStatusInfo {
  return { ...extra, level, code, description };
}

/**
 * The `_error` info of a rejected connect. With a redirect it carries Wowza's form, which FFmpeg, OBS and
 * Flash follow: `ex: { code: 302, redirect: url }`.
 */
export function connectRejectedInfo(description: string, code: string, redirect?: string): OnStatusInfo {
  return statusInfo(
    'error',
    code,
    description,
    redirect === undefined ? {} : { ex: { code: 302, redirect } },
  );
}
