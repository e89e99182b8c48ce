/**
 * One `Range: bytes=...` request header against a file of `size` bytes (RFC 9110 §14.1.2), for the
 * edge asset source: a single range only (`a-b`, `a-`, or the suffix `-n`), at most `max` bytes.
 * Anything else (several ranges, another unit, a start past the end, garbage) is unsatisfiable: the
 * caller answers 416. Ranges are half-open here: [start, end).
 */
export type ByteRange = { ok: true; start: number; end: number } | { ok: false; reason: string };

/** Longest header worth parsing: `bytes=` and two 16-digit numbers. */
const MAX_HEADER_LENGTH = 64;

export function parseByteRange(header: string | undefined, size: number, max: number): ByteRange {
  if (header === undefined) return { ok: false, reason: 'send one Range: bytes=<first>-<last> header' };
  if (header.length > MAX_HEADER_LENGTH) return { ok: false, reason: 'the Range header is too long' };
  const m = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === ''))
    return { ok: false, reason: 'only one range, bytes=<first>-<last>, is served' };
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return { ok: false, reason: 'an empty suffix range' };
    start = Math.max(0, size - suffix);
    end = size;
  } else {
    start = Number(m[1]);
    if (m[2] !== '') {
      const last = Number(m[2]);
      if (last < start) return { ok: false, reason: 'the range ends before it starts' };
      // The bound is on what is asked for, whatever the file's size.
      if (last - start + 1 > max) return { ok: false, reason: `at most ${max} bytes are served per request` };
    }
    end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1);
  }
  if (start >= size) return { ok: false, reason: `the range starts past the end of the ${size}-byte file` };
  if (end - start > max) return { ok: false, reason: `at most ${max} bytes are served per request` };
  return { ok: true, start, end };
}
