import { type HookDecision, type PlayRequest, type RtmpServerStream, StatusCode } from '@tributary/rtmp-core';
import type { Authorizer } from '../auth/authorizer';
import type { EdgeMetrics } from '../http/edge-metrics';
import type { StreamRegistry, ViewerAdmission } from '../streams/stream-registry';

export interface PlayHandlerOptions {
  authorizer: Authorizer;
  registry: StreamRegistry;
  metrics: EdgeMetrics;
  /** Edge-wide viewer cap per stream; the grant's maxViewers applies on top. */
  maxViewersPerStream: number;
}

/**
 * Playback: rtmp://<edge>/<app>/<playbackId>[?token=<jwt>]. The token may also sit in the connect
 * URL's query or tcUrl (players differ: ffmpeg appends it to the play name, librtmp-based players
 * often to the app). Verification is offline (cached public keys), never an api call per viewer.
 * A viewer of a stream that is not live yet waits in the broadcast and starts on PublishNotify
 * (rtmp-core pings it when idle rather than cutting it).
 */
export class PlayHandler {
  private readonly admissions = new WeakMap<RtmpServerStream, ViewerAdmission>();

  constructor(private readonly opts: PlayHandlerOptions) {}

  /** The onPlay hook. */
  async authorize(stream: RtmpServerStream, req: PlayRequest): Promise<HookDecision> {
    const conn = stream.connection;
    const token = req.query.get('token') ?? conn.connectRequest?.query.get('token') ?? undefined;
    const entry = this.opts.registry.get(req.name);
    const live = entry?.publisher ? { grant: entry.publisher.grant, viewers: entry.viewers.size } : undefined;
    const verdict = await this.opts.authorizer.authorizePlay(req.name, token, conn.remoteAddress, live);
    this.opts.metrics.playAuth.inc({
      result: verdict.allow ? (live ? 'allowed' : 'waiting') : verdict.result,
    });
    if (!verdict.allow) {
      conn.logger.info({ result: verdict.result }, 'play refused');
      return { allow: false, code: verdict.code, description: verdict.description };
    }
    this.admissions.set(stream, verdict.value);
    return { allow: true };
  }

  /** The server's 'play' event: NetStream.Play.Start has been sent; subscribe to the broadcast. */
  started(stream: RtmpServerStream): void {
    const admission = this.admissions.get(stream);
    const name = stream.playRequest?.name;
    if (!admission || name === undefined) return;
    // The publisher may have arrived while the hook ran: its policy and viewer limit apply to this viewer too.
    const live = this.opts.registry.get(name);
    const grant = live?.publisher?.grant;
    const policy = grant ? this.opts.authorizer.admitsViewer(admission, grant) : undefined;
    if (policy && !policy.allow) {
      this.refuseStarted(stream, policy.code, policy.description, policy.result);
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

  private refuseStarted(stream: RtmpServerStream, code: string, description: string, result: string): void {
    this.opts.metrics.playAuth.inc({ result });
    stream.sendStatus({ level: 'error', code, description });
    stream.close(result);
  }
}
