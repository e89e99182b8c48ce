import {
  type Broadcast,
  type BroadcastMessage,
  encodeFlvHeader,
  encodeFlvTag,
  FlvTagType,
} from '@tributary/rtmp-core';
import type { FrameGrabber } from './frame-grabber';

const VIDEO = FlvTagType.Video;

export interface LiveThumbnailsOptions {
  grabber: FrameGrabber;
  /** THUMBNAIL_REFRESH_SECONDS (as ms): a picture older than this is decoded again from the latest keyframe. */
  refreshMs: number;
  /** Streams whose pictures are kept at once; the least recently made go first. */
  maxEntries: number;
  now?: () => number;
}

interface Cached {
  jpeg: Buffer;
  /** When it was decoded (or found still current). */
  at: number;
  /** The keyframe it was decoded from: the same message later means the same picture. */
  keyframe: BroadcastMessage;
}

/** What the stream's GOP cache holds now: its video sequence header and the keyframe that starts the GOP. */
export function latestKeyframe(
  broadcast: Broadcast,
): { config: BroadcastMessage; keyframe: BroadcastMessage } | undefined {
  let config: BroadcastMessage | undefined;
  let keyframe: BroadcastMessage | undefined;
  // listen() replays metadata, sequence headers and the cached GOP synchronously; nothing live comes
  // in before unlisten, which follows in the same turn.
  const listener = {
    message: (m: BroadcastMessage) => {
      if (m.typeId !== VIDEO) return;
      if (m.role === 'config') config = m;
      else if (m.role === 'keyframe' && keyframe === undefined) keyframe = m;
    },
  };
  broadcast.listen(listener);
  broadcast.unlisten(listener);
  return config && keyframe ? { config, keyframe } : undefined;
}

/** A two-tag FLV file (video only): the sequence header at 0, the keyframe at 0. */
export function keyframeFlv(config: BroadcastMessage, keyframe: BroadcastMessage): Buffer {
  return Buffer.concat([
    encodeFlvHeader({ audio: false, video: true }),
    ...encodeFlvTag(VIDEO, 0, config.payload),
    ...encodeFlvTag(VIDEO, 0, keyframe.payload),
  ]);
}

/**
 * Each live stream's current picture (`/live/<id>/thumbnail.jpg`): decoded on request from the latest
 * keyframe in its GOP cache when the last one is older than `refreshMs` and the keyframe changed, one
 * decode per stream at a time (concurrent requests share it), through the edge's bounded FrameGrabber.
 * While a decode fails or every decoder is busy, the last picture is served (the caller answers 503
 * when there is none).
 */
export class LiveThumbnails {
  private readonly cache = new Map<string, Cached>();
  private readonly inflight = new Map<string, Promise<Buffer>>();
  private readonly now: () => number;

  constructor(private readonly opts: LiveThumbnailsOptions) {
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.cache.size;
  }

  /**
   * The stream's picture: undefined when its GOP cache has no video keyframe (audio only, or not yet).
   * Rejects with FrameGrabBusy / FrameGrabFailed only when there is no earlier picture to serve.
   */
  async get(playbackId: string, broadcast: Broadcast): Promise<Buffer | undefined> {
    const cached = this.cache.get(playbackId);
    const now = this.now();
    if (cached && now - cached.at < this.opts.refreshMs) return cached.jpeg;
    const running = this.inflight.get(playbackId);
    if (running) return running.catch((err) => this.staleOr(playbackId, err));
    const latest = latestKeyframe(broadcast);
    if (!latest) return cached?.jpeg;
    if (cached && cached.keyframe === latest.keyframe) {
      cached.at = now;
      return cached.jpeg;
    }
    const decode = this.opts.grabber.grab(keyframeFlv(latest.config, latest.keyframe), 'flv').then((jpeg) => {
      this.cache.delete(playbackId);
      this.cache.set(playbackId, { jpeg, at: this.now(), keyframe: latest.keyframe });
      while (this.cache.size > this.opts.maxEntries) {
        const oldest = this.cache.keys().next().value as string;
        this.cache.delete(oldest);
      }
      return jpeg;
    });
    this.inflight.set(playbackId, decode);
    try {
      return await decode;
    } catch (err) {
      return this.staleOr(playbackId, err);
    } finally {
      this.inflight.delete(playbackId);
    }
  }

  /** The stream ended here or was revoked: its picture goes. */
  forget(playbackId: string): void {
    this.cache.delete(playbackId);
  }

  private staleOr(playbackId: string, err: unknown): Buffer {
    const cached = this.cache.get(playbackId);
    if (cached) return cached.jpeg;
    throw err;
  }
}
