// The error types of this package: MuxError for muxing, MediaFileError for reading on-demand files. Codes are stable; messages name the rule that broke, with values.

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

// Reading on-demand files (vod/): why an uploaded or recorded file cannot be played. Messages are
// precise enough to show the uploader (an asset's `errored` reason).
export const MediaFileErrorCode = {
  /** Neither an MP4 (ISO BMFF) nor an FLV file. */
  UnknownFormat: 'FILE_ERR_UNKNOWN_FORMAT',
  /** The container's structure is broken: a box or tag running past its parent or the file, a bad table. */
  Malformed: 'FILE_ERR_MALFORMED',
  /** The file ends before what its headers announce (an upload cut short). */
  Truncated: 'FILE_ERR_TRUNCATED',
  /** Well formed, but a codec or feature we do not play (HEVC in MP4, fragmented MP4, Opus...). */
  Unsupported: 'FILE_ERR_UNSUPPORTED',
  /** No H.264 video and no AAC/MP3 audio track with samples. */
  NoMedia: 'FILE_ERR_NO_MEDIA',
  /** Past an indexing limit (samples, moov size). */
  TooLarge: 'FILE_ERR_TOO_LARGE',
} as const;

export type MediaFileErrorCode = (typeof MediaFileErrorCode)[keyof typeof MediaFileErrorCode];

export class MediaFileError extends Error {
  override readonly name = 'MediaFileError';

  constructor(
    readonly code: MediaFileErrorCode,
    message: string,
  ) {
    super(message);
  }
}
