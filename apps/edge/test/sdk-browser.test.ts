import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { browserScript, commonJsGraph, freePort, launchChromium } from '@tributary/test-kit';
import { ControlPlane, type TenantHandle } from './support/control-plane';

/**
 * @tributary/sdk in a real browser (issue 15: "usable from customers' Node and browser code"): its compiled
 * main entry, with contracts and zod, served to headless Chromium as one script (test-kit's browserScript
 * wraps the CommonJS modules Node would load; no bundler, no polyfill), calls a real api cross-origin
 * (CORS_ORIGINS lists the page's origin) with an API key: create, get, a not_found TributaryError,
 * paginate, and a webhook verified with the page's Web Crypto.
 */
const SDK_ENTRY = require.resolve('@tributary/sdk');

describe('the SDK in Chromium against a real api', { timeout: 90_000 }, () => {
  let dir: string;
  let plane: ControlPlane;
  let owner: TenantHandle;
  let site: Server;
  let origin: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sdk-browser-'));
    const script = browserScript(commonJsGraph(SDK_ENTRY), 'TributarySdk');
    site = createServer((req, res) => {
      if (req.url === '/tributary-sdk.js')
        res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
      else if (req.url === '/')
        res
          .writeHead(200, { 'content-type': 'text/html' })
          .end('<!doctype html><title>customer page</title><script src="/tributary-sdk.js"></script>');
      else res.writeHead(404).end();
    });
    const port = await freePort();
    site.listen(port, '127.0.0.1');
    await once(site, 'listening');
    origin = `http://127.0.0.1:${port}`;
    plane = await ControlPlane.start({ dir, env: { CORS_ORIGINS: origin } });
    owner = await plane.newTenant('Browser customer');
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await plane?.stop();
    site?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates, reads and pages live streams and verifies a webhook from a page', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (msg) => {
      // Chromium logs every 4xx answer as a console error: the deliberate not_found, the favicon.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource'))
        errors.push(msg.text());
    });
    await page.goto(`${origin}/`);
    const t = Math.floor(Date.now() / 1000);
    const payload = JSON.stringify({
      id: 'evt_1',
      type: 'live_stream.active',
      created_at: new Date().toISOString(),
      data: { id: 'ls_1' },
    });
    const header = `t=${t},v1=${createHmac('sha256', 'whsec_page').update(`${t}.${payload}`).digest('hex')}`;
    const got = await page.evaluate(
      async ({ baseUrl, apiKey, payload, header }) => {
        // biome-ignore lint/suspicious/noExplicitAny: the page's global, set by the served script
        const sdk = (globalThis as any).TributarySdk;
        const tb = new sdk.Tributary({ baseUrl, apiKey });
        const made = [];
        for (const name of ['page-a', 'page-b', 'page-c'])
          made.push(await tb.liveStreams.create({ body: { name }, idempotencyKey: `browser-${name}` }));
        const read = await tb.liveStreams.get({ id: made[0].id });
        let missing: { name: string; status: number; code: string } | undefined;
        try {
          await tb.liveStreams.get({ id: 'ls_missing' });
        } catch (err) {
          const e = err as { name: string; status: number; code: string };
          missing = { name: e.name, status: e.status, code: e.code };
        }
        const listed: string[] = [];
        for await (const s of sdk.paginate(tb.liveStreams.list, { query: { limit: 2 } })) listed.push(s.id);
        const verified = await sdk.verifyWebhookSignature({ payload, header, secret: 'whsec_page' });
        const forged = await sdk.verifyWebhookSignature({
          payload: `${payload} `,
          header,
          secret: 'whsec_page',
        });
        const event = await sdk.parseWebhookEvent({ payload, header, secret: 'whsec_page' });
        return {
          made: made.map((s: { id: string; streamKey: string }) => ({
            id: s.id,
            hasKey: typeof s.streamKey === 'string',
          })),
          readName: read.name,
          missing,
          listed,
          verified,
          forged,
          eventType: event.type,
          isNode: typeof (globalThis as { process?: unknown }).process !== 'undefined',
        };
      },
      { baseUrl: plane.apis[0]?.url ?? '', apiKey: owner.key, payload, header },
    );
    assert.deepEqual(errors, []);
    assert.equal(got.isNode, false);
    assert.equal(got.made.length, 3);
    assert.ok(got.made.every((s) => s.hasKey));
    assert.equal(got.readName, 'page-a');
    assert.deepEqual(got.missing, { name: 'TributaryError', status: 404, code: 'not_found' });
    assert.deepEqual(new Set(got.listed), new Set(got.made.map((s) => s.id)));
    assert.equal(got.listed.length, 3);
    assert.equal(got.verified, true);
    assert.equal(got.forged, false);
    assert.equal(got.eventType, 'live_stream.active');
    // The streams exist for the api, not only for the page.
    const rest = await plane.via(0)<{ data: { id: string }[] }>('GET', '/v1/live-streams', {
      bearer: owner.key,
    });
    assert.equal(rest.body.data.length, 3);
  });
});
