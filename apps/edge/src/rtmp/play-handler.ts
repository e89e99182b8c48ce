import { type HookDecision, type PlayRequest, type RtmpServerStream, StatusCode } from '@tributary/rtmp-core';
import type { Authorizer } from '../auth/authorizer';
import type { EdgeMetrics } from '../http/edge-metrics';
import type { StreamRegistry, ViewerAdmission } from '../streams/stream-registry';

export interface PlayHandlerOptions {
  authorizer: Authorizer;
  registry: StreamRegistry;
  metrics: EdgeMetrics;
}

/**
 * Playback: rtmp://<edge>/<app>/<playbackId>[?token=<jwt>]. The token may also sit in the connect
 * URL's query or tcUrl (players differ: ffmpeg appends it to the play name, librtmp-based players
 * often to the app). Verification is offline (cached public keys), never an api call per viewer.
 * A viewer of a stream that is not live yet waits in the broadcast and starts on PublishNotify.
 */
export class PlayHandler {
  private readonly admissions = new WeakMap<RtmpServerStream, ViewerAdmission>();
  /** RTMP viewers subscribed now, live or waiting. */
  private readonly playing = new Set<RtmpServerStream>();

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
    // The publisher may have arrived while the hook ran: its policy applies to this viewer too.
    const grant = this.opts.registry.get(name)?.publisher?.grant;
    const policy = grant ? this.opts.authorizer.admitsViewer(admission, grant) : undefined;
    if (policy && !policy.allow) {
      this.refuseStarted(stream, policy.code, policy.description, policy.result);
      return;
    }
    const entry = this.opts.registry.addViewer(name, stream, admission);
    if (!entry) {
      this.refuseStarted(
        stream,
        StatusCode.PlayFailed,
        'Too many streams are waiting for a publisher.',
        'waiting_limit',
      );
      return;
    }
    this.playing.add(stream);
    const leave = () => {
      this.playing.delete(stream);
      this.opts.registry.removeViewer(entry, stream);
    };
    stream.once('stop', leave);
    stream.connection.once('close', leave);
  }

  /**
   * A viewer waiting for its publisher neither sends nor receives anything, and the connection idle
   * timeout would cut it. A ping request (spec 7.1.7, answered by every RTMP client) keeps traffic
   * flowing both ways; call this well within CONNECTION_IDLE_TIMEOUT_MS.
   */
  pingWaitingViewers(now: number): void {
    for (const stream of this.playing) {
      const name = stream.playRequest?.name;
      if (name !== undefined && this.opts.registry.get(name)?.isLive !== true) {
        // The ping timestamp is 32-bit milliseconds; only its echo matters.
        stream.sendUserControl({ type: 'PingRequest', timestamp: now % 2 ** 32 });
      }
    }
  }

  private refuseStarted(stream: RtmpServerStream, code: string, description: string, result: string): void {
    this.opts.metrics.playAuth.inc({ result });
    stream.sendStatus({ level: 'error', code, description });
    stream.close(result);
  }
}
