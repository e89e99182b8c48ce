import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RtmpLogger, RtmpTransport } from '@tributary/rtmp-core';
import { RtmptHttpHandler } from '@tributary/rtmp-core/node';
import { normalizeIp } from '../auth/client-ip';
import type { EdgeConfig } from '../config';
import type { MetricsRegistry } from '../http/metrics';

export type EdgeRtmptConfig = Pick<
  EdgeConfig,
  | 'RTMPT_MAX_SESSIONS'
  | 'RTMPT_MAX_SESSIONS_PER_IP'
  | 'RTMPT_IDLE_TIMEOUT_MS'
  | 'RTMPT_MAX_BODY_BYTES'
  | 'RTMPT_BODY_TIMEOUT_MS'
  | 'RTMPT_HOLD_MS'
  | 'RTMPT_COALESCE_MS'
  | 'RTMP_MAX_WRITE_BUFFER_BYTES'
>;

/**
 * RTMPT on the edge's HTTP port (README "RTMPT"): each session is one more connection of the edge's
 * RtmpServer (`accept`), so it meets the same hooks (authorisation, caps, 302s) and limits as RTMP over
 * TCP. Sessions count against the client address the edge's other HTTP routes use.
 */
export class EdgeRtmpt {
  private readonly handler: RtmptHttpHandler;

  constructor(
    cfg: EdgeRtmptConfig,
    accept: (transport: RtmpTransport) => void,
    metrics: MetricsRegistry,
    logger: RtmpLogger,
  ) {
    const refused = metrics.counter<'reason'>(
      'tributary_edge_rtmpt_refused_total',
      'RTMPT requests refused, by reason (unknown_session, bad_sequence, body_too_large, too_many_sessions, ...).',
    );
    this.handler = new RtmptHttpHandler({
      accept,
      maxSessions: cfg.RTMPT_MAX_SESSIONS,
      maxSessionsPerIp: cfg.RTMPT_MAX_SESSIONS_PER_IP,
      sessionTimeoutMs: cfg.RTMPT_IDLE_TIMEOUT_MS,
      maxBodyBytes: cfg.RTMPT_MAX_BODY_BYTES,
      // Past the RTMP write bound the connection drops the viewer first; this is the backstop.
      maxBufferedBytes: cfg.RTMP_MAX_WRITE_BUFFER_BYTES * 2,
      bodyTimeoutMs: cfg.RTMPT_BODY_TIMEOUT_MS,
      holdMs: cfg.RTMPT_HOLD_MS,
      coalesceMs: cfg.RTMPT_COALESCE_MS,
      clientIp: (req) => normalizeIp(req.socket.remoteAddress ?? ''),
      logger: logger.child({ component: 'rtmpt' }),
      onAnswer: (_status, reason) => {
        if (reason !== undefined) refused.inc({ reason });
      },
    });
    metrics.gauge('tributary_edge_rtmpt_sessions', 'Open RTMPT sessions.', () => this.handler.sessions.size);
  }

  get sessions(): number {
    return this.handler.sessions.size;
  }

  start(): void {
    this.handler.start();
  }

  stop(): void {
    this.handler.stop();
  }

  handle(req: IncomingMessage, res: ServerResponse, path: string): void {
    this.handler.handle(req, res, path);
  }
}
