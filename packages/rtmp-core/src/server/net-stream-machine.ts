import { type PlayRequest, type PublishRequest } from '../command/requests';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { nameFingerprint } from '../logger/name-fingerprint';
import { type OnStatusInfo, StatusCode, statusInfo } from '../message/on-status';
import { type HookDecision, type RecordedItem } from './server-types';

export type StreamState =
  /** Created by createStream; neither publishing nor playing. */
  | 'idle'
  /** publish received, onPublish running: media is held, not delivered. */
  | 'authorizing'
  /** NetStream.Publish.Start sent: media is delivered as 'media' events. */
  | 'publishing'
  /** NetStream.Play.Start sent: the stream is a broadcast sink. */
  | 'playing';

/**
 * What the machine asks its connection to do, in order. The machine itself does nothing: no bytes, no
 * timers, no events, no hooks. An `authorize-*` effect is always the last of its list: the connection runs
 * the hook and answers with publishAuthorized() or playAuthorized(), which return the next effects.
 */
export type NetStreamEffect =
  /** onStatus on this stream. */
  | { kind: 'status'; info: OnStatusInfo }
  /** onPlayStatus (a data message): Play.Switch, Play.Complete, Play.TransitionComplete. */
  | { kind: 'play-status'; info: OnStatusInfo }
  /** A user control event about this stream. */
  | { kind: 'control'; type: 'StreamBegin' | 'StreamEOF' | 'StreamIsRecorded' }
  /** `|RtmpSampleAccess` (Flash: the player may read raw audio and video). */
  | { kind: 'sample-access' }
  | { kind: 'authorize-publish'; req: PublishRequest }
  | { kind: 'authorize-play'; req: PlayRequest }
  /** Media held while authorising the publish: delivered (accepted) or dropped. */
  | { kind: 'release-held'; deliver: boolean }
  /** Time the item: after `seconds`, the item ends ('duration'). */
  | { kind: 'arm-duration'; seconds: number }
  | { kind: 'disarm-duration' }
  /** A pending play2 switch is dropped: the stream switched away from is left now. */
  | { kind: 'cancel-switch' }
  /** The stream stops playing its current stream ('stop') or publishing ('unpublish'). */
  | { kind: 'stop' }
  | { kind: 'unpublish' }
  /** The stream now publishes, or plays its (new) playRequest: the server's 'publish' / 'play' event. */
  | { kind: 'published' }
  | { kind: 'playing' }
  | { kind: 'pause'; paused: boolean; timeMs: number }
  | { kind: 'seek'; timeMs: number }
  | { kind: 'receive'; media: 'audio' | 'video'; enabled: boolean }
  | { kind: 'log'; level: 'debug' | 'info'; msg: string; fields: Record<string, unknown> };

export interface NetStreamLimits {
  /** Items a play list may hold behind the current one. */
  maxPlayListItems: number;
}

/** What a pending authorisation was for. */
type Pending =
  | { for: 'publish'; req: PublishRequest }
  | { for: 'play' | 'switch' | 'next'; req: PlayRequest };

/**
 * One NetStream's protocol state, sans-I/O: publish and play (spec 7.2.2), Flash's play lists (play with
 * reset=false, play2 append), play2 transitions (switch, swap, stop), recorded items, pause, seek and
 * receiveAudio/Video. Each input returns the effects to carry out; authorisation is an effect answered
 * later, so the whole sequence is testable without a connection, a clock or a port.
 */
export class NetStreamMachine {
  state: StreamState = 'idle';
  publishRequest: PublishRequest | null = null;
  playRequest: PlayRequest | null = null;
  /** The current item is a recorded one (the onPlay hook said so), else null (live). */
  recorded: RecordedItem | null = null;
  /** Play list items after the current one, oldest first. */
  readonly playList: PlayRequest[] = [];
  /** Something was appended since the last reset: ending the last item completes the list (Play.Complete). */
  isPlayList = false;
  paused = false;
  receiveAudio = true;
  receiveVideo = true;
  /**
   * A play2 switch waits for the new stream's keyframe (switchSettled() ends it): while it does, leaving
   * the stream switched away from waits too (the server stream defers its unsubscribes on this flag).
   */
  switching = false;
  private pending: Pending | null = null;

  constructor(
    readonly messageStreamId: number,
    private readonly limits: NetStreamLimits,
  ) {}

  /** Spec 7.2.2.6 publish: authorised first; its media is held meanwhile. */
  publish(req: PublishRequest): NetStreamEffect[] {
    if (this.state !== 'idle')
      throw new RtmpError(RtmpErrorCode.State, `publish on a stream in state ${this.state}`);
    this.state = 'authorizing';
    this.pending = { for: 'publish', req };
    return [{ kind: 'authorize-publish', req }];
  }

  publishAuthorized(decision: HookDecision): NetStreamEffect[] {
    const pending = this.pending;
    if (pending?.for !== 'publish' || this.state !== 'authorizing') return [];
    this.pending = null;
    const { req } = pending;
    if (!decision.allow) {
      this.state = 'idle';
      return [
        { kind: 'release-held', deliver: false },
        {
          kind: 'status',
          info: statusInfo(
            'error',
            decision.code ?? StatusCode.PublishBadName,
            decision.description ?? `${req.name} is not allowed.`,
          ),
        },
        log('info', 'publish rejected', { streamFingerprint: nameFingerprint(req.name) }),
      ];
    }
    this.publishRequest = req;
    this.state = 'publishing';
    return [
      {
        kind: 'status',
        info: statusInfo('status', StatusCode.PublishStart, `${req.name} is now published.`),
      },
      log('info', 'publishing', { streamFingerprint: nameFingerprint(req.name), type: req.type }),
      { kind: 'published' },
      { kind: 'release-held', deliver: true },
    ];
  }

  /**
   * play and play2 as Flash's play list: 'reset' replaces the list and plays now, 'append' queues behind
   * the current item (or plays now when nothing plays), 'switch'/'swap' move a playing stream to another
   * one at its next keyframe, 'stop' stops. Each item is authorised when it starts.
   */
  play(req: PlayRequest): NetStreamEffect[] {
    const playing = this.state === 'playing';
    if (req.transition === 'stop') return playing ? this.finishPlayList(false) : [];
    if (playing && req.transition === 'append') {
      if (this.playList.length >= this.limits.maxPlayListItems)
        throw new RtmpError(RtmpErrorCode.Limit, `play list over ${this.limits.maxPlayListItems} items`);
      this.playList.push(req);
      this.isPlayList = true;
      return [];
    }
    if (playing && req.transition === 'reset' && this.isSamePlay(req)) {
      // Playing this very stream already: a repeated play is a no-op, not a restart (no new subscription,
      // no second GOP replay, no statuses), so repeating it costs the peer's bytes and nothing more.
      return [log('debug', 'repeated play ignored', { stream: req.name })];
    }
    const purpose = playing && (req.transition === 'switch' || req.transition === 'swap') ? 'switch' : 'play';
    this.pending = { for: purpose, req };
    return [{ kind: 'authorize-play', req }];
  }

  /** The onPlay hook's answer for the pending play: null denied, else whether the item is recorded. */
  playAuthorized(granted: { recorded: RecordedItem | null } | null): NetStreamEffect[] {
    const pending = this.pending;
    if (pending === null || pending.for === 'publish') return [];
    this.pending = null;
    const { req } = pending;
    if (granted === null) {
      // The connection sent the denial's onStatus (with the hook's code and description); a play list goes on.
      return pending.for === 'next' ? this.nextItem() : [];
    }
    if (pending.for === 'switch') return this.switchTo(req, granted.recorded);
    if (pending.for === 'next') {
      // Spec 7.2.2.1: duration 0 plays a single frame of a recording; a live stream has no such frame,
      // so a live item of duration 0 is skipped: the nearest live reading of "nothing to play" (API.md).
      if (req.duration === 0 && granted.recorded === null) return this.nextItem();
      return this.startItem(req, 'next', granted.recorded);
    }
    // A new play replaces whatever the stream does (a publish too: a NetStream does one thing at a time).
    const effects = this.state === 'idle' ? [] : this.end();
    this.isPlayList = false;
    return [...effects, ...this.startItem(req, req.reset ? 'reset' : 'start', granted.recorded)];
  }

  /**
   * The item `item` ended: its publisher left ('unpublished'), its duration elapsed, or its recorded file
   * was played to the end ('complete'). A single live play keeps waiting for its publisher to return; a
   * play list, or a single recorded item, moves on to the next item or completes.
   */
  itemEnded(item: PlayRequest | null, cause: 'unpublished' | 'duration' | 'complete'): NetStreamEffect[] {
    if (this.state !== 'playing' || this.playRequest !== item) return []; // replaced meanwhile
    if (cause === 'unpublished' && !this.isPlayList) return [];
    const effects: NetStreamEffect[] = cause === 'complete' ? [{ kind: 'control', type: 'StreamEOF' }] : [];
    return [...effects, ...this.end({ keepPlayList: true }), ...this.nextItem()];
  }

  /** The next play list item is authorised, or the list completes. */
  private nextItem(): NetStreamEffect[] {
    const next = this.playList.shift();
    if (next === undefined) return this.finishPlayList(true);
    this.pending = { for: 'next', req: next };
    return [{ kind: 'authorize-play', req: next }];
  }

  /** The switch's new stream reached its keyframe (or the switch was dropped). */
  switchSettled(): void {
    this.switching = false;
  }

  /** pause(paused, ms) (spec 7.2.2.8): Pause.Notify / Unpause.Notify; the player holds or resumes media. */
  pause(paused: boolean, timeMs: number): NetStreamEffect[] {
    this.paused = paused;
    return [
      {
        kind: 'status',
        info: statusInfo(
          'status',
          paused ? StatusCode.PauseNotify : StatusCode.UnpauseNotify,
          paused ? 'Paused.' : 'Unpaused.',
        ),
      },
      { kind: 'pause', paused, timeMs },
    ];
  }

  /**
   * seek(ms) (spec 7.2.2.7): Seek.Notify; a recorded item restarts there as FMS and Wowza do it
   * (StreamBegin, Play.Start); live has nothing to seek.
   */
  seek(timeMs: number): NetStreamEffect[] {
    const effects: NetStreamEffect[] = [
      {
        kind: 'status',
        info: statusInfo(
          'status',
          StatusCode.SeekNotify,
          `Seeking ${timeMs} (stream ID: ${this.messageStreamId}).`,
        ),
      },
    ];
    if (this.recorded !== null && this.state === 'playing') {
      effects.push(
        { kind: 'control', type: 'StreamBegin' },
        {
          kind: 'status',
          info: statusInfo('status', StatusCode.PlayStart, `Started playing ${this.playRequest?.name}.`),
        },
      );
    }
    effects.push({ kind: 'seek', timeMs });
    return effects;
  }

  /** receiveAudio / receiveVideo (spec 7.2.2.4/7.2.2.5): the broadcast skips disabled kinds. */
  receive(media: 'audio' | 'video', enabled: boolean): NetStreamEffect[] {
    if (media === 'audio') this.receiveAudio = enabled;
    else this.receiveVideo = enabled;
    return [{ kind: 'receive', media, enabled }];
  }

  /**
   * Ends publishing or playing (closeStream, deleteStream, a replacing play). A play list is dropped
   * unless `keepPlayList` (moving on to its next item).
   */
  end({ keepPlayList = false } = {}): NetStreamEffect[] {
    const was = this.state;
    this.state = 'idle';
    this.recorded = null;
    this.pending = null;
    if (!keepPlayList) this.playList.length = 0;
    if (was === 'idle') return [];
    const effects: NetStreamEffect[] = [
      { kind: 'release-held', deliver: false },
      { kind: 'disarm-duration' },
    ];
    if (was === 'publishing') {
      effects.push(
        {
          kind: 'status',
          info: statusInfo(
            'status',
            StatusCode.UnpublishSuccess,
            `${this.publishRequest?.name} is now unpublished.`,
          ),
        },
        { kind: 'unpublish' },
      );
    } else if (was === 'playing') {
      // First leave the stream a pending switch comes from, so 'stop' then leaves the current one.
      this.switching = false;
      effects.push({ kind: 'cancel-switch' }, { kind: 'stop' });
    }
    return effects;
  }

  /** The connection closes: a playing stream says Play.Stop, then everything ends. */
  closing(): NetStreamEffect[] {
    const stop: NetStreamEffect[] =
      this.state === 'playing'
        ? [{ kind: 'status', info: statusInfo('status', StatusCode.PlayStop, 'Stopped.') }]
        : [];
    return [...stop, ...this.end()];
  }

  /** A plain play of the name (and query) the stream plays now, with nothing queued. */
  private isSamePlay(req: PlayRequest): boolean {
    const current = this.playRequest;
    return (
      current !== null &&
      current.name === req.name &&
      current.query.toString() === req.query.toString() &&
      current.duration === req.duration &&
      this.playList.length === 0 &&
      !this.isPlayList &&
      !this.switching
    );
  }

  /**
   * Starts an authorised item: 'reset'/'start' open the stream (StreamBegin, Play.Reset for 'reset',
   * Play.Start, |RtmpSampleAccess); 'next' continues a play list (StreamBegin, onPlayStatus Play.Switch,
   * Play.Start). A recorded item is announced with StreamIsRecorded and is not timed by the clock.
   */
  private startItem(
    req: PlayRequest,
    how: 'reset' | 'start' | 'next',
    recorded: RecordedItem | null,
  ): NetStreamEffect[] {
    this.playRequest = req;
    this.recorded = recorded;
    this.state = 'playing';
    // StreamBegin for every item: the previous one may have ended with StreamEOF (its publisher left).
    const effects: NetStreamEffect[] = [{ kind: 'control', type: 'StreamBegin' }];
    if (recorded !== null) effects.push({ kind: 'control', type: 'StreamIsRecorded' });
    if (how === 'next')
      effects.push({
        kind: 'play-status',
        info: statusInfo('status', StatusCode.PlaySwitch, `Switching to ${req.name}.`),
      });
    if (how === 'reset')
      effects.push({
        kind: 'status',
        info: statusInfo('status', StatusCode.PlayReset, `Playing and resetting ${req.name}.`),
      });
    effects.push({
      kind: 'status',
      info: statusInfo('status', StatusCode.PlayStart, `Started playing ${req.name}.`),
    });
    if (how !== 'next') effects.push({ kind: 'sample-access' });
    // Spec 7.2.2.1: a positive duration (seconds) plays that long of the live stream, then the next item.
    if (recorded === null && req.duration > 0) effects.push({ kind: 'arm-duration', seconds: req.duration });
    effects.push(log('info', 'playing', { stream: req.name, recorded: recorded !== null }), {
      kind: 'playing',
    });
    return effects;
  }

  /** After the last item (complete) or on play2 'stop': onPlayStatus Play.Complete, then Play.Stop. */
  private finishPlayList(complete: boolean): NetStreamEffect[] {
    const effects = this.end();
    if (complete)
      effects.push({
        kind: 'play-status',
        info: statusInfo('status', StatusCode.PlayComplete, 'Play list complete.'),
      });
    effects.push({ kind: 'status', info: statusInfo('status', StatusCode.PlayStop, 'Stopped.') });
    return effects;
  }

  /**
   * play2 switch/swap (AS3 NetStreamPlayTransitions), once authorised: NetStream.Play.Transition. The
   * current item ends ('stop') but keeps playing until the new one ('playing') reaches a keyframe; the
   * connection's broadcast then leaves the old stream and sends Play.TransitionComplete.
   */
  private switchTo(req: PlayRequest, recorded: RecordedItem | null): NetStreamEffect[] {
    if (this.state !== 'playing') return [];
    this.playRequest = req;
    this.recorded = recorded;
    this.switching = true;
    const effects: NetStreamEffect[] = [
      { kind: 'status', info: statusInfo('status', StatusCode.PlayTransition, `Switching to ${req.name}.`) },
      { kind: 'disarm-duration' },
      { kind: 'stop' },
    ];
    if (recorded === null && req.duration > 0) effects.push({ kind: 'arm-duration', seconds: req.duration });
    effects.push(log('info', 'switching', { stream: req.name }), { kind: 'playing' });
    return effects;
  }
}

function log(level: 'debug' | 'info', msg: string, fields: Record<string, unknown>): NetStreamEffect {
  return { kind: 'log', level, msg, fields };
}
