import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { TributaryError } from './errors';
import { listAll, type Page, pages, paginate } from './pagination';

const SEED = 0x9a6e;

type Query = { cursor?: string; limit?: number; status?: string };

/** A list endpoint over `items` (cursor = the next index), recording each query it is asked. */
function server(items: number[]) {
  const asked: Query[] = [];
  const list = async (args?: { query?: Query }): Promise<Page<number>> => {
    const q = args?.query ?? {};
    asked.push({ ...q });
    const from = q.cursor === undefined ? 0 : Number(q.cursor);
    const limit = q.limit ?? 20;
    const data = items.slice(from, from + limit);
    return { data, nextCursor: from + limit < items.length ? String(from + limit) : null };
  };
  return { list, asked };
}

describe('pagination', () => {
  it('paginate yields every item in order, whatever the list length and page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { maxLength: 300 }),
        fc.integer({ min: 1, max: 100 }),
        async (items, limit) => {
          const { list, asked } = server(items);
          const got: number[] = [];
          for await (const item of paginate(list, { query: { limit } })) got.push(item);
          assert.deepEqual(got, items);
          assert.equal(asked.length, Math.max(1, Math.ceil(items.length / limit)));
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('asks for pages of 100 unless the query says otherwise, keeping the other filters', async () => {
    const { list, asked } = server(Array.from({ length: 250 }, (_, i) => i));
    const all = await listAll(list, { query: { status: 'idle' } });
    assert.equal(all.length, 250);
    assert.deepEqual(asked, [
      { limit: 100, status: 'idle' },
      { limit: 100, status: 'idle', cursor: '100' },
      { limit: 100, status: 'idle', cursor: '200' },
    ]);
  });

  it('pages() hands over whole pages and stops when the loop breaks', async () => {
    const { list, asked } = server(Array.from({ length: 50 }, (_, i) => i));
    for await (const page of pages(list, { query: { limit: 10 } })) {
      assert.equal(page.data.length, 10);
      break;
    }
    assert.equal(asked.length, 1);
  });

  it('stops a server that repeats a cursor for ever with pagination_limit', async () => {
    let calls = 0;
    const looping = async (): Promise<Page<number>> => {
      calls++;
      return { data: [calls], nextCursor: calls % 2 === 0 ? 'a' : 'b' };
    };
    await assert.rejects(listAll(looping), (err: unknown) => {
      assert.ok(err instanceof TributaryError);
      assert.equal(err.code, 'pagination_limit');
      assert.match(err.message, /repeated cursor "b"/);
      return true;
    });
    assert.equal(calls, 3);
  });

  it('a cursor that never repeats still stops at maxPages, and listAll at maxItems', async () => {
    let calls = 0;
    const endless = async (): Promise<Page<number>> => ({ data: [calls], nextCursor: String(++calls) });
    await assert.rejects(listAll(endless, undefined, { maxPages: 7 }), /more than 7 pages/);
    assert.equal(calls, 7);
    const { list } = server(Array.from({ length: 30 }, (_, i) => i));
    await assert.rejects(listAll(list, { query: { limit: 10 } }, { maxItems: 25 }), (err: unknown) => {
      return (
        err instanceof TributaryError &&
        err.code === 'pagination_limit' &&
        /more than 25 items/.test(err.message)
      );
    });
    assert.equal((await listAll(list, { query: { limit: 10 } }, { maxItems: 30 })).length, 30);
  });
});
