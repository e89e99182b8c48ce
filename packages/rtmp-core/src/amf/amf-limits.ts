/**
 * Budgets applied while decoding untrusted AMF. They exist because a few bytes can
 * declare huge lengths and counts, or nest deeply (the reliability rule on hostile input: bounded memory and CPU per message; ZLMediaKit #4787
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
  /**
   * Most values decoded from one input, counting every member of every container (a reference counts
   * as one value: it is shared, not copied). Bounds the work and the objects one message can cost.
   */
  maxNodes: number;
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

/**
 * 262 144 values: twice the largest keyframe index `maxElements` allows (`filepositions` and `times`),
 * plus room for everything around it.
 */
export const AMF_DEFAULT_MAX_NODES = 262_144;

export const DEFAULT_AMF_LIMITS: Readonly<AmfLimits> = Object.freeze({
  maxDepth: AMF_DEFAULT_MAX_DEPTH,
  maxBytes: AMF_DEFAULT_MAX_BYTES,
  maxStringLength: AMF_DEFAULT_MAX_STRING_LENGTH,
  maxElements: AMF_DEFAULT_MAX_ELEMENTS,
  maxNodes: AMF_DEFAULT_MAX_NODES,
});

/**
 * Bounds on what one encode may cost. Decoded AMF may share values through references; an encoder that
 * cannot write a reference (AMF0's 16-bit table is full past 65 536 complex values) writes the value again,
 * so a few hundred kilobytes of references can stand for an exponential tree. Every encode therefore counts
 * the values it visits and the bytes it writes, and fails with AmfError('too_large') past these.
 */
export interface AmfEncodeLimits {
  /** Most values visited (written inline or as a reference) in one encode call. */
  maxNodes: number;
  /** Largest output of one encode call, in bytes. */
  maxBytes: number;
}

/** 4 MiB: a command or data message a server builds is a few hundred bytes; a keyframe index is ~1.2 MB. */
export const AMF_DEFAULT_MAX_ENCODED_BYTES = 4 * 1024 * 1024;

export const DEFAULT_AMF_ENCODE_LIMITS: Readonly<AmfEncodeLimits> = Object.freeze({
  maxNodes: AMF_DEFAULT_MAX_NODES,
  maxBytes: AMF_DEFAULT_MAX_ENCODED_BYTES,
});

export function resolveAmfEncodeLimits(limits: Partial<AmfEncodeLimits> | undefined): AmfEncodeLimits {
  return { ...DEFAULT_AMF_ENCODE_LIMITS, ...limits };
}

export function resolveAmfLimits(limits: Partial<AmfLimits> | undefined): AmfLimits {
  return { ...DEFAULT_AMF_LIMITS, ...limits };
}
