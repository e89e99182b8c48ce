import { StatusCode } from '@tributary/rtmp-core';
import type { Authorizer } from '../auth/authorizer';
import type { EdgeMetrics } from '../http/edge-metrics';
import { isHttpViewer, type StreamEntry, type StreamRegistry } from './stream-registry';

export interface WaitingViewersContext {
  authorizer: Pick<Authorizer, 'admitsViewer'>;
  registry: StreamRegistry;
  metrics: Pick<EdgeMetrics, 'playAuth'>;
  /** Edge-wide viewer cap per stream; the grant's maxViewers applies on top. */
  maxViewersPerStream: number;
}

/**
 * Viewers who waited for the stream's publisher (local, or a pull from another edge) were checked
 * without knowing its tenant and policy; now both are known, so those the policy refuses are told why
 * and disconnected, and the rest are kept up to the viewer limit (earliest first; the others get
 * NetStream.Play.Failed). Other edges' pulls (relay admissions) are kept and count against no limit.
 */
export function admitWaitingViewers(entry: StreamEntry, ctx: WaitingViewersContext): void {
  const grant = entry.publisher?.grant;
  if (!grant) return;
  const limit = Math.min(grant.maxViewers ?? Number.POSITIVE_INFINITY, ctx.maxViewersPerStream);
  let kept = 0;
  for (const [sink, viewer] of [...entry.viewers]) {
    if (viewer.relay) continue;
    let verdict = ctx.authorizer.admitsViewer(viewer, grant);
    if (verdict.allow && kept >= limit) {
      verdict = {
        allow: false,
        code: StatusCode.PlayFailed,
        description: 'This stream has reached its viewer limit.',
        result: 'viewer_limit',
      };
    }
    if (verdict.allow) {
      kept += 1;
      continue;
    }
    ctx.metrics.playAuth.inc({ result: verdict.result });
    if (!isHttpViewer(sink))
      sink.sendStatus({ level: 'error', code: verdict.code, description: verdict.description });
    ctx.registry.removeViewer(entry, sink);
    sink.close(verdict.result);
  }
}
