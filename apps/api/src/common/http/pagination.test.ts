import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PAGE_SIZE } from '@tributary/contracts';
import fc from 'fast-check';
import { ListQuery, toPage } from './pagination';

test('limit is clamped to [1, 100] and defaults to 20', () => {
  assert.equal(ListQuery.parse({ limit: '1000000' }).limit, MAX_PAGE_SIZE);
  assert.equal(ListQuery.parse({ limit: '0' }).limit, 1);
  assert.equal(ListQuery.parse({}).limit, 20);
  fc.assert(
    fc.property(fc.integer({ min: -1e9, max: 1e9 }), (n) => {
      const limit = ListQuery.parse({ limit: String(n) }).limit;
      assert.ok(limit >= 1 && limit <= MAX_PAGE_SIZE);
    }),
    { seed: 7 },
  );
});

test('a non-numeric limit and unknown parameters are refused', () => {
  assert.equal(ListQuery.safeParse({ limit: 'abc' }).success, false);
  assert.equal(ListQuery.safeParse({ tenantId: 'x' }).success, false);
});

test('toPage returns nextCursor only when a further row exists', () => {
  const rows = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
  assert.deepEqual(
    toPage(rows, { limit: 2 }, (r) => r.id),
    { data: ['a', 'b'], nextCursor: 'b' },
  );
  assert.deepEqual(
    toPage(rows, { limit: 3 }, (r) => r.id),
    { data: ['a', 'b', 'c'], nextCursor: null },
  );
});
