/**
 * The one error type of this package. Parsing, validation, generation and
 * selection all throw `SmilError`; nothing else escapes (the property tests in
 * `src/**\/*.test.ts` feed random and mutated input to hold that promise).
 */
export const SmilErrorCode = {
  /** The input is larger than a limit allows (document size, element count, depth...). */
  LimitExceeded: 'limit_exceeded',
  /** The input is not well-formed XML (XML 1.0 §2.1 "well-formed"). */
  MalformedXml: 'malformed_xml',
  /** Well-formed XML we refuse on purpose: DOCTYPE, undeclared entities, non-ASCII names. */
  UnsupportedXml: 'unsupported_xml',
  /** The elements are not the SMIL subset we read (wrong root, no `<switch>`, two `<body>`...). */
  InvalidStructure: 'invalid_structure',
  /** An attribute or parameter value breaks its rule (bitrate not a number, bad URL...). */
  InvalidValue: 'invalid_value',
} as const;
export type SmilErrorCode = (typeof SmilErrorCode)[keyof typeof SmilErrorCode];

/** Where in the source text a problem is. Lines and columns count from 1, in UTF-16 code units. */
export interface SourcePosition {
  offset: number;
  line: number;
  column: number;
}

export class SmilError extends Error {
  constructor(
    readonly code: SmilErrorCode,
    readonly detail: string,
    readonly position?: SourcePosition,
  ) {
    super(position ? `${detail} (line ${position.line}, column ${position.column})` : detail);
    this.name = 'SmilError';
  }
}

/** Converts an offset into `text` to a line and column, for error messages only (O(offset)). */
export function positionAt(text: string, offset: number): SourcePosition {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}
