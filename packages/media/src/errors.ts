// The one error type of this package. Codes are stable; messages name the rule that broke, with values.

export const MediaErrorCode = {
  /** A codec this container cannot carry (e.g. AV1 or Opus in MPEG-TS). */
  UnsupportedCodec: 'MEDIA_ERR_UNSUPPORTED_CODEC',
  /** A sample that cannot be muxed: empty, a NAL length running past the payload, an oversized frame. */
  MalformedSample: 'MEDIA_ERR_MALFORMED_SAMPLE',
  /** A sample whose config does not match the track the muxer was built for. */
  TrackMismatch: 'MEDIA_ERR_TRACK_MISMATCH',
  /** A blocking playlist request too far beyond the live edge (draft-pantos-hls-rfc8216bis §6.2.5.2). */
  RequestTooFarAhead: 'MEDIA_ERR_REQUEST_TOO_FAR_AHEAD',
  /** A wait given up because its AbortSignal fired or the segmenter was closed. */
  Aborted: 'MEDIA_ERR_ABORTED',
  /** A constructor option outside its allowed range. */
  InvalidOption: 'MEDIA_ERR_INVALID_OPTION',
} as const;

export type MediaErrorCode = (typeof MediaErrorCode)[keyof typeof MediaErrorCode];

export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
