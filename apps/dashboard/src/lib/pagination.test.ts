import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  GONE_REASONS,
  hrefWith,
  type ListPage,
  type ListView,
  loadListView,
  MAX_TRAIL,
  readPage,
  type SearchParams,
} from './pagination';

/** The api's list contract over an array (newest first): the page after the row `cursor` names. */
function listOf(ids: string[], pageSize: number) {
  return async (cursor: string | undefined): Promise<ListPage<string>> => {
    const start = cursor === undefined ? 0 : ids.indexOf(cursor) + 1;
    if (cursor !== undefined && start === 0) return { data: [], nextCursor: null };
    const data = ids.slice(start, start + pageSize);
    const more = start + pageSize < ids.length;
    return { data, nextCursor: more ? (data[data.length - 1] ?? null) : null };
  };
}

/** A dashboard href back into search parameters, as Next hands them to the page. */
function paramsOf(href: string): SearchParams {
  const url = new URL(href, 'http://dash.test');
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}

function rows<T>(view: ListView<T>): Extract<ListView<T>, { kind: 'rows' }> {
  assert.equal(view.kind, 'rows', JSON.stringify(view));
  return view as Extract<ListView<T>, { kind: 'rows' }>;
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `ls_${String(i).padStart(4, '0')}`);

describe('readPage', () => {
  it('is the first page without the parameter', () => {
    assert.deepEqual(readPage({}, 'page'), {
      ok: true,
      position: { param: 'page', cursor: undefined, trail: [], dropped: 0 },
    });
    assert.equal(readPage({ page: '' }, 'page').ok, true);
  });
  it('reads a trail and a dropped count', () => {
    assert.deepEqual(readPage({ page: '3~a_1.b-2' }, 'page'), {
      ok: true,
      position: { param: 'page', cursor: 'b-2', trail: ['a_1', 'b-2'], dropped: 3 },
    });
  });
  it('refuses what the dashboard never makes, with the reason', () => {
    const long = Array.from({ length: MAX_TRAIL + 1 }, (_, i) => `c${i}`).join('.');
    for (const page of [
      'not a cursor',
      '../etc',
      'a..b',
      'a.',
      '~a',
      '99999999~a',
      '1000001~a',
      'x'.repeat(129),
      long,
      '%00',
      ['a', 'b'],
    ]) {
      const read = readPage({ page }, 'page');
      assert.deepEqual(read, { ok: false, param: 'page', reason: GONE_REASONS.malformed }, String(page));
    }
  });
  it('never throws and bounds what it accepts, for any input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 4000 }), (page) => {
        const read = readPage({ page }, 'page');
        if (read.ok) {
          assert.ok(read.position.trail.length <= MAX_TRAIL);
          assert.ok(read.position.trail.every((c) => /^[A-Za-z0-9_-]{1,128}$/.test(c)));
        }
      }),
      { seed: 15 },
    );
  });
});

describe('hrefWith', () => {
  it("sets one list's parameter and keeps the others", () => {
    assert.equal(
      hrefWith('/streams/x', { sessions: 'a', recordings: 'b' }, 'sessions', 'c'),
      '/streams/x?recordings=b&sessions=c',
    );
    assert.equal(hrefWith('/streams', { page: 'a' }, 'page', null), '/streams');
    assert.equal(hrefWith('/streams', { tag: ['a', 'b'] }, 'page', 'z'), '/streams?tag=a&tag=b&page=z');
  });
});

describe('loadListView', () => {
  const walk = async (total: number, pageSize: number) => {
    const load = listOf(ids(total), pageSize);
    const opts = (params: SearchParams) => ({ path: '/streams', params, param: 'page', pageSize });
    const seen: string[] = [];
    const hrefs: string[] = [];
    let view = rows(await loadListView(opts({}), load));
    assert.equal(view.firstPage, true);
    assert.equal(view.pager.newer, null);
    assert.equal(view.pager.newest, null);
    for (;;) {
      seen.push(...view.rows);
      if (view.rows.length > 0)
        assert.deepEqual(view.pager.showing, { from: seen.length - view.rows.length + 1, to: seen.length });
      if (view.pager.older === null) break;
      hrefs.push(view.pager.older);
      view = rows(await loadListView(opts(paramsOf(view.pager.older)), load));
      assert.equal(view.firstPage, false);
      assert.ok(view.pager.newest !== null);
      assert.ok(view.pager.older === null || view.pager.older.length < 2 * MAX_TRAIL * 16 + 40);
    }
    return { seen, hrefs, view, opts, load };
  };

  it('walks Older to the end, every row once and in order, and Newer back to the first page', async () => {
    const { seen, hrefs, opts, load } = await walk(23, 5);
    assert.deepEqual(seen, ids(23));
    assert.equal(hrefs.length, 4);
    // Newer from the last page leads back through the same pages.
    let href = hrefs[hrefs.length - 1] as string;
    const back: string[][] = [];
    for (;;) {
      const view = rows(await loadListView(opts(paramsOf(href)), load));
      back.unshift(view.rows);
      if (view.pager.newer === null) break;
      href = view.pager.newer;
    }
    assert.equal(href, '/streams');
    assert.deepEqual(back.flat(), ids(23));
  });

  it('keeps the URL bounded on a list longer than the trail, the position right and Newest home', async () => {
    const { seen, hrefs, view } = await walk(2 * MAX_TRAIL + 7, 2);
    assert.deepEqual(seen, ids(2 * MAX_TRAIL + 7));
    const last = hrefs[hrefs.length - 1] as string;
    // 24 pages: the 23 past the first have cursors, 20 of them in the URL ('~' is sent as %7E).
    assert.match(last, /page=3%7E/);
    assert.deepEqual(view.pager.showing, { from: 2 * MAX_TRAIL + 7, to: 2 * MAX_TRAIL + 7 });
    assert.equal(view.pager.newest, '/streams');
    // The page whose cursor is first in a cut trail has no known newer page, only Newest.
    const cut = rows(
      await loadListView(
        { path: '/streams', params: { page: `4~${ids(100)[9]}` }, param: 'page', pageSize: 2 },
        listOf(ids(100), 2),
      ),
    );
    assert.equal(cut.pager.newer, null);
    assert.deepEqual(cut.pager.showing, { from: 11, to: 12 });
  });

  it("moves one list and keeps another list's position", async () => {
    const load = listOf(ids(9), 3);
    const view = rows(
      await loadListView(
        {
          path: '/streams/s',
          params: { recordings: ids(9)[2] as string, sessions: 'x' },
          param: 'recordings',
          pageSize: 3,
        },
        load,
      ),
    );
    assert.deepEqual(view.rows, ids(9).slice(3, 6));
    assert.equal(view.pager.older, `/streams/s?sessions=x&recordings=${ids(9)[2]}.${ids(9)[5]}`);
    assert.equal(view.pager.newer, '/streams/s?sessions=x');
  });

  it('answers gone, without asking the api, for a forged trail', async () => {
    let asked = 0;
    const view = await loadListView(
      { path: '/streams', params: { page: "'; drop table" }, param: 'page', pageSize: 5 },
      async () => {
        asked++;
        return { data: [], nextCursor: null };
      },
    );
    assert.deepEqual(view, { kind: 'gone', reason: GONE_REASONS.malformed, firstHref: '/streams' });
    assert.equal(asked, 0);
  });

  it("answers gone for a cursor whose row is not in the list (stale), and an empty first page is a list's own", async () => {
    const load = listOf(ids(4), 2);
    assert.deepEqual(
      await loadListView(
        { path: '/streams', params: { page: 'ls_deleted', x: '1' }, param: 'page', pageSize: 2 },
        load,
      ),
      {
        kind: 'gone',
        reason: GONE_REASONS.stale,
        firstHref: '/streams?x=1',
      },
    );
    const empty = rows(
      await loadListView({ path: '/streams', params: {}, param: 'page', pageSize: 2 }, listOf([], 2)),
    );
    assert.deepEqual(empty.rows, []);
    assert.equal(empty.pager.showing, null);
  });

  it('visits every row once for any list length and page size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 120 }),
        fc.integer({ min: 1, max: 9 }),
        async (total, size) => {
          const { seen } = await walk(total, size);
          assert.deepEqual(seen, ids(total));
        },
      ),
      { seed: 15, numRuns: 60 },
    );
  });
});
