import type { ControlEvent, LiveStreamCheck } from '@tributary/contracts';
import { StatusCode } from '@tributary/rtmp-core';
import type { Logger } from '@tributary/service-kit';
import type { EdgeMetrics } from '../http/edge-metrics';
import { isHttpViewer, type StreamEntry, type StreamRegistry } from '../streams/stream-registry';
import type { PlaybackKeyStore } from './playback-keys';
import type { PublishAuthorizer } from './publish-authorizer';

export interface RevocationsOptions {
  registry: StreamRegistry;
  publish: PublishAuthorizer;
  keys: PlaybackKeyStore;
  /** Drops the stream's HLS rendition (segments already cut must not be served on). */
  closeHls: (playbackId: string) => void;
  /** Which of these live streams may no longer publish (asked after a resync). */
  checkLiveStreams: (streams: LiveStreamCheck[]) => Promise<string[]>;
  logger: Logger;
  /** Counts events, resyncs and cuts; records how late the newest event was applied. */
  metrics?: Pick<EdgeMetrics, 'controlEvents' | 'revocationCuts' | 'controlFeedLagSeconds'>;
  now?: () => number;
}

/** What a viewer is told when its stream is cut (the publisher's connection just closes). */
const VIEWER_DESCRIPTION: Record<string, string> = {
  stream_key_rotated: 'The stream key was changed; the stream has stopped.',
  stream_disabled: 'This stream was disabled by its owner.',
  stream_deleted: 'This stream was deleted by its owner.',
  tenant_suspended: 'This account is suspended.',
  signing_key_revoked: 'The key that signed this playback token was revoked.',
  revoked: 'This stream may no longer be played.',
};

/**
 * Acts on the control feed at this edge: drops cached publish answers for what was revoked, cuts
 * the affected publisher (its session ends with the event as its reason, so the owner's new key can
 * publish at once) and its viewers over RTMP, HTTP-FLV and HLS, and keeps the playback key set
 * current. On a resync nothing cached is trusted: the key set is reloaded and every live stream
 * here is checked with the api.
 */
export class Revocations {
  constructor(private readonly opts: RevocationsOptions) {}

  async apply(events: ControlEvent[]): Promise<void> {
    for (const event of events) {
      try {
        await this.applyOne(event);
        this.opts.metrics?.controlEvents.inc({ kind: event.kind });
        this.recordLag(event);
      } catch (err) {
        this.opts.logger.warn(
          { err: err instanceof Error ? err.message : String(err), eventId: event.id, kind: event.kind },
          'control event not applied',
        );
      }
    }
  }

  async resync(): Promise<boolean> {
    this.opts.metrics?.controlEvents.inc({ kind: 'resync' });
    this.opts.publish.invalidateAll();
    const synced = await this.opts.keys.sync();
    const live = [...this.opts.registry.all()].flatMap((e) =>
      e.publisher ? [{ liveStreamId: e.publisher.grant.liveStreamId, keyDigest: e.publisher.keyDigest }] : [],
    );
    if (live.length === 0) return synced;
    let revoked: string[];
    try {
      revoked = await this.opts.checkLiveStreams(live);
    } catch (err) {
      this.opts.logger.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'live stream check failed',
      );
      return false;
    }
    const gone = new Set(revoked);
    this.cutStreams((e) => gone.has(e.publisher?.grant.liveStreamId ?? ''), 'revoked');
    return synced;
  }

  private async applyOne(event: ControlEvent): Promise<void> {
    const { kind, liveStreamId, tenantId, signingKeyId } = event;
    switch (kind) {
      case 'stream_key_rotated':
      case 'stream_disabled':
      case 'stream_deleted':
        if (liveStreamId === null) return;
        this.opts.publish.invalidate((g) => g.liveStreamId === liveStreamId);
        this.cutStreams((e) => e.publisher?.grant.liveStreamId === liveStreamId, kind);
        return;
      case 'publish_credentials_changed':
        // Whoever publishes now got in under the old rule: the publisher reconnects (and signs in, if it
        // now must); viewers stay and get the stream back when it does.
        if (liveStreamId === null) return;
        this.opts.publish.invalidate((g) => g.liveStreamId === liveStreamId);
        for (const entry of [...this.opts.registry.all()]) {
          if (entry.publisher?.grant.liveStreamId !== liveStreamId) continue;
          entry.publisher.close(kind);
          this.opts.metrics?.revocationCuts.inc({ reason: kind, role: 'publisher' });
        }
        return;
      case 'tenant_suspended':
        if (tenantId === null) return;
        this.opts.publish.invalidate((g) => g.tenantId === tenantId);
        this.cutStreams((e) => e.publisher?.grant.tenantId === tenantId, kind);
        return;
      case 'stream_enabled':
      case 'tenant_reactivated':
        // Only cached refusals stand in the way now; invalidate() drops every one of them.
        this.opts.publish.invalidate(() => false);
        return;
      case 'signing_key_created':
        if (signingKeyId !== null) await this.opts.keys.learn(signingKeyId);
        return;
      case 'signing_key_revoked':
        if (signingKeyId === null) return;
        this.opts.keys.forget(signingKeyId);
        this.cutViewersOfKey(signingKeyId);
        return;
    }
  }

  /** Ends the publisher and every viewer of the matching live streams. */
  private cutStreams(matches: (entry: StreamEntry) => boolean, reason: string): void {
    for (const entry of [...this.opts.registry.all()]) {
      const publisher = entry.publisher;
      if (!publisher || !matches(entry)) continue;
      const viewers = entry.viewers.size;
      for (const viewer of [...entry.viewers.keys()]) this.cutViewer(entry, viewer, reason);
      publisher.close(reason);
      this.opts.metrics?.revocationCuts.inc({ reason, role: 'publisher' });
      this.opts.closeHls(entry.playbackId);
      this.opts.logger.info(
        {
          reason,
          playbackId: entry.playbackId,
          liveStreamId: publisher.grant.liveStreamId,
          tenantId: publisher.grant.tenantId,
          publisherConnId: publisher.connId,
          viewers,
        },
        'stream revoked: publisher and viewers cut',
      );
    }
  }

  /** Ends the viewers admitted with a token signed by this key (the stream itself goes on). */
  private cutViewersOfKey(kid: string): void {
    let cut = 0;
    for (const entry of [...this.opts.registry.all()]) {
      for (const [viewer, slot] of [...entry.viewers]) {
        if (slot.tokenKid !== kid) continue;
        this.cutViewer(entry, viewer, 'signing_key_revoked');
        cut += 1;
      }
    }
    this.opts.logger.info({ kid, viewers: cut }, 'signing key revoked: its viewers cut');
  }

  private cutViewer(
    entry: StreamEntry,
    viewer: Parameters<StreamRegistry['removeViewer']>[1],
    reason: string,
  ) {
    if (!isHttpViewer(viewer)) {
      viewer.sendStatus({
        level: 'error',
        code: StatusCode.PlayFailed,
        description: VIEWER_DESCRIPTION[reason] ?? VIEWER_DESCRIPTION.revoked ?? reason,
      });
    }
    this.opts.registry.removeViewer(entry, viewer);
    viewer.close(reason);
    this.opts.metrics?.revocationCuts.inc({ reason, role: 'viewer' });
  }

  private recordLag(event: ControlEvent): void {
    const metrics = this.opts.metrics;
    const at = Date.parse(event.at);
    if (!metrics || Number.isNaN(at)) return;
    metrics.controlFeedLagSeconds = Math.max(0, ((this.opts.now ?? Date.now)() - at) / 1000);
  }
}
