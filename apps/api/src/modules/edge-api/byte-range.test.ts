import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseByteRange } from './byte-range';

const MiB = 1024 * 1024;

test('a single closed, open or suffix range is served, clamped to the file', () => {
  assert.deepEqual(parseByteRange('bytes=0-99', 1000, MiB), { ok: true, start: 0, end: 100 });
  assert.deepEqual(parseByteRange('bytes=900-5000', 1000, MiB), { ok: true, start: 900, end: 1000 });
  assert.deepEqual(parseByteRange('bytes=990-', 1000, MiB), { ok: true, start: 990, end: 1000 });
  assert.deepEqual(parseByteRange('bytes=-10', 1000, MiB), { ok: true, start: 990, end: 1000 });
  assert.deepEqual(parseByteRange('bytes=-5000', 1000, MiB), { ok: true, start: 0, end: 1000 });
});

test('hostile or unsatisfiable ranges are refused', () => {
  for (const h of [
    undefined,
    '',
    'bytes=',
    'bytes=-',
    'bytes=-0',
    'items=0-1',
    'bytes=0-1,5-9',
    'bytes=5-1',
    'bytes=1000-',
    'bytes=1000-2000',
    'bytes=a-b',
    'bytes=0-99999999999999999999',
    `bytes=0-1${' '.repeat(100)}`,
  ]) {
    assert.equal(parseByteRange(h, 1000, MiB).ok, false, String(h));
  }
});

test('a range longer than the per-request bound is refused, one at the bound is served', () => {
  assert.equal(parseByteRange(`bytes=0-${MiB}`, 10 * MiB, MiB).ok, false);
  assert.deepEqual(parseByteRange(`bytes=0-${MiB - 1}`, 10 * MiB, MiB), { ok: true, start: 0, end: MiB });
  assert.equal(parseByteRange('bytes=0-', 10 * MiB, MiB).ok, false);
});
