import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EdgeApiPaths } from '@tributary/contracts';
import { launchChromium } from '@tributary/test-kit';
import type { Browser, Page } from 'playwright-core';
import { consolePage, signIn } from './support/browser';
import { RestSession } from './support/rest';
import { type Stack, startStack } from './support/stack';

/**
 * Every list paginates (issue 15): with more live streams and live events than one page holds (made
 * through the api), the owner walks the Live streams list with Older to its end and back with Newer in
 * Chromium, and sees every stream exactly once, in the api's newest-first order, each page's position
 * shown; the events list walks the same way; a cut or edited page link, and one whose row is gone, show
 * the clear message and lead back to the first page, never an error page.
 */

const STREAMS = 105;
const EVENTS = 103;
/** Sessions and recordings of one stream: two pages each of its detail page's lists (DETAIL_PAGE_SIZE 10). */
const SESSIONS = 13;
const RECORDINGS = 12;
/** Requests in flight at once while seeding (the api's own rate limit is far above this). */
const BATCH = 12;
/** Each page of the walk renders well within this. */
const PAGE_DEADLINE_MS = 15_000;

describe('list pagination in the dashboard', { timeout: 300_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let rest: RestSession;
  let tenantId = '';
  let detailStreamId = '';
  let edgeCredential = '';
  const consoleErrors: string[] = [];
  const owner = { email: 'owner@pages.test', password: 'owner-password-1' };

  /** Runs `make(i)` for i in [0, n) with at most BATCH in flight. */
  async function inBatches<T>(n: number, make: (i: number) => Promise<T>): Promise<T[]> {
    const out: T[] = [];
    for (let i = 0; i < n; i += BATCH)
      out.push(...(await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, (_, j) => make(i + j)))));
    return out;
  }

  /** The list as the api orders it (newest first), read in pages of 100. */
  async function apiOrder(path: string, field: 'name' | 'title'): Promise<string[]> {
    const out: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = `limit=100${cursor ? `&cursor=${cursor}` : ''}`;
      const res: { data: Array<Record<string, string>>; nextCursor: string | null } = await rest.request(
        'GET',
        `${path}?${query}`,
        { tenantId },
      );
      out.push(...res.data.map((row) => row[field] as string));
      cursor = res.nextCursor;
    } while (cursor);
    return out;
  }

  /** The names in the list's rows (the link in each row's `column`), once the page shows `from`. */
  async function rowsShowing(testId: string, column: number, from: number): Promise<string[]> {
    await page
      .getByTestId('pager-position')
      .filter({ hasText: new RegExp(`^Showing ${from}–\\d+$`) })
      .waitFor({ timeout: PAGE_DEADLINE_MS });
    const names = await page.getByTestId(testId).locator(`td:nth-child(${column}) a`).allTextContents();
    const shown = (await page.getByTestId('pager-position').textContent()) ?? '';
    assert.equal(shown, `Showing ${from}–${from + names.length - 1}`);
    return names;
  }

  /** Walks a list from its first page with Older to the end, then back with Newer; returns the rows in order. */
  async function walk(path: string, testId: string, column: number): Promise<string[]> {
    await page.goto(`${stack.dashboardUrl}${path}`);
    const pages: string[][] = [];
    let seen = 0;
    for (;;) {
      const rows = await rowsShowing(testId, column, seen + 1);
      assert.ok(rows.length > 0, `an empty page at ${page.url()}`);
      pages.push(rows);
      seen += rows.length;
      const older = page.getByRole('link', { name: 'Older →' });
      if ((await older.count()) === 0) break;
      assert.ok(pages.length < 20, 'Older still shown after 20 pages');
      await older.click();
    }
    assert.ok(pages.length >= 2, `${path}: the list fit on one page (${seen} rows)`);
    // Back with Newer: the same pages, newest last, ending on the first page (no page parameter).
    for (let back = pages.length - 2; back >= 0; back--) {
      await page.getByRole('link', { name: '← Newer' }).click();
      const from = pages.slice(0, back).reduce((n, p) => n + p.length, 0) + 1;
      assert.deepEqual(await rowsShowing(testId, column, from), pages[back], `page ${back + 1} again`);
    }
    assert.equal(new URL(page.url()).search, '', 'Newer from the second page leads to the first page');
    assert.equal(await page.getByRole('link', { name: '← Newer' }).count(), 0);
    return pages.flat();
  }

  /** A call to the edge api as the registered edge; resolves with its JSON answer. */
  async function edgeCall<T>(path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${stack.apiUrl}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${edgeCredential}`,
        'content-type': body === undefined ? 'application/octet-stream' : 'application/json',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(PAGE_DEADLINE_MS),
    });
    const text = await res.text();
    assert.ok(res.ok, `POST ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  before(async () => {
    stack = await startStack();
    rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    tenantId = await rest.tenantWithOwner('Many Things', { ...owner, name: 'Paige Turner' });
    const streams = await inBatches(STREAMS, (i) =>
      rest.request<{ id: string }>('POST', '/v1/live-streams', {
        body: { name: `stream-${String(i).padStart(3, '0')}` },
        tenantId,
      }),
    );
    await inBatches(EVENTS, (i) =>
      rest.request('POST', '/v1/live-events', {
        body: {
          liveStreamId: (streams[i % 3] as { id: string }).id,
          title: `event-${String(i).padStart(3, '0')}`,
        },
        tenantId,
      }),
    );
    // One stream's sessions and recordings, as an edge reports them (a registered edge's credential).
    detailStreamId = (streams[0] as { id: string }).id;
    edgeCredential = (
      await rest.request<{ credential: string }>('POST', '/v1/edges', {
        body: {
          name: 'pages-edge',
          region: 'local',
          rtmpUrl: 'rtmp://127.0.0.1:1/live',
          httpUrl: 'http://127.0.0.1:1',
        },
      })
    ).credential;
    for (let i = 0; i < SESSIONS; i++) {
      const { sessionId } = await edgeCall<{ sessionId: string }>(EdgeApiPaths.sessions, {
        liveStreamId: detailStreamId,
        clientIp: '192.0.2.1',
        video: null,
        audio: null,
      });
      await edgeCall(EdgeApiPaths.sessionEnd(sessionId), {
        reason: `session-${String(i).padStart(2, '0')}`,
        bytesInDelta: 0,
        bytesOutDelta: 0,
        viewerSecondsDelta: 0,
      });
    }
    await inBatches(RECORDINGS, () =>
      edgeCall(
        `${EdgeApiPaths.recordings}?${new URLSearchParams({ liveStreamId: detailStreamId, startedAt: new Date().toISOString(), failed: 'disk_full' })}`,
      ),
    );
    browser = await launchChromium();
    page = await consolePage(browser, consoleErrors);
    await signIn(page, stack.dashboardUrl, owner.email, owner.password);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('walks every live stream once, in order, with Older to the end and back with Newer', async () => {
    const shown = await walk('/streams', 'stream-row', 2);
    const expected = await apiOrder('/v1/live-streams', 'name');
    assert.equal(expected.length, STREAMS);
    assert.deepEqual(shown, expected);
    assert.equal(new Set(shown).size, STREAMS);
  });

  it('walks the live events the same way', async () => {
    const shown = await walk('/events', 'event-row', 1);
    assert.deepEqual(shown, await apiOrder('/v1/live-events', 'title'));
    assert.equal(new Set(shown).size, EVENTS);
    // The new-event form's stream picker offers every stream, not only the first page's.
    await page.goto(`${stack.dashboardUrl}/events`);
    const offered = await page.locator('select[name="liveStreamId"] option').count();
    assert.ok(offered >= STREAMS, `the picker offers ${offered} of ${STREAMS} streams`);
  });

  it("pages a stream's sessions and recordings each in its own parameter, the other list staying put", async () => {
    await page.goto(`${stack.dashboardUrl}/streams/${detailStreamId}`);
    const pager = (what: string) => page.getByRole('navigation', { name: `Pages of ${what}` });
    const position = (what: string) => pager(what).getByTestId('pager-position');
    const reasons = () => page.getByTestId('session-row').locator('td:nth-child(6)').allTextContents();
    const recordings = () =>
      page
        .getByTestId('recording-row')
        .locator('td:first-child a')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    await position('sessions')
      .filter({ hasText: /^Showing 1–10$/ })
      .waitFor({ timeout: PAGE_DEADLINE_MS });
    await position('recordings')
      .filter({ hasText: /^Showing 1–10$/ })
      .waitFor({ timeout: PAGE_DEADLINE_MS });
    const firstSessions = await reasons();
    const firstRecordings = await recordings();
    // Newest first: the last session ended is on top.
    assert.deepEqual(
      firstSessions,
      Array.from({ length: 10 }, (_, i) => `session-${String(SESSIONS - 1 - i).padStart(2, '0')}`),
    );

    await pager('sessions').getByRole('link', { name: 'Older →' }).click();
    await position('sessions')
      .filter({ hasText: /^Showing 11–13$/ })
      .waitFor({ timeout: PAGE_DEADLINE_MS });
    assert.deepEqual(await reasons(), ['session-02', 'session-01', 'session-00']);
    assert.equal(await position('recordings').textContent(), 'Showing 1–10');
    assert.deepEqual(await recordings(), firstRecordings);

    await pager('recordings').getByRole('link', { name: 'Older →' }).click();
    await position('recordings')
      .filter({ hasText: /^Showing 11–12$/ })
      .waitFor({ timeout: PAGE_DEADLINE_MS });
    assert.equal(await position('sessions').textContent(), 'Showing 11–13');
    const url = new URL(page.url());
    assert.ok(url.searchParams.get('sessions') && url.searchParams.get('recordings'), url.search);
    const older = await recordings();
    assert.equal(new Set([...firstRecordings, ...older]).size, RECORDINGS);

    await pager('sessions').getByRole('link', { name: '← Newer' }).click();
    await position('sessions')
      .filter({ hasText: /^Showing 1–10$/ })
      .waitFor({ timeout: PAGE_DEADLINE_MS });
    assert.deepEqual(await reasons(), firstSessions);
    assert.equal(await position('recordings').textContent(), 'Showing 11–12');
  });

  it('a cut, edited or stale page link shows the reason and leads back to the first page', async () => {
    const first = (await apiOrder('/v1/live-streams', 'name'))[0];
    for (const link of ['garbage!!', "ls_x.'or'1'='1", `${'a.'.repeat(40)}a`, '%00', 'ls_gone-since-then']) {
      await page.goto(`${stack.dashboardUrl}/streams?page=${encodeURIComponent(link)}`);
      const gone = page.getByTestId('page-gone');
      await gone.waitFor({ timeout: PAGE_DEADLINE_MS });
      assert.match((await gone.textContent()) ?? '', /This page of live streams cannot be shown/, link);
      assert.match(
        (await gone.textContent()) ?? '',
        link === 'ls_gone-since-then' ? /deleted since the link was made/ : /not one this dashboard made/,
      );
      assert.equal(await page.getByTestId('stream-row').count(), 0);
    }
    await page.getByRole('link', { name: 'Go to the first page' }).click();
    await page.getByTestId('stream-row').first().waitFor({ timeout: PAGE_DEADLINE_MS });
    assert.equal(new URL(page.url()).pathname, '/streams');
    assert.equal(new URL(page.url()).search, '');
    assert.equal(
      await page.getByTestId('stream-row').first().locator('td:nth-child(2) a').textContent(),
      first,
    );
    assert.deepEqual(consoleErrors, []);
  });
});
