// The one error type of this package. Codes are stable; messages name the rule that broke, with values.

export const MuxErrorCode = {
  /** A codec this container cannot carry (e.g. AV1 or Opus in MPEG-TS). */
  UnsupportedCodec: 'MUX_ERR_UNSUPPORTED_CODEC',
  /** A sample that cannot be muxed: empty, a NAL length running past the payload, an oversized frame. */
  MalformedSample: 'MUX_ERR_MALFORMED_SAMPLE',
  /** A sample whose config does not match the track the muxer was built for. */
  TrackMismatch: 'MUX_ERR_TRACK_MISMATCH',
  /** A blocking playlist request too far beyond the live edge (draft-pantos-hls-rfc8216bis §6.2.5.2). */
  RequestTooFarAhead: 'MUX_ERR_REQUEST_TOO_FAR_AHEAD',
  /** A wait given up because its AbortSignal fired or the segmenter was closed. */
  Aborted: 'MUX_ERR_ABORTED',
  /** A constructor option outside its allowed range. */
  InvalidOption: 'MUX_ERR_INVALID_OPTION',
} as const;

export type MuxErrorCode = (typeof MuxErrorCode)[keyof typeof MuxErrorCode];

export class MuxError extends Error {
  override readonly name = 'MuxError';

  constructor(
    readonly code: MuxErrorCode,
    message: string,
  ) {
    super(message);
  }
}
