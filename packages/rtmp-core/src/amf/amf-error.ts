/**
 * The one error type of the AMF layer. Decoders throw nothing else, whatever the
 * bytes; encoders throw it for values AMF cannot represent.
 */
export const AmfErrorCode = {
  /** The input ends before a declared length or a fixed-size field. */
  Truncated: 'truncated',
  /** Containers nest deeper than `AmfLimits.maxDepth`. */
  DepthExceeded: 'depth_exceeded',
  /** A length or count is over an `AmfLimits` budget, or the whole input is over `maxBytes`. */
  TooLarge: 'too_large',
  /** A type marker this codec does not know (or that the spec reserves). */
  UnknownMarker: 'unknown_marker',
  /** A reference index points outside its table, or at a value still being decoded (a cycle). */
  BadReference: 'bad_reference',
  /** Well-formed but not supported here (externalizable classes other than the known Flex ones, dictionaries). */
  Unsupported: 'unsupported',
  /** Encoder input that has no AMF form (functions, symbols, bigints, cyclic graphs...). */
  Unencodable: 'unencodable',
} as const;

export type AmfErrorCode = (typeof AmfErrorCode)[keyof typeof AmfErrorCode];

export class AmfError extends Error {
  override readonly name = 'AmfError';

  constructor(
    readonly code: AmfErrorCode,
    message: string,
  ) {
    super(message);
  }
}
