import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TributaryError } from './errors';
import { encodeQuery } from './query';

const SEED = 0x5d4;

describe('encodeQuery', () => {
  it('sends strings as they are, whatever they hold (the URL encoding round-trips)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.string({ maxLength: 40 })),
        (q) => {
          const back = new URLSearchParams(encodeQuery(q).toString());
          assert.deepEqual([...back], Object.entries(q));
        },
      ),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('numbers, booleans and bigints as String(), Dates as ISO-8601, arrays as repeated keys', () => {
    const at = new Date('2026-12-07T01:02:03.456Z');
    const q = encodeQuery({
      limit: 100,
      deep: true,
      n: 12n,
      from: at,
      status: ['idle', 'active'],
      none: undefined,
      nil: null,
    });
    assert.equal(
      q.toString(),
      'limit=100&deep=true&n=12&from=2026-12-07T01%3A02%3A03.456Z&status=idle&status=active',
    );
  });

  it('numbers survive the trip as the same number', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        // -0 is sent as 0, the same number to the api
        assert.ok(Number(encodeQuery({ n }).get('n')) === n);
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('refuses what a URL cannot carry with invalid_request naming the parameter', () => {
    for (const bad of [
      { a: { nested: 1 } },
      { a: Number.NaN },
      { a: Number.POSITIVE_INFINITY },
      { a: new Date('x') },
      { a: [1, {}] },
    ]) {
      assert.throws(
        () => encodeQuery(bad as Record<string, unknown>),
        (err: unknown) =>
          err instanceof TributaryError &&
          err.code === 'invalid_request' &&
          /query parameter a/.test(err.message),
      );
    }
  });
});
