// HTTP-FLV for one viewer (issue 7, mpegts.js-style players): the FLV header, then tags starting from
// the broadcast's GOP cache (metadata, sequence headers, last GOP) and continuing live. Tag bytes come
// from @tributary/rtmp-core's FLV encoder, which leaves the payload untouched, so every viewer shares
// the published Buffers and only the 11-byte headers and 4-byte trailers are per viewer.
import { encodeFlvHeader, encodeFlvTag, FlvTagType } from '@tributary/rtmp-core';

export type FlvTagKind = 'audio' | 'video' | 'script';

const TAG_TYPES = {
  audio: FlvTagType.Audio,
  video: FlvTagType.Video,
  script: FlvTagType.ScriptData,
} as const;

/**
 * Keeps a viewer's FLV timestamps monotonic per tag kind. FLV has no discontinuity marker, and players
 * (flv.js, mpegts.js) stall on timestamps that go back, so a publisher restart (its clock starts at 0
 * again) shifts the rest of the stream to continue where the viewer's timeline was.
 */
export class FlvTimeline {
  private offset = 0;
  private readonly last = new Map<FlvTagKind, number>();

  map(kind: FlvTagKind, timestampMs: number): number {
    let out = timestampMs + this.offset;
    const previous = this.last.get(kind);
    if (previous !== undefined && out < previous) {
      this.offset += previous - out;
      out = previous;
    }
    this.last.set(kind, out);
    return out;
  }
}

export class HttpFlvWriter {
  private readonly timeline = new FlvTimeline();

  constructor(private readonly tracks: { readonly audio: boolean; readonly video: boolean }) {}

  /** The first bytes of the response: FLV header and PreviousTagSize0. */
  header(): Buffer {
    return encodeFlvHeader(this.tracks);
  }

  /**
   * One tag as [header, payload, trailer] for a corked write. `payload` is an RTMP audio/video/data
   * message body, shared, never modified. Throws rtmp-core's MediaError for a payload over 16 MiB - 1.
   */
  tag(kind: FlvTagKind, timestampMs: number, payload: Buffer): Buffer[] {
    const [header, , trailer] = encodeFlvTag(TAG_TYPES[kind], this.timeline.map(kind, timestampMs), payload);
    return [header, payload, trailer];
  }
}
