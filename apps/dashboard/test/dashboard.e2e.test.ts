import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ApiKey, EdgeApiPaths, type List, type LiveStream, type Tenant } from '@tributary/contracts';
import { launchChromium, run, tempDir, waitUntil } from '@tributary/test-kit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { signIn } from './support/browser';
import { RestSession } from './support/rest';
import { artifactsDir, type Stack, startStack } from './support/stack';

/**
 * The dashboard in a real browser against a running api (real database) and the
 * production build: the journeys of issue 6, screenshots for review, no console errors,
 * and each page's first-load timings (reported, never asserted).
 */

type PageLoad = { path: string; ttfbMs: number; domContentLoadedMs: number; loadMs: number };

describe('dashboard end to end', { timeout: 600_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let operatorContext: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const pageLoads: PageLoad[] = [];
  let tenantId = '';
  let streamId = '';

  const url = (path: string) => `${stack.dashboardUrl}${path}`;
  const screenshot = (name: string, p: Page = page) =>
    p.screenshot({ path: join(artifactsDir, `${name}.png`), fullPage: true });

  function watchConsole(p: Page, who: string) {
    p.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(`${who} ${p.url()}: ${msg.text()}`);
    });
    p.on('pageerror', (err) => consoleErrors.push(`${who} ${p.url()}: ${err.message}`));
  }

  /** A fresh navigation (not a client-side transition), timed by the browser itself. */
  async function firstLoad(path: string): Promise<void> {
    await page.goto(url(path), { waitUntil: 'load' });
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return { ttfb: nav.responseStart, dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd };
    });
    pageLoads.push({
      path,
      ttfbMs: Math.round(timing.ttfb),
      domContentLoadedMs: Math.round(timing.dcl),
      loadMs: Math.round(timing.load),
    });
  }

  before(async () => {
    stack = await startStack();
    browser = await launchChromium();
    operatorContext = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await operatorContext.grantPermissions(['clipboard-read', 'clipboard-write'], {
      origin: stack.dashboardUrl,
    });
    page = await operatorContext.newPage();
    watchConsole(page, 'operator');
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    if (pageLoads.length > 0)
      writeFileSync(join(artifactsDir, 'page-load.json'), `${JSON.stringify(pageLoads, null, 2)}\n`);
    await browser?.close();
    await stack?.stop();
  });

  it('sends a visitor without a session to sign in, and shows a wrong password next to the form', async () => {
    await page.goto(url('/streams'));
    assert.equal(new URL(page.url()).pathname, '/login');
    await firstLoad('/login');
    await page.getByLabel('Email').fill(stack.operator.email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#field-password-error').waitFor();
    assert.equal(new URL(page.url()).pathname, '/login');
    assert.equal(await page.getByLabel('Email').inputValue(), stack.operator.email, 'what was typed is kept');
  });

  it('signs the operator in and offers to create the first tenant', async () => {
    await page.getByLabel('Password').fill(stack.operator.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(url('/streams'));
    await page.getByRole('heading', { name: 'No tenant yet' }).waitFor();
    const cookies = await operatorContext.cookies(stack.dashboardUrl);
    const session = cookies.find((c) => c.name === 'tributary_session');
    assert.ok(session, 'the session cookie is set on the dashboard origin');
    assert.equal(session.httpOnly, true);
  });

  it('creates a tenant on the operator page', async () => {
    await firstLoad('/operator/tenants');
    await page.getByLabel('Name').fill('Acme Media');
    await page.getByLabel('Stream quota').fill('25');
    await page.getByRole('button', { name: 'Create tenant' }).click();
    const row = page.getByTestId('tenant-row').filter({ hasText: 'Acme Media' });
    await row.waitFor();
    assert.match(await row.getByTestId('tenant-quotas').innerText(), /streams 25 · events default/);
    const rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    const tenants = await rest.request<List<Tenant>>('GET', '/v1/tenants');
    const acme = tenants.data.find((t) => t.name === 'Acme Media');
    assert.ok(acme);
    assert.equal(acme.status, 'active');
    assert.equal(acme.quotaLiveStreams, 25, 'the quota typed in the form reaches the api');
    assert.equal(acme.quotaApiKeys, null, 'an empty quota field keeps the platform default');
    tenantId = acme.id;
    await screenshot('operator-tenants');
  });

  it("shows the edge fleet to the operator, with each edge's viewer cap, egress and draining state", async () => {
    // A registered edge reports through the real edge contract: 120 viewers of at most 500, 45 Mbit/s
    // out, shutting down.
    const rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    const edge = await rest.request<{ id: string; credential: string }>('POST', '/v1/edges', {
      body: {
        name: 'edge-fra-1',
        region: 'eu-central',
        rtmpUrl: 'rtmp://edge-fra-1.example.com/live',
        httpUrl: 'https://edge-fra-1.example.com',
      },
    });
    const hb = await fetch(`${stack.apiUrl}${EdgeApiPaths.heartbeat}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${edge.credential}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        version: '0.1.0',
        connections: 130,
        publishers: 2,
        viewers: 120,
        bytesInTotal: 0,
        bytesOutTotal: 0,
        maxViewers: 500,
        egressBps: 45_000_000,
        draining: true,
        internalRtmpUrl: 'rtmp://10.1.2.3:1935/live',
        rtmpsUrl: 'rtmps://edge-fra-1.example.com/live',
      }),
    });
    assert.equal(hb.status, 200);
    await firstLoad('/operator/edges');
    await page.getByRole('heading', { name: 'Edges', exact: true }).waitFor();
    const row = page.getByTestId('edge-row').filter({ hasText: 'edge-fra-1' });
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, /draining/);
    assert.match(text, /internal rtmp:\/\/10\.1\.2\.3:1935\/live/);
    assert.match(text, /rtmps:\/\/edge-fra-1\.example\.com\/live/, 'its RTMPS URL from the heartbeat');
    assert.match(text, /45\.0 Mbps/);
    assert.equal((await row.getByTestId('edge-viewers').innerText()).trim(), '120 / 500 max');
    await screenshot('operator-edges');
  });

  it('validates the new-stream form in the browser before sending', async () => {
    await firstLoad('/streams');
    await page.getByRole('heading', { name: 'No live streams yet' }).waitFor();
    await screenshot('streams-empty');
    await page.getByRole('link', { name: 'New live stream' }).first().click();
    await page.waitForURL(url('/streams/new'));
    await page.getByRole('button', { name: 'Create live stream' }).click();
    const valid = await page.getByLabel('Name').evaluate((el) => (el as HTMLInputElement).validity.valid);
    assert.equal(valid, false, 'an empty name is refused by the browser');
    assert.equal(new URL(page.url()).pathname, '/streams/new');
  });

  it('creates a live stream, reveals its key and copies it', async () => {
    await page.getByLabel('Name').fill('Launch stream');
    await page.getByRole('button', { name: 'Create live stream' }).click();
    await page.waitForURL((u) => /^\/streams\/[^/]+$/.test(u.pathname) && u.pathname !== '/streams/new');
    streamId = decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');
    assert.match(
      await page.getByTestId('stream-key').innerText(),
      /^•+$/,
      'the key is hidden until revealed',
    );
    assert.equal(await page.getByTestId('preview').getAttribute('data-state'), 'offline');

    await page.getByRole('button', { name: 'Reveal' }).click();
    await page.getByRole('button', { name: /Copy key/ }).waitFor();
    const shown = await page.getByTestId('stream-key').innerText();
    const rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    const { streamKey } = await rest.request<{ streamKey: string }>(
      'GET',
      `/v1/live-streams/${streamId}/stream-key`,
      {
        tenantId,
      },
    );
    assert.equal(shown, streamKey);
    assert.ok((await page.getByTestId('ffmpeg-command').innerText()).endsWith(`/${streamKey}`));

    await page.getByRole('button', { name: /Copy key/ }).click();
    await page.getByRole('button', { name: 'Copied' }).waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), streamKey);
    await screenshot('stream-detail');
  });

  it('opens the stream page on a fresh load with the key hidden again', async () => {
    await firstLoad(`/streams/${encodeURIComponent(streamId)}`);
    assert.match(await page.getByTestId('stream-key').innerText(), /^•+$/);
  });

  it('lists the stream with its status', async () => {
    await firstLoad('/streams');
    const row = page.getByRole('row').filter({ hasText: 'Launch stream' });
    await row.waitFor();
    assert.match(await row.innerText(), /idle/);
    await screenshot('streams-list');
  });

  it('uploads a file with a progress bar; it is prepared to ready with its tracks, and deleted', async () => {
    const dir = tempDir('tributary-dashboard-assets-');
    try {
      const mp4 = join(dir.path, 'keynote.mp4');
      const made = await run('ffmpeg', [
        ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25'],
        ...[
          '-f',
          'lavfi',
          '-i',
          'sine=sample_rate=48000',
          '-t',
          '8',
          '-c:v',
          'libx264',
          '-preset',
          'ultrafast',
        ],
        ...['-b:v', '3M', '-c:a', 'aac', '-movflags', '+faststart', mp4],
      ]);
      assert.equal(made.code, 0, made.stderr);
      await firstLoad('/assets');
      await page.getByRole('heading', { name: 'Assets', exact: true }).waitFor();
      // A slow uplink (1 MB/s), so the upload takes seconds and the bar is seen moving.
      const cdp = await operatorContext.newCDPSession(page);
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 1024 * 1024,
      });
      await page.getByLabel(/^File/).setInputFiles(mp4);
      await page.getByRole('button', { name: 'Upload' }).click();
      const bar = page.getByTestId('upload-progress');
      await bar.waitFor();
      await waitUntil(async () => Number(await bar.getAttribute('value').catch(() => '0')) > 0, {
        timeoutMs: 10_000,
        what: 'the progress bar to move',
      });
      await page
        .getByRole('status')
        .filter({ hasText: 'Uploaded “keynote.mp4”' })
        .waitFor({ timeout: 60_000 });
      await cdp.send('Network.emulateNetworkConditions', {
        offline: false,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: -1,
      });
      const row = page.getByTestId('asset-row').filter({ hasText: 'keynote.mp4' });
      // The page refreshes itself while an asset is being prepared.
      await row.getByText('ready').waitFor({ timeout: 30_000 });
      assert.equal((await row.getByTestId('asset-duration').innerText()).trim(), '0:08');
      assert.match(
        await row.getByTestId('asset-tracks').innerText(),
        /h264 640×360 25 fps · aac 48 kHz mono/,
      );
      await screenshot('assets');
      await row.getByRole('button', { name: 'Delete' }).click();
      await row.waitFor({ state: 'detached' });
      await page.getByRole('heading', { name: 'No assets yet' }).waitFor();
    } finally {
      await dir.remove();
    }
  });

  it('creates an API key shown once, which then works against the api', async () => {
    await firstLoad('/api-keys');
    await page.getByLabel('Name').fill('ci deploys');
    await page.getByRole('button', { name: 'Create API key' }).click();
    const once = page.getByTestId('shown-once');
    await once.waitFor();
    const key = (await once.locator('code').innerText()).trim();
    const row = page.getByTestId('api-key-row').filter({ hasText: 'ci deploys' });
    await row.waitFor();
    const rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    const keys = await rest.request<List<ApiKey>>('GET', '/v1/api-keys', { tenantId });
    const listed = keys.data.find((k) => k.name === 'ci deploys');
    assert.ok(listed);
    assert.ok(key.startsWith(listed.prefix), 'the list shows the start of the key');
    assert.ok(!(await row.innerText()).includes(key), 'the list never shows the whole key');

    const res = await fetch(`${stack.apiUrl}/v1/live-streams`, {
      headers: { authorization: `Bearer ${key}` },
    });
    assert.equal(res.status, 200);
    const streams = (await res.json()) as List<LiveStream>;
    assert.ok(streams.data.some((s) => s.id === streamId));
    await screenshot('api-keys');
  });

  it('creates an event on the stream, takes it live and ends it', async () => {
    await firstLoad('/events');
    await page.getByLabel('Title').fill('Product launch');
    await page.getByRole('button', { name: 'Create event' }).click();
    const row = page.getByTestId('event-row').filter({ hasText: 'Product launch' });
    await row.waitFor();
    assert.match(await row.innerText(), /scheduled/);
    await row.getByRole('button', { name: 'Go live' }).click();
    await row.getByRole('button', { name: 'End' }).waitFor();
    assert.match(await row.innerText(), /live/);
    await row.getByRole('button', { name: 'End' }).click();
    await row.getByText('ended').waitFor();
    await screenshot('events');
  });

  it('creates a signing key whose private key is shown once with a download', async () => {
    await firstLoad('/signing-keys');
    await page.getByLabel('Name').fill('web backend');
    await page.getByRole('button', { name: 'Create signing key' }).click();
    const once = page.getByTestId('shown-once');
    await once.waitFor();
    assert.match(await once.locator('pre').innerText(), /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    assert.equal(await once.getByRole('link', { name: /Download/ }).count(), 1);
    await page.getByTestId('signing-key-row').filter({ hasText: 'web backend' }).waitFor();
    await screenshot('signing-keys');
  });

  it('draws daily usage charts', async () => {
    await firstLoad('/usage');
    assert.equal(await page.getByRole('img', { name: 'Viewer-minutes per day' }).count(), 1);
    assert.equal(await page.locator('svg.chart rect.bar').count(), 60, '30 days × 2 charts');
    await screenshot('usage');
  });

  it("adds a usage alert on the usage page and shows the day's progress against it until it is reached", async () => {
    await page.goto(url('/usage'));
    await page.getByLabel('Metric', { exact: true }).selectOption('ingestBytes');
    await page.getByLabel('Threshold', { exact: true }).fill('0.000002');
    await page.getByLabel('Period', { exact: true }).selectOption('day');
    await page.getByRole('button', { name: 'Add alert' }).click();
    const row = page.getByTestId('usage-alert-row').filter({ hasText: 'Ingest' });
    await row.waitFor();
    assert.equal(await row.getByTestId('usage-alert-progress').innerText(), '0 B of 2.0 KB (0 %)');
    // An edge reports 1,500 bytes in, then 1,000 more, for the tenant's stream (the real edge contract).
    const rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    const edge = await rest.request<{ credential: string }>('POST', '/v1/edges', {
      body: {
        name: 'edge-usage',
        region: 'eu-central',
        rtmpUrl: 'rtmp://edge-usage.example.com/live',
        httpUrl: 'https://edge-usage.example.com',
      },
    });
    const asEdge = async (path: string, body: unknown) => {
      const res = await fetch(`${stack.apiUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${edge.credential}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.ok(res.ok, `${path}: ${res.status}`);
      return res.status === 204 ? undefined : ((await res.json()) as { sessionId: string });
    };
    const metered = await rest.request<{ id: string }>('POST', '/v1/live-streams', {
      tenantId,
      body: { name: 'Metered stream' },
    });
    const started = await asEdge(EdgeApiPaths.sessions, {
      liveStreamId: metered.id,
      clientIp: '203.0.113.7',
      video: null,
      audio: null,
    });
    const report = (bytesInDelta: number) =>
      asEdge(EdgeApiPaths.sessionStats(started?.sessionId ?? ''), {
        viewers: 0,
        bitrateKbps: 0,
        bytesInDelta,
        bytesOutDelta: 0,
        viewerSecondsDelta: 0,
      });
    await report(1500);
    await page.reload();
    assert.equal(await row.getByTestId('usage-alert-progress').innerText(), '1.5 KB of 2.0 KB (75 %)');
    assert.match(await row.innerText(), /Until /);
    await report(1000);
    await page.reload();
    assert.equal(await row.getByTestId('usage-alert-progress').innerText(), '2.5 KB of 2.0 KB (100 %)');
    assert.match(await row.innerText(), /Reached /);
    await screenshot('usage-alerts');
    await row.getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('button', { name: 'Enable' }).waitFor();
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No alerts yet.').waitFor();
    // Webhook endpoints can subscribe to the event the alerts send.
    await page.goto(url('/webhooks'));
    assert.equal(await page.getByRole('checkbox', { name: 'usage.threshold' }).count(), 1);
  });

  it('works on a phone-sized screen', async () => {
    const phone = await browser.newContext({
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
    });
    await phone.addCookies(await operatorContext.cookies(stack.dashboardUrl));
    const p = await phone.newPage();
    watchConsole(p, 'phone');
    await p.goto(url(`/streams/${encodeURIComponent(streamId)}`));
    await p.getByRole('heading', { name: /Launch stream/ }).waitFor();
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling (page is ${overflow}px too wide)`);
    await screenshot('stream-detail-phone', p);
    await phone.close();
  });

  it('keeps a tenant member out of operator pages', async () => {
    const rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    const member = { email: 'member@e2e.test', password: 'member-password-1' };
    await rest.request('POST', `/v1/tenants/${tenantId}/users`, {
      body: { email: member.email, name: 'Mia Member', password: member.password, role: 'member' },
    });
    const context = await browser.newContext();
    const p = await context.newPage();
    watchConsole(p, 'member');
    await signIn(p, stack.dashboardUrl, member.email, member.password);
    await p.getByRole('link', { name: 'Launch stream' }).waitFor();
    assert.equal(await p.getByRole('link', { name: 'Tenants' }).count(), 0, 'no operator navigation');
    for (const path of ['/operator/tenants', '/operator/edges']) {
      await p.goto(url(path));
      assert.equal(new URL(p.url()).pathname, '/streams', `${path} sends a member back`);
    }
    await context.close();
  });

  it('signs out', async () => {
    await page.goto(url('/streams'));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(url('/streams'));
    assert.equal(new URL(page.url()).pathname, '/login');
  });

  it('logged no console errors on any page', (t) => {
    for (const load of pageLoads)
      t.diagnostic(`first load ${load.path}: ttfb ${load.ttfbMs} ms, load ${load.loadMs} ms`);
    assert.deepEqual(consoleErrors, []);
  });
});
