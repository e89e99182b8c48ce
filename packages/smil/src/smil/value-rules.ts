import { NOT_XML_CHAR } from '../xml/xml-chars';

/**
 * Rules for the values SMIL manifests carry. Each check returns a sentence naming
 * the problem, or undefined when the value is fine, so that the parser can report
 * it at a source position and the generator can report it by field name.
 */

/** The de-facto URL length limit of browsers and CDNs; a manifest base URL is far shorter. */
export const MAX_URL_LENGTH = 2048;
/** Schemes a `<meta base>` may use: RTMP variants for players and edges, HTTP for HLS/DASH. */
export const BASE_URL_SCHEMES: ReadonlySet<string> = new Set([
  'rtmp:',
  'rtmps:',
  'rtmpt:',
  'rtmpts:',
  'rtmpe:',
  'http:',
  'https:',
]);
/** 1 Gbit/s: well above any single rendition (UHD HDR ladders top out near 100 Mbit/s). */
export const MAX_BITRATE = 1_000_000_000;
/** Largest frame side we accept; above the 8192x4320 of H.264/HEVC level 6.2. */
export const MAX_DIMENSION = 16_384;
/** A display title, not a document. */
export const MAX_TITLE_LENGTH = 256;

/**
 * A rendition source: a stream name, optionally with Wowza's stream-type prefix
 * (`mp4:`, `flv:`...). No slashes and no `..`: the edge turns it into a stream lookup
 * and a playlist URI, so it must never name a path.
 */
const STREAM_SOURCE = /^(?:(?:mp4|flv|mp3|mpegts):)?[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}$/;
/** An RFC 6381 codecs-parameter element such as `avc1.64001f`, `mp4a.40.2`, `hvc1.1.6.L93.B0`. */
const CODEC_ID = /^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/;
/** The shape of a BCP 47 language tag (`eng`, `en-US`), as SMIL's systemLanguage takes. */
const LANGUAGE_TAG = /^[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8}){0,7}$/;
/** Identifiers the api and edges use for edges (contracts/names.ts SAFE_NAME). */
const EDGE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** Whitespace, controls, quotes and backslash: the WHATWG URL parser silently drops or rewrites them. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const URL_UNSAFE = /[\s\u0000-\u001f\u007f"'<>\\`]/;

export function checkBaseUrl(value: string): string | undefined {
  if (value.length > MAX_URL_LENGTH) return `URL is longer than ${MAX_URL_LENGTH} characters`;
  if (URL_UNSAFE.test(value)) return 'URL contains whitespace, a control character, a quote or a backslash';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${value}" is not an absolute URL`;
  }
  if (!BASE_URL_SCHEMES.has(url.protocol)) return `URL scheme ${url.protocol} is not one of rtmp(s), http(s)`;
  if (url.hostname === '') return 'URL has no host';
  if (url.username !== '' || url.password !== '') return 'URL must not carry credentials';
  return undefined;
}

/**
 * The query a stream source may carry to the edge (`token=<jwt>`, as Wowza's SecureToken and CDNs'
 * tokenised URLs do): URL-encoded name=value pairs joined by `&`, nothing else.
 */
const PLAY_QUERY = /^[A-Za-z0-9._~%+-]+=[A-Za-z0-9._~%+-]*(?:&[A-Za-z0-9._~%+-]+=[A-Za-z0-9._~%+-]*)*$/;

export function checkPlayQuery(value: string): string | undefined {
  if (value.length > MAX_URL_LENGTH) return `query is longer than ${MAX_URL_LENGTH} characters`;
  if (!PLAY_QUERY.test(value)) return `"${value.slice(0, 64)}" is not a URL-encoded name=value query`;
  return undefined;
}

export function checkStreamSource(value: string): string | undefined {
  if (!STREAM_SOURCE.test(value) || value.includes('..')) {
    return `"${value}" is not a stream name ([A-Za-z0-9_.-], up to 128, optional mp4:/flv: prefix, no "..")`;
  }
  return undefined;
}

export function checkBitrate(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 1 || value > MAX_BITRATE) {
    return `${value} is not a bitrate between 1 and ${MAX_BITRATE} bits per second`;
  }
  return undefined;
}

export function checkDimension(value: number): string | undefined {
  if (!Number.isInteger(value) || value < 1 || value > MAX_DIMENSION) {
    return `${value} is not a frame size between 1 and ${MAX_DIMENSION} pixels`;
  }
  return undefined;
}

export function checkCodecId(value: string): string | undefined {
  return CODEC_ID.test(value) ? undefined : `"${value}" is not an RFC 6381 codec id such as avc1.64001f`;
}

export function checkLanguage(value: string): string | undefined {
  return LANGUAGE_TAG.test(value) ? undefined : `"${value}" is not a language tag such as eng or en-US`;
}

export function checkTitle(value: string): string | undefined {
  if (value.length > MAX_TITLE_LENGTH) return `title is longer than ${MAX_TITLE_LENGTH} characters`;
  return NOT_XML_CHAR.test(value) ? 'title contains a character XML cannot carry' : undefined;
}

export function checkEdgeId(value: string): string | undefined {
  return EDGE_ID.test(value) ? undefined : `"${value}" is not an edge id ([A-Za-z0-9_-]{1,64})`;
}

/**
 * Reads a decimal integer as written in an attribute: digits only (surrounding
 * spaces allowed), no sign, exponent or fraction. Returns undefined otherwise.
 */
export function parseDecimal(text: string): number | undefined {
  // 12 digits is beyond every limit above yet safely inside Number.MAX_SAFE_INTEGER.
  const match = /^\s*([0-9]{1,12})\s*$/.exec(text);
  return match ? Number(match[1]) : undefined;
}
