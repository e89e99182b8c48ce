import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type ChartBox, dailySeries, layoutBars, niceCeiling } from './usage-chart';

const box: ChartBox = { width: 600, height: 200, left: 50, bottom: 20, top: 10 };

describe('niceCeiling', () => {
  it('rounds up to 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceCeiling(0), 1);
    assert.equal(niceCeiling(1), 1);
    assert.equal(niceCeiling(1.2), 2);
    assert.equal(niceCeiling(37), 50);
    assert.equal(niceCeiling(500), 500);
    assert.equal(niceCeiling(501), 1000);
    assert.equal(niceCeiling(0.03), 0.05);
  });
});

describe('layoutBars', () => {
  it('draws the tallest bar no higher than the plot and proportional to its value', () => {
    const layout = layoutBars(
      [
        { periodStart: '2025-06-01', value: 25 },
        { periodStart: '2025-06-02', value: 50 },
        { periodStart: '2025-06-03', value: 0 },
      ],
      box,
    );
    assert.equal(layout.max, 50);
    assert.equal(layout.bars[1]?.height, 170);
    assert.equal(layout.bars[1]?.y, 10);
    assert.equal(layout.bars[0]?.height, 85);
    assert.equal(layout.bars[2]?.height, 0);
    assert.deepEqual(
      layout.ticks.map((t) => t.value),
      [0, 10, 20, 30, 40, 50],
    );
  });
  it('keeps every bar inside the plot for any data, including empty and garbage values', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.double({ min: 0, max: 1e15, noNaN: true }), fc.constant(Number.NaN), fc.constant(-5)),
          {
            maxLength: 120,
          },
        ),
        (values) => {
          const layout = layoutBars(
            values.map((value, i) => ({ periodStart: String(i), value })),
            box,
          );
          assert.equal(layout.bars.length, values.length);
          for (const bar of layout.bars) {
            assert.ok(bar.x >= box.left && bar.x + bar.width <= box.width + 1e-9);
            assert.ok(bar.y >= box.top - 1e-9 && bar.height >= 0);
            assert.ok(Math.abs(bar.y + bar.height - (box.height - box.bottom)) < 1e-6);
          }
        },
      ),
      { seed: 3 },
    );
  });
});

describe('dailySeries', () => {
  const row = (periodStart: string, viewerMinutes: number) => ({
    periodStart,
    viewerMinutes,
    egressBytes: viewerMinutes * 1000,
    ingestBytes: 0,
  });
  it('fills days without traffic with zeros and sums rows of the same UTC day', () => {
    const series = dailySeries(
      [row('2025-06-01T00:00:00Z', 5), row('2025-06-03T00:00:00Z', 7), row('2025-06-03T12:00:00Z', 1)],
      new Date('2025-06-03T18:00:00Z'),
      4,
    );
    assert.deepEqual(
      series.map((d) => [d.day, d.viewerMinutes, d.egressBytes]),
      [
        ['2025-05-31', 0, 0],
        ['2025-06-01', 5, 5000],
        ['2025-06-02', 0, 0],
        ['2025-06-03', 8, 8000],
      ],
    );
  });
  it('ignores rows outside the window and unparseable dates', () => {
    const series = dailySeries(
      [row('2024-01-01T00:00:00Z', 5), row('garbage', 3)],
      new Date('2025-06-03T00:00:00Z'),
      2,
    );
    assert.equal(
      series.reduce((sum, d) => sum + d.viewerMinutes, 0),
      0,
    );
  });
});
