export {
  isRtmptPath,
  parseRtmptPath,
  RTMPT_PATH_PREFIXES,
  RTMPT_SESSION_ID,
  type RtmptCommand,
  type RtmptRequestLine,
} from './rtmpt-request';
export {
  RTMPT_CONTENT_TYPE,
  type RtmptAnswer,
  type RtmptRefusal,
  type RtmptRequest,
  RtmptSessions,
  type RtmptSessionsOptions,
} from './rtmpt-sessions';
export {
  intervalByte,
  nextInterval,
  RTMPT_INTERVAL_MAX,
  RTMPT_INTERVAL_MIN,
  type RtmptHoldListener,
  type RtmptPoll,
  RtmptTransport,
  type RtmptTransportLimits,
} from './rtmpt-transport';
