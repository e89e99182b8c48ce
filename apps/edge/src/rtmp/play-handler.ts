import { isSafeName, renditionStreamName } from '@tributary/contracts';
import {
  fourCcSupportOf,
  type HookDecision,
  type PlayRequest,
  type RtmpServerStream,
  StatusCode,
} from '@tributary/rtmp-core';
import type { Authorizer } from '../auth/authorizer';
import type { PublishGrant } from '../control-plane/publish-authorizer';
import type { EdgeMetrics } from '../http/edge-metrics';
import { RELAY_REFUSAL_MESSAGES, type RelayVerdict, relayTokenOf } from '../relay/relay-token';
import { CODEC_REFUSAL_RESULT } from '../streams/codec-gate';
import { ladderOf, lowerRendition } from '../streams/renditions';
import type { StreamRegistry, ViewerAdmission } from '../streams/stream-registry';

export interface PlayHandlerOptions {
  authorizer: Authorizer;
  registry: StreamRegistry;
  metrics: EdgeMetrics;
  /** Edge-wide viewer cap per stream; the grant's maxViewers applies on top. */
  maxViewersPerStream: number;
  /** Checks a relay token (relay/relay-token.ts verifyRelayToken with this edge's keys). */
  verifyRelay: (token: string, playbackId: string) => Promise<RelayVerdict>;
  /** A viewer is waiting for a stream not live here: pull it from another edge (relay/). */
  onWaiting?: (playbackId: string) => void;
  /** The grant of a stream not live here but live on another edge (relay/), checked at play time. */
  fleetGrant?: (playbackId: string) => Promise<PublishGrant | undefined>;
}

/**
 * Playback: rtmp://<edge>/<app>/<playbackId>[?token=<jwt>]. The token may also sit in the connect
 * URL's query or tcUrl (players differ: ffmpeg appends it to the play name, librtmp-based players
 * often to the app). Verification is offline (cached public keys), never an api call per viewer.
 * A viewer of a stream that is not live yet waits in the broadcast and starts on PublishNotify
 * (rtmp-core pings it when idle rather than cutting it); meanwhile the edge pulls the stream from
 * another edge if it is live there.
 * Another edge's pull carries a relay token (`?relay=`, relay-token.ts) instead: once it verifies, the
 * pull is admitted whatever the stream's policy and viewer limits (it serves many viewers, each checked
 * where it plays); an invalid one is refused, never treated as a viewer without a token.
 */
/** After an automatic down-switch, the next one waits this long (the new rendition's keyframe, a settle). */
const AUTO_SWITCH_COOLDOWN_MS = 5_000;

export class PlayHandler {
  private readonly admissions = new WeakMap<RtmpServerStream, ViewerAdmission>();
  /** Viewers that asked for `abr=auto` and are followed for lagging (once per stream). */
  private readonly autoSwitching = new WeakSet<RtmpServerStream>();

  constructor(private readonly opts: PlayHandlerOptions) {}

  /** The onPlay hook. */
  async authorize(stream: RtmpServerStream, req: PlayRequest): Promise<HookDecision> {
    const conn = stream.connection;
    const relayToken = relayTokenOf(req.query, conn.connectRequest?.query);
    if (relayToken !== undefined) return this.authorizeRelay(stream, req, relayToken);
    const token = req.query.get('token') ?? conn.connectRequest?.query.get('token') ?? undefined;
    const entry = this.opts.registry.get(req.name);
    // Live here, or live on another edge (this edge will pull it): its policy and limits apply now.
    const grant =
      entry?.publisher?.grant ?? (isSafeName(req.name) ? await this.opts.fleetGrant?.(req.name) : undefined);
    const live = grant ? { grant, viewers: entry?.viewers.size ?? 0 } : undefined;
    const verdict = await this.opts.authorizer.authorizePlay(req.name, token, conn.remoteAddress, live);
    this.opts.metrics.playAuth.inc({
      result: verdict.allow ? (live ? 'allowed' : 'waiting') : verdict.result,
    });
    if (!verdict.allow) {
      conn.logger.info({ result: verdict.result }, 'play refused');
      return { allow: false, code: verdict.code, description: verdict.description };
    }
    const fourCcs = fourCcSupportOf(conn.connectRequest?.command);
    // Live here with an Enhanced RTMP codec this player did not announce: refused before Play.Start.
    const codecRefusal = entry?.publisher?.codecs?.refusal(fourCcs.enhanced ? fourCcs : undefined);
    if (codecRefusal !== undefined) {
      this.opts.metrics.playAuth.inc({ result: CODEC_REFUSAL_RESULT });
      conn.logger.info({ result: CODEC_REFUSAL_RESULT }, 'play refused');
      return { allow: false, code: StatusCode.PlayFailed, description: codecRefusal };
    }
    this.admissions.set(stream, fourCcs.enhanced ? { ...verdict.value, fourCcs } : verdict.value);
    return { allow: true };
  }

  private async authorizeRelay(
    stream: RtmpServerStream,
    req: PlayRequest,
    token: string,
  ): Promise<HookDecision> {
    const conn = stream.connection;
    const verdict = await this.opts.verifyRelay(token, req.name);
    if (!verdict.ok) {
      const result = `relay_${verdict.reason}`;
      this.opts.metrics.playAuth.inc({ result });
      conn.logger.info({ result }, 'relay play refused');
      return {
        allow: false,
        code: StatusCode.PlayFailed,
        description: RELAY_REFUSAL_MESSAGES[verdict.reason],
      };
    }
    this.opts.metrics.playAuth.inc({ result: 'relay' });
    this.opts.metrics.relayViewersServed.inc();
    conn.logger.info({ puller: verdict.claims.edg, playbackId: req.name }, 'relay play admitted');
    this.admissions.set(stream, { tokenKeyTenantId: null, tokenKid: verdict.kid, relay: true });
    return { allow: true };
  }

  /** The server's 'play' event: NetStream.Play.Start has been sent; subscribe to the broadcast. */
  started(stream: RtmpServerStream): void {
    const admission = this.admissions.get(stream);
    const name = stream.playRequest?.name;
    if (!admission || name === undefined) return;
    // The publisher may have arrived while the hook ran: its policy and viewer limit apply to this viewer too.
    const live = this.opts.registry.get(name);
    const grant = admission.relay ? undefined : live?.publisher?.grant;
    const policy = grant ? this.opts.authorizer.admitsViewer(admission, grant) : undefined;
    if (policy && !policy.allow) {
      this.refuseStarted(stream, policy.code, policy.description, policy.result);
      return;
    }
    // The publisher may have started an Enhanced RTMP codec while the hook ran: refused, not garbage.
    const codecRefusal = admission.relay ? undefined : live?.publisher?.codecs?.refusal(admission.fourCcs);
    if (codecRefusal !== undefined) {
      this.refuseStarted(stream, StatusCode.PlayFailed, codecRefusal, CODEC_REFUSAL_RESULT);
      return;
    }
    if (grant && live) {
      const limit = Math.min(grant.maxViewers ?? Number.POSITIVE_INFINITY, this.opts.maxViewersPerStream);
      if (live.viewers.size >= limit) {
        this.refuseStarted(
          stream,
          StatusCode.PlayFailed,
          'This stream has reached its viewer limit.',
          'viewer_limit',
        );
        return;
      }
    }
    const entry = this.opts.registry.addViewer(name, stream, admission);
    if (!entry) {
      this.refuseStarted(
        stream,
        StatusCode.PlayFailed,
        'Too many viewers are waiting for a publisher.',
        'waiting_limit',
      );
      return;
    }
    if (!entry.publisher) this.opts.onWaiting?.(name);
    // In the play name's query or the connect's (librtmp players put queries on the app), as for tokens.
    const abr = stream.playRequest?.query.get('abr') ?? stream.connection.connectRequest?.query.get('abr');
    if (abr === 'auto') this.followLagging(stream);
    // One play-list item at a time: whichever of 'stop' and 'close' comes first removes the viewer and
    // the other listener, so listeners do not pile up on a connection that plays many items.
    const leave = () => {
      stream.off('stop', leave);
      stream.connection.off('close', leave);
      this.opts.registry.removeViewer(entry, stream);
    };
    stream.once('stop', leave);
    stream.connection.once('close', leave);
  }

  /**
   * `?abr=auto` on a ladder rendition: when the broadcast starts dropping for this viewer (it cannot take
   * the bitrate), the edge switches it to the next lower live rendition (a server-side play2 switch,
   * authorised like the viewer's own), at most once per AUTO_SWITCH_COOLDOWN_MS.
   */
  private followLagging(stream: RtmpServerStream): void {
    if (this.autoSwitching.has(stream)) return;
    this.autoSwitching.add(stream);
    let lastSwitch = Number.NEGATIVE_INFINITY;
    const onLagging = () => {
      const name = stream.playRequest?.name;
      const grant = name === undefined ? undefined : this.opts.registry.get(name)?.publisher?.grant;
      if (!grant || grant.rendition === undefined || Date.now() - lastSwitch < AUTO_SWITCH_COOLDOWN_MS)
        return;
      const live = new Set(this.opts.registry.liveRenditionsOf(grant.playbackId).map((r) => r.name));
      const lower = lowerRendition(ladderOf(grant), grant.rendition, live);
      if (lower === undefined) return;
      lastSwitch = Date.now();
      this.opts.metrics.autoSwitchesDown.inc();
      stream.connection.logger.info({ from: grant.rendition, to: lower }, 'viewer moved down the ladder');
      stream.requestSwitch(renditionStreamName(grant.playbackId, lower));
    };
    stream.on('lagging', onLagging);
    stream.connection.once('close', () => stream.off('lagging', onLagging));
  }

  private refuseStarted(stream: RtmpServerStream, code: string, description: string, result: string): void {
    this.opts.metrics.playAuth.inc({ result });
    stream.sendStatus({ level: 'error', code, description });
    stream.close(result);
  }
}
