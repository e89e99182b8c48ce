import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SmilError } from '../errors';
import { PROPERTY_SEED, rendition } from '../testing/arbitraries';
import { type Rendition, renditionBandwidth } from './multi-bitrate-manifest';
import { selectRendition } from './rendition-selector';

const ladder: Rendition[] = [
  { src: 'hd', systemBitrate: 2_500_000 },
  { src: 'sd', videoBitrate: 1_000_000, audioBitrate: 128_000 },
  { src: 'low', systemBitrate: 400_000 },
  { src: 'low_copy', systemBitrate: 400_000 },
];

describe('selectRendition', () => {
  const cases: Array<[bandwidth: number, headroom: number | undefined, expected: string]> = [
    [10_000_000, undefined, 'hd'],
    [3_125_000, undefined, 'hd'], // 3.125 Mbit/s * 0.8 = exactly 2.5 Mbit/s
    [3_124_999, undefined, 'sd'],
    [1_410_000, undefined, 'sd'], // video + audio = 1.128 Mbit/s fits in 1.128 Mbit/s
    [1_409_999, undefined, 'low'],
    [100_000, undefined, 'low'], // nothing fits: the cheapest, the first of equals
    [0, undefined, 'low'],
    [2_500_000, 1, 'hd'],
  ];
  for (const [bandwidth, headroom, expected] of cases) {
    it(`chooses ${expected} for ${bandwidth} bit/s with headroom ${headroom ?? 'default'}`, () => {
      assert.equal(selectRendition(ladder, bandwidth, headroom).src, expected);
    });
  }

  it('rejects nonsense bandwidth, headroom and an empty list', () => {
    for (const bad of [Number.NaN, -1, Number.POSITIVE_INFINITY])
      assert.throws(() => selectRendition(ladder, bad), SmilError);
    for (const bad of [0, 1.5, Number.NaN]) assert.throws(() => selectRendition(ladder, 1, bad), SmilError);
    assert.throws(() => selectRendition([], 1), /no renditions/);
  });

  it('chooses the most expensive rendition that fits, else the cheapest, and never less for more bandwidth (property)', () => {
    const bandwidth = fc.integer({ min: 0, max: 2_000_000_000 });
    fc.assert(
      fc.property(
        fc.array(rendition, { minLength: 1, maxLength: 10 }),
        bandwidth,
        bandwidth,
        (renditions, a, b) => {
          const chosen = selectRendition(renditions, a);
          const need = renditionBandwidth(chosen);
          const fitting = renditions.map(renditionBandwidth).filter((n) => n <= a * 0.8);
          if (fitting.length > 0) assert.equal(need, Math.max(...fitting));
          else assert.equal(need, Math.min(...renditions.map(renditionBandwidth)));
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          assert.ok(
            renditionBandwidth(selectRendition(renditions, hi)) >=
              renditionBandwidth(selectRendition(renditions, lo)),
          );
        },
      ),
      { seed: PROPERTY_SEED, numRuns: 1000 },
    );
  });
});
