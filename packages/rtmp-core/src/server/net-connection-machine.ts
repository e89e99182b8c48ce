import { connectSuccess, connectSuccessData, createStreamResult, onFcCommand } from '../command/commands';
import {
  type ConnectRequest,
  parseConnect,
  parseSubscribe,
  type SubscribeRequest,
} from '../command/requests';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { type Command, errorCommand, resultCommand } from '../message/command';
import { connectRejectedInfo, StatusCode, statusInfo } from '../message/on-status';
import { type HookDecision } from './server-types';

export type ConnectionPhase =
  /** Transport accepted, handshake bytes flowing. */
  | 'handshake'
  /** Handshake done; only `connect` is accepted. */
  | 'awaiting-connect'
  /** `connect` received, onConnect running; later commands wait in the queue. */
  | 'connecting'
  /** NetConnection.Connect.Success sent. */
  | 'connected'
  /** Closed; nothing more is read or written. */
  | 'closed';

/**
 * What the NetConnection machine asks its connection to do, in order. A `query-*` or `authorize-connect`
 * effect is always the last of its list: the connection runs the hook and answers with the matching method.
 */
export type NetConnectionEffect =
  /** A command on message stream 0 (a _result, an _error, an onFC* notification). */
  | { kind: 'reply'; cmd: Command }
  | { kind: 'authorize-connect'; req: ConnectRequest }
  /** Accepted: announce the window, peer bandwidth and chunk size, send `reply`, then the 'connect' event. */
  | { kind: 'connected'; req: ConnectRequest; reply: Command }
  /** Refused: send `reply` (Connect.Rejected, maybe a 302 redirect), then close. */
  | { kind: 'rejected'; reply: Command }
  /** createStream accepted: make the stream, then send `reply`. */
  | { kind: 'stream-created'; messageStreamId: number; reply: Command }
  /** A NetStream command for an existing stream: its NetStreamMachine takes it. */
  | { kind: 'stream-command'; cmd: Command; messageStreamId: number }
  | { kind: 'delete-stream'; messageStreamId: number }
  /** FCSubscribe: is the stream live? Answer with subscribeAnswered(). */
  | { kind: 'query-subscribe'; req: SubscribeRequest }
  /** getStreamLength: answer with lengthAnswered(). */
  | { kind: 'query-length'; req: SubscribeRequest; transactionId: number }
  | { kind: 'log'; level: 'debug' | 'info'; msg: string; fields: Record<string, unknown> };

export interface NetConnectionLimits {
  /** createStream per connection. */
  maxStreamsPerConnection: number;
}

/** Commands a NetStream takes (spec 7.2.2), on the message stream createStream made. */
const STREAM_COMMANDS = new Set([
  'publish',
  'play',
  'play2',
  'pause',
  'seek',
  'receiveAudio',
  'receiveVideo',
  'closeStream',
]);

/** The FMS/Akamai calls of FMLE and FFmpeg and the notification each one gets. */
const FLASH_MEDIA_CALLS: Record<string, [notification: string, code: string] | null> = {
  releaseStream: null,
  FCPublish: ['onFCPublish', StatusCode.PublishStart],
  FCUnpublish: ['onFCUnpublish', StatusCode.UnpublishSuccess],
  FCUnsubscribe: ['onFCUnsubscribe', StatusCode.PlayStop],
};

/**
 * A server NetConnection's protocol state, sans-I/O: connect first (spec 7.2.1.1), then createStream,
 * deleteStream, the FMS calls, FCSubscribe and getStreamLength, and NetStream commands routed to the
 * streams it created. Each decoded command returns effects; a protocol violation throws RtmpError (the
 * connection closes). The connection owns the bytes, the queue, the limits and the hooks.
 */
export class NetConnectionMachine {
  phase: ConnectionPhase = 'handshake';
  connectRequest: ConnectRequest | null = null;
  /** Replies go out as AMF3 command messages (17): the client sent its connect as one. */
  usesAmf3 = false;
  private readonly streamIds = new Set<number>();
  private nextStreamId = 1;
  private pendingConnect: { req: ConnectRequest; transactionId: number } | null = null;

  constructor(private readonly limits: NetConnectionLimits) {}

  handshakeDone(): void {
    if (this.phase === 'handshake') this.phase = 'awaiting-connect';
  }

  closed(): void {
    this.phase = 'closed';
  }

  /** A decoded command (AMF0 or AMF3) on `messageStreamId`. */
  command(cmd: Command, messageStreamId: number, amf3: boolean): NetConnectionEffect[] {
    if (cmd.name === 'connect') return this.connect(cmd, amf3);
    if (this.phase !== 'connected') {
      throw new RtmpError(
        RtmpErrorCode.State,
        `command ${cmd.name} in state ${this.phase} (connect must come first)`,
      );
    }
    const name = typeof cmd.args[0] === 'string' ? cmd.args[0] : '';
    if (STREAM_COMMANDS.has(cmd.name)) {
      if (!this.streamIds.has(messageStreamId)) {
        throw new RtmpError(
          RtmpErrorCode.State,
          `${cmd.name} on message stream ${messageStreamId}, which createStream did not create`,
        );
      }
      return [{ kind: 'stream-command', cmd, messageStreamId }];
    }
    if (Object.hasOwn(FLASH_MEDIA_CALLS, cmd.name)) return this.flashMediaCall(cmd, name);
    switch (cmd.name) {
      case 'createStream':
        return this.createStream(cmd);
      case 'deleteStream': {
        const id = typeof cmd.args[0] === 'number' ? cmd.args[0] : messageStreamId;
        if (!this.streamIds.delete(id)) return [];
        return [{ kind: 'delete-stream', messageStreamId: id }];
      }
      case 'FCSubscribe': {
        const ack: NetConnectionEffect[] =
          cmd.transactionId !== 0
            ? [{ kind: 'reply', cmd: resultCommand(cmd.transactionId, null, undefined) }]
            : [];
        return [...ack, { kind: 'query-subscribe', req: parseSubscribe(name) }];
      }
      case 'getStreamLength':
        return [{ kind: 'query-length', req: parseSubscribe(name), transactionId: cmd.transactionId }];
      default: {
        const effects: NetConnectionEffect[] = [
          { kind: 'log', level: 'debug', msg: 'unknown command', fields: { command: cmd.name } },
        ];
        if (cmd.transactionId !== 0) {
          effects.push({
            kind: 'reply',
            cmd: errorCommand(
              cmd.transactionId,
              statusInfo('error', StatusCode.CallFailed, `Method not found (${cmd.name}).`),
            ),
          });
        }
        return effects;
      }
    }
  }

  /** The onConnect hook's decision for the pending connect. */
  connectAuthorized(decision: HookDecision): NetConnectionEffect[] {
    const pending = this.pendingConnect;
    if (pending === null || this.phase !== 'connecting') return [];
    this.pendingConnect = null;
    if (!decision.allow) {
      const info = connectRejectedInfo(
        decision.description ?? 'Connection rejected.',
        decision.code ?? StatusCode.ConnectRejected,
        decision.redirect,
      );
      return [{ kind: 'rejected', reply: errorCommand(pending.transactionId, info) }];
    }
    const { req } = pending;
    this.connectRequest = req;
    this.phase = 'connected';
    const info = statusInfo('status', StatusCode.ConnectSuccess, 'Connection succeeded.', {
      objectEncoding: req.objectEncoding,
      data: connectSuccessData(),
    });
    return [
      { kind: 'connected', req, reply: connectSuccess(pending.transactionId, info) },
      { kind: 'log', level: 'info', msg: 'connected', fields: { app: req.app } },
    ];
  }

  /**
   * FCSubscribe's answer: `onFCSubscribe` NetStream.Play.Start when live (anywhere it can be played from),
   * NetStream.Play.StreamNotFound while it is not, so the player retries.
   */
  subscribeAnswered(req: SubscribeRequest, live: boolean): NetConnectionEffect[] {
    const info = live
      ? statusInfo('status', StatusCode.PlayStart, req.name)
      : statusInfo('error', StatusCode.PlayStreamNotFound, `${req.name} is not live yet.`);
    return [{ kind: 'reply', cmd: onFcCommand('onFCSubscribe', info) }];
  }

  /** getStreamLength's answer in seconds (0: live or unknown; anything not a positive number is 0). */
  lengthAnswered(transactionId: number, seconds: number): NetConnectionEffect[] {
    const answer = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
    return [{ kind: 'reply', cmd: resultCommand(transactionId, null, answer) }];
  }

  get streamCount(): number {
    return this.streamIds.size;
  }

  private connect(cmd: Command, amf3: boolean): NetConnectionEffect[] {
    if (this.phase !== 'awaiting-connect')
      throw new RtmpError(RtmpErrorCode.State, `connect in state ${this.phase}`);
    this.phase = 'connecting';
    this.usesAmf3 = amf3;
    const req = parseConnect(cmd);
    this.pendingConnect = { req, transactionId: cmd.transactionId };
    return [{ kind: 'authorize-connect', req }];
  }

  private createStream(cmd: Command): NetConnectionEffect[] {
    if (this.streamIds.size >= this.limits.maxStreamsPerConnection) {
      return [
        {
          kind: 'reply',
          cmd: errorCommand(
            cmd.transactionId,
            statusInfo(
              'error',
              StatusCode.CallFailed,
              `At most ${this.limits.maxStreamsPerConnection} streams.`,
            ),
          ),
        },
      ];
    }
    const id = this.nextStreamId++;
    this.streamIds.add(id);
    return [
      { kind: 'stream-created', messageStreamId: id, reply: createStreamResult(cmd.transactionId, id) },
    ];
  }

  /** releaseStream, FCPublish, FCUnpublish, FCUnsubscribe: acknowledged, with their onFC* notification. */
  private flashMediaCall(cmd: Command, name: string): NetConnectionEffect[] {
    const effects: NetConnectionEffect[] = [];
    if (cmd.transactionId !== 0)
      effects.push({ kind: 'reply', cmd: resultCommand(cmd.transactionId, null, undefined) });
    const notify = FLASH_MEDIA_CALLS[cmd.name];
    if (notify)
      effects.push({ kind: 'reply', cmd: onFcCommand(notify[0], statusInfo('status', notify[1], name)) });
    return effects;
  }
}
