/**
 * The one error type of the media layer (FLV container, tag headers, codec
 * configuration records). Parsers throw nothing else, whatever the bytes.
 */
export const MediaErrorCode = {
  /** The input ends before a declared length or a fixed-size field. */
  Truncated: 'truncated',
  /** A length is over a limit (`FlvLimits`, the 24-bit FLV size field, the NAL unit cap). */
  TooLarge: 'too_large',
  /** A field holds a value the specification forbids (bad signature, reserved tag type, Exp-Golomb overflow). */
  Invalid: 'invalid',
  /** Well-formed but not handled here (encrypted FLV tags, unknown AudioSpecificConfig layouts). */
  Unsupported: 'unsupported',
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
