import { type RtmpMessage } from '../chunk/chunk-constants';
import { RtmpError, RtmpErrorCode } from '../errors/rtmp-error';
import { encodeFlvHeader, FlvReader, type FlvTag } from '../media/flv';
import { MediaError } from '../media/media-error';

/** One message carried inside an aggregate. */
export interface SubMessage {
  readonly typeId: number;
  readonly timestamp: number;
  readonly payload: Buffer;
}

/** An FLV header makes the FLV reader accept the bare tag sequence an aggregate body is. */
const FLV_PREAMBLE = encodeFlvHeader({ audio: true, video: true });

/**
 * Spec 7.1.6 Aggregate message: FLV tags (header, body, back pointer) back to back. Sub-message timestamps
 * are renormalised: the aggregate's timestamp minus the first sub-message's is added to each one.
 */
export function splitAggregate(msg: RtmpMessage): SubMessage[] {
  const reader = new FlvReader({ maxTagSize: msg.payload.length });
  let tags: FlvTag[];
  try {
    reader.push(FLV_PREAMBLE);
    tags = reader.push(msg.payload);
  } catch (err) {
    if (err instanceof MediaError)
      throw new RtmpError(RtmpErrorCode.Media, `aggregate message: ${err.message}`);
    throw err;
  }
  // A missing last back pointer is tolerated (the reader skips it lazily); a partial tag is not.
  if (reader.bufferedBytes > 0) {
    throw new RtmpError(
      RtmpErrorCode.Media,
      `aggregate message ends inside a tag (${reader.bufferedBytes} bytes left)`,
    );
  }
  const first = tags[0];
  if (first === undefined) return [];
  const offset = msg.timestamp - first.timestampMs;
  return tags.map((t) => ({ typeId: t.type, timestamp: (t.timestampMs + offset) >>> 0, payload: t.payload }));
}
