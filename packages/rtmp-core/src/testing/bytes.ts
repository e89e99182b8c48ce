import assert from 'node:assert/strict';
import { RtmpError, type RtmpErrorCode } from '../errors/rtmp-error';

/** Hex with spaces and line breaks allowed, as the golden tables write chunk boundaries. */
export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** `count` bytes 0, 1, 2, … (mod 256): payloads whose every byte position is recognisable. */
export function counting(count: number, start = 0): Buffer {
  const b = Buffer.allocUnsafe(count);
  for (let i = 0; i < count; i++) b[i] = (start + i) & 0xff;
  return b;
}

export function assertRtmpError(fn: () => unknown, code: RtmpErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RtmpError, `expected RtmpError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
}
