import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { edgeList, PROPERTY_SEED } from '../testing/arbitraries';
import type { EdgeEntry } from './edge-list';
import { chooseEdge, chooseFleetEdge, type EdgeLoad, type FleetEdgeLoad } from './edge-selector';

const edges: EdgeEntry[] = [
  { base: 'rtmp://a/live', id: 'a' },
  { base: 'rtmp://b/live', id: 'b' },
  { base: 'rtmp://c/live' },
];
const load = (connections: number, capacity: number, healthy = true): EdgeLoad => ({
  healthy,
  connections,
  capacity,
});

describe('chooseEdge', () => {
  const cases: Array<[title: string, loads: Array<[string, EdgeLoad]>, expected: string | undefined]> = [
    [
      'the lowest utilisation, not the fewest connections',
      [
        ['a', load(100, 1000)],
        ['b', load(50, 100)],
      ],
      'rtmp://a/live',
    ],
    [
      'the fewer connections when utilisation ties',
      [
        ['a', load(200, 1000)],
        ['b', load(20, 100)],
      ],
      'rtmp://b/live',
    ],
    [
      'the earlier edge when everything ties',
      [
        ['a', load(1, 10)],
        ['b', load(1, 10)],
      ],
      'rtmp://a/live',
    ],
    [
      'an edge without an id, by its base URL',
      [
        ['a', load(9, 10)],
        ['rtmp://c/live', load(0, 10)],
      ],
      'rtmp://c/live',
    ],
    [
      'a healthy edge over an idle unhealthy one',
      [
        ['a', load(0, 10, false)],
        ['b', load(8, 10)],
      ],
      'rtmp://b/live',
    ],
    [
      'not a full edge',
      [
        ['a', load(10, 10)],
        ['b', load(11, 10)],
      ],
      undefined,
    ],
    [
      'not an edge with nonsense figures',
      [
        ['a', load(-1, 10)],
        ['b', load(Number.NaN, 10)],
        ['rtmp://c/live', load(0, 0)],
      ],
      undefined,
    ],
    ['not an edge it has no figures for', [['unknown', load(0, 10)]], undefined],
    [
      'exactly, where floating point would not (1/3 vs 2/6)',
      [
        ['a', load(2, 6)],
        ['b', load(1, 3)],
      ],
      'rtmp://b/live',
    ],
  ];
  for (const [title, loads, expected] of cases) {
    it(`chooses ${title}`, () => assert.equal(chooseEdge(edges, new Map(loads))?.base, expected));
  }

  it('chooses an available edge that no other available edge beats, or none when none is available (property)', () => {
    const figures = fc.record(
      {
        healthy: fc.boolean(),
        connections: fc.integer({ min: -1, max: 2000 }),
        capacity: fc.integer({ min: 0, max: 2000 }),
      },
      { noNullPrototype: true },
    );
    fc.assert(
      fc.property(edgeList, fc.array(figures, { maxLength: 20 }), ({ edges: list }, figureList) => {
        const loads = new Map(
          list.flatMap((e, i) => (figureList[i] ? [[e.id ?? e.base, figureList[i]] as const] : [])),
        );
        const available = list.filter((e) => {
          const l = loads.get(e.id ?? e.base);
          return l?.healthy === true && l.connections >= 0 && l.capacity > 0 && l.connections < l.capacity;
        });
        const chosen = chooseEdge(list, loads);
        if (available.length === 0) return assert.equal(chosen, undefined);
        assert.ok(chosen && available.includes(chosen));
        const ratio = (e: EdgeEntry) => {
          const l = loads.get(e.id ?? e.base)!;
          return l.connections / l.capacity;
        };
        for (const other of available) assert.ok(ratio(chosen) <= ratio(other) + 1e-12);
      }),
      { seed: PROPERTY_SEED, numRuns: 1000 },
    );
  });
});

describe('chooseFleetEdge', () => {
  const edge = (
    edgeId: string,
    region: string | null,
    connections: number,
    extra: Partial<FleetEdgeLoad> = {},
  ) => ({
    edgeId,
    region,
    connections,
    capacity: 1000,
    viewers: connections,
    maxViewers: null,
    ...extra,
  });

  it('prefers the least-loaded edge of the region, then any region, and skips full edges', () => {
    const fleet = [edge('eu-1', 'eu', 400), edge('eu-2', 'eu', 300), edge('us-1', 'us', 10)];
    assert.equal(chooseFleetEdge(fleet)?.edgeId, 'us-1');
    assert.equal(chooseFleetEdge(fleet, 'eu')?.edgeId, 'eu-2');
    assert.equal(chooseFleetEdge(fleet, 'ap')?.edgeId, 'us-1', 'no edge there: the whole fleet');
    const capped = [edge('eu-1', 'eu', 400), edge('eu-2', 'eu', 300, { viewers: 50, maxViewers: 50 })];
    assert.equal(chooseFleetEdge(capped, 'eu')?.edgeId, 'eu-1', 'an edge at its own viewer cap is full');
    assert.equal(chooseFleetEdge([edge('x', null, 1000)]), undefined, 'at capacity: none');
    assert.equal(chooseFleetEdge([]), undefined);
  });

  it('always returns a member with room, never a full one (property)', () => {
    const member = fc.record({
      edgeId: fc.stringMatching(/^[a-z0-9-]{1,12}$/),
      region: fc.option(fc.constantFrom('eu', 'us', 'ap'), { nil: null }),
      connections: fc.nat(2000),
      capacity: fc.integer({ min: 1, max: 2000 }),
      viewers: fc.nat(2000),
      maxViewers: fc.option(fc.integer({ min: 1, max: 2000 }), { nil: null }),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(member, { selector: (e) => e.edgeId, maxLength: 20 }),
        fc.option(fc.constantFrom('eu', 'us')),
        (fleet, region) => {
          const chosen = chooseFleetEdge(fleet, region);
          const room = (e: FleetEdgeLoad) =>
            e.connections < e.capacity && (e.maxViewers === null || e.viewers < e.maxViewers);
          if (!chosen) assert.ok(!fleet.some(room));
          else {
            assert.ok(fleet.includes(chosen) && room(chosen));
            if (region && fleet.some((e) => e.region === region && room(e)))
              assert.equal(chosen.region, region);
          }
        },
      ),
      { seed: PROPERTY_SEED },
    );
  });
});
