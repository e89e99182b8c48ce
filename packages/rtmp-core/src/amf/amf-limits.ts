/**
 * Budgets applied while decoding untrusted AMF. They exist because a few bytes can
 * declare huge lengths and counts, or nest deeply (RELIABILITY M2; ZLMediaKit #4787
 * and Red5 #469 crashed on exactly that). Nothing is allocated from a declared length
 * before the bytes are present: lengths are checked against the remaining input first
 * (`truncated`), then against these budgets (`too_large`).
 */
export interface AmfLimits {
  /** Deepest allowed container nesting; a top-level object is at depth 1. */
  maxDepth: number;
  /** Largest whole input accepted by `decodeAmf0` / `decodeAmf3`. */
  maxBytes: number;
  /** Longest single string, XML document or byte array, in bytes. */
  maxStringLength: number;
  /** Most members of one object, ECMA array, strict array or vector. */
  maxElements: number;
}

/**
 * 64 levels: real command objects (ffmpeg, OBS, Flash) nest at most 3 deep, and 64
 * keeps the recursive decoder far from Node's stack limit.
 */
export const AMF_DEFAULT_MAX_DEPTH = 64;

/**
 * 1 MiB: encoders send command and data messages of a few hundred bytes; 1 MiB still
 * fits onMetaData with a keyframe index of a long VOD file (flvtool2 style).
 */
export const AMF_DEFAULT_MAX_BYTES = 1024 * 1024;

/** 256 KiB: stream names, tcUrls and descriptions are short; leaves room for XML payloads. */
export const AMF_DEFAULT_MAX_STRING_LENGTH = 256 * 1024;

/**
 * 65 536 members: onMetaData keyframe indexes (`filepositions`/`times`) hold one entry
 * per keyframe, which is 18 hours at one keyframe per second.
 */
export const AMF_DEFAULT_MAX_ELEMENTS = 65_536;

export const DEFAULT_AMF_LIMITS: Readonly<AmfLimits> = Object.freeze({
  maxDepth: AMF_DEFAULT_MAX_DEPTH,
  maxBytes: AMF_DEFAULT_MAX_BYTES,
  maxStringLength: AMF_DEFAULT_MAX_STRING_LENGTH,
  maxElements: AMF_DEFAULT_MAX_ELEMENTS,
});

export function resolveAmfLimits(limits: Partial<AmfLimits> | undefined): AmfLimits {
  return { ...DEFAULT_AMF_LIMITS, ...limits };
}
