import { type Counter, MetricsRegistry } from './metrics';

/** Live figures the edge reads at scrape time. */
export interface EdgeMetricSource {
  ready(): boolean;
  connections(): number;
  publishers(): number;
  viewers(): number;
  bytesIn(): number;
  bytesOut(): number;
  droppedMessages(): number;
  slowViewerDisconnects(): number;
  httpBytesOut(): number;
  hlsRenditions(): number;
  flvDroppedMessages(): number;
  flvSlowDisconnects(): number;
}

/** The edge's Prometheus metrics (README.md "Metrics" lists them). */
export class EdgeMetrics {
  readonly registry = new MetricsRegistry();
  readonly connectionsOpened: Counter;
  /** Labels: result = allowed | a refusal reason (closed set: see Authorizer). */
  readonly publishAuth: Counter<'result'>;
  readonly playAuth: Counter<'result'>;
  /** Labels: reason = why the session ended (unpublished, connection_closed, publisher_idle, taken_over, shutdown). */
  readonly sessionsEnded: Counter<'reason'>;
  /** Labels: kind = the control event's kind (contracts ControlEventKind) or `resync`. */
  readonly controlEvents: Counter<'kind'>;
  /** Labels: reason = the event kind that cut them (or `revoked` after a resync); role = publisher | viewer. */
  readonly revocationCuts: Counter<'reason' | 'role'>;
  /** Seconds from the api committing the newest applied control event to this edge acting on it. */
  controlFeedLagSeconds = 0;
  /** Distribution (relay/): pull attempts by result = live | not_live | self | failed | busy. */
  readonly relayPullStarts: Counter<'result'>;
  /** Pulls that brought media and ended, by reason (no_viewers, unpublished, stalled, upstream_closed, ...). */
  readonly relayPullsEnded: Counter<'reason'>;
  /** Other edges' pulls admitted here with a valid relay token. */
  readonly relayViewersServed: Counter;
  /** RTMP viewers that asked for `abr=auto` moved down their ladder because they lagged. */
  readonly autoSwitchesDown: Counter;
  /** Encoder ladders: keyframes of a rendition at no instant of the ladder's first rendition's (keyframe-alignment.ts). */
  readonly renditionKeyframesMisaligned: Counter;
  /** Load balancing (lb/): connects redirected (302) elsewhere, by reason = viewers | egress | draining. */
  readonly connectRedirects: Counter<'reason'>;
  /** Pulls bringing media now (set by the relay manager's owner). */
  relayActivePulls: () => number = () => 0;

  constructor(source: EdgeMetricSource) {
    const r = this.registry;
    r.gauge('tributary_edge_ready', '1 while the edge accepts new publishers and viewers.', () =>
      source.ready() ? 1 : 0,
    );
    r.gauge('tributary_edge_connections', 'Open RTMP connections.', source.connections);
    this.connectionsOpened = r.counter(
      'tributary_edge_connections_opened_total',
      'RTMP connections accepted.',
    );
    r.gauge('tributary_edge_publishers', 'Streams being published to this edge.', source.publishers);
    r.gauge(
      'tributary_edge_viewers',
      'Viewers subscribed, live or waiting for the publisher.',
      source.viewers,
    );
    r.observedCounter(
      'tributary_edge_received_bytes_total',
      'Bytes received on RTMP connections.',
      source.bytesIn,
    );
    r.observedCounter('tributary_edge_sent_bytes_total', 'Bytes sent on RTMP connections.', source.bytesOut);
    r.observedCounter(
      'tributary_edge_dropped_messages_total',
      'Media messages skipped for slow viewers (dropped to the next keyframe).',
      source.droppedMessages,
    );
    r.observedCounter(
      'tributary_edge_slow_viewer_disconnects_total',
      'Viewers disconnected for staying too far behind.',
      source.slowViewerDisconnects,
    );
    r.observedCounter(
      'tributary_edge_http_sent_bytes_total',
      'Bytes of HLS and HTTP-FLV sent to viewers.',
      source.httpBytesOut,
    );
    r.gauge(
      'tributary_edge_hls_renditions',
      'Streams with a running HLS segmenter (someone requested HLS recently).',
      source.hlsRenditions,
    );
    r.observedCounter(
      'tributary_edge_http_flv_dropped_messages_total',
      'Media messages skipped for slow HTTP-FLV viewers (dropped to the next keyframe).',
      source.flvDroppedMessages,
    );
    r.observedCounter(
      'tributary_edge_http_flv_slow_disconnects_total',
      'HTTP-FLV viewers disconnected for staying too far behind.',
      source.flvSlowDisconnects,
    );
    this.publishAuth = r.counter<'result'>(
      'tributary_edge_publish_authorizations_total',
      'Publish attempts by result.',
    );
    this.playAuth = r.counter<'result'>(
      'tributary_edge_play_authorizations_total',
      'Play attempts by result.',
    );
    this.sessionsEnded = r.counter<'reason'>(
      'tributary_edge_publish_sessions_ended_total',
      'Publish sessions ended, by reason.',
    );
    this.controlEvents = r.counter<'kind'>(
      'tributary_edge_control_events_total',
      'Control feed events acted on (revocations, key changes), and resyncs.',
    );
    this.revocationCuts = r.counter<'reason' | 'role'>(
      'tributary_edge_revocation_cuts_total',
      'Publishers and viewers cut because the control plane revoked them.',
    );
    this.relayPullStarts = r.counter<'result'>(
      'tributary_edge_relay_pull_starts_total',
      'Attempts to pull a stream from another edge, by result.',
    );
    this.relayPullsEnded = r.counter<'reason'>(
      'tributary_edge_relay_pulls_ended_total',
      'Pulls from another edge that ended, by reason.',
    );
    this.connectRedirects = r.counter<'reason'>(
      'tributary_edge_connect_redirects_total',
      'RTMP connects answered with a 302 redirect to another edge, by reason.',
    );
    this.autoSwitchesDown = r.counter(
      'tributary_edge_auto_switches_down_total',
      'RTMP viewers with abr=auto moved to a lower rendition because they fell behind.',
    );
    this.renditionKeyframesMisaligned = r.counter(
      'tributary_edge_rendition_keyframes_misaligned_total',
      "Keyframes of an encoder ladder's rendition not aligned with its first rendition's (players switch later).",
    );
    this.relayViewersServed = r.counter(
      'tributary_edge_relay_viewers_served_total',
      "Other edges' pulls admitted with a valid relay token.",
    );
    r.gauge('tributary_edge_relay_pulls', 'Streams being pulled from another edge now.', () =>
      this.relayActivePulls(),
    );
    r.gauge(
      'tributary_edge_control_feed_lag_seconds',
      'Delay from the api committing the newest control event to this edge applying it (clock skew included).',
      () => this.controlFeedLagSeconds,
    );
  }
}
