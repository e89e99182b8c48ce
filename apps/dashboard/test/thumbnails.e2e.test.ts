import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Asset, CreatedLiveStreamSchema, LiveStream, Tenant } from '@tributary/contracts';
import {
  launchChromium,
  run,
  type ServiceProcess,
  startService,
  tempDir,
  waitUntil,
} from '@tributary/test-kit';
import type { Browser, Page } from 'playwright-core';
import type { z } from 'zod';
import { signIn } from './support/browser';
import { RestSession } from './support/rest';
import { artifactsDir, type Stack, startStack } from './support/stack';

/**
 * Thumbnails in the dashboard's lists (issue 15) in Chromium against the real api and a real edge: a
 * publishing stream's row shows its current picture from the edge (`/live/<id>/thumbnail.jpg`, relayed by
 * the dashboard server), an idle one shows none, and a ready asset's row its poster (`/vod/<id>/poster.jpg`);
 * the browser decodes both at the edge's size.
 */
const WAIT_MS = 30_000;

type CreatedStream = z.infer<typeof CreatedLiveStreamSchema>;

describe('thumbnails in the stream and asset lists', { timeout: 300_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let rest: RestSession;
  let tenantId: string;
  let live: CreatedStream;
  let publisher: ServiceProcess | undefined;
  const dir = tempDir('tributary-dashboard-thumbnails-');
  const owner = { email: 'owner@thumbs.test', password: 'owner-password-1' };

  /** The loaded picture's natural size in the row that has `text` (0 × 0 while not decoded). */
  const pictureIn = (text: string) =>
    page
      .locator('tr')
      .filter({ hasText: text })
      .getByTestId('thumbnail')
      .evaluate((img: HTMLImageElement) => ({
        complete: img.complete,
        width: img.naturalWidth,
        height: img.naturalHeight,
        src: img.getAttribute('src') ?? '',
      }));

  before(async () => {
    stack = await startStack({ edge: true });
    rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    tenantId = (await rest.request<Tenant>('POST', '/v1/tenants', { body: { name: 'Thumbnails' } })).id;
    await rest.request('POST', `/v1/tenants/${tenantId}/users`, {
      body: { email: owner.email, name: 'Tom Thumb', password: owner.password, role: 'owner' },
    });
    live = await rest.request<CreatedStream>('POST', '/v1/live-streams', {
      tenantId,
      body: { name: 'On air' },
    });
    await rest.request('POST', '/v1/live-streams', { tenantId, body: { name: 'Off air' } });

    const clip = join(dir.path, 'clip.flv');
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25'],
      ...['-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', clip],
    ]);
    assert.equal(made.code, 0, made.stderr);
    const server = live.ingest[0]?.server;
    assert.ok(server);
    publisher = startService(
      'ffmpeg',
      'ffmpeg',
      [
        '-v',
        'error',
        '-nostdin',
        '-re',
        '-stream_loop',
        '-1',
        '-i',
        clip,
        '-c',
        'copy',
        '-f',
        'flv',
        `${server}/${live.streamKey}`,
      ],
      { cwd: artifactsDir, env: {}, logFile: join(artifactsDir, 'thumbnails-ffmpeg.log') },
    );
    await waitUntil(
      async () =>
        (await rest.request<LiveStream>('GET', `/v1/live-streams/${live.id}`, { tenantId })).status ===
        'active',
      { timeoutMs: WAIT_MS, stepMs: 250, what: 'the stream live' },
    );

    // An asset, uploaded with an API key as a customer's backend would.
    const key = await rest.request<{ key: string }>('POST', '/v1/api-keys', {
      tenantId,
      body: { name: 'ci' },
    });
    const mp4 = join(dir.path, 'talk.mp4');
    const mp4Made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25'],
      ...['-t', '5', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', mp4],
    ]);
    assert.equal(mp4Made.code, 0, mp4Made.stderr);
    const form = new FormData();
    form.set('name', 'Talk');
    form.set('file', new Blob([readFileSync(mp4)]), 'talk.mp4');
    const posted = await fetch(`${stack.apiUrl}/v1/assets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}` },
      body: form,
    });
    assert.equal(posted.status, 201, await posted.clone().text());
    const assetId = ((await posted.json()) as Asset).id;
    await waitUntil(
      async () =>
        (await rest.request<Asset>('GET', `/v1/assets/${assetId}`, { tenantId })).status === 'ready',
      { timeoutMs: WAIT_MS, stepMs: 250, what: 'the asset ready' },
    );

    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await signIn(page, stack.dashboardUrl, owner.email, owner.password);
  });

  after(async () => {
    await publisher?.stop();
    await browser?.close();
    await stack?.stop();
    await dir.remove();
  });

  it("a live stream's row shows its current picture from the edge; an idle one shows none", async () => {
    await page.goto(`${stack.dashboardUrl}/streams`);
    await page.locator('tr').filter({ hasText: 'On air' }).getByTestId('thumbnail').waitFor();
    await waitUntil(async () => (await pictureIn('On air')).width > 0, {
      timeoutMs: WAIT_MS,
      stepMs: 250,
      what: 'the thumbnail decoded in the browser',
    });
    const shown = await pictureIn('On air');
    // Relayed by the dashboard server from the edge's /live/<id>/thumbnail.jpg: the browser never needs the edge.
    assert.equal(shown.src, `/streams/${encodeURIComponent(live.id)}/thumbnail`);
    assert.deepEqual({ width: shown.width, height: shown.height }, { width: 640, height: 360 });
    await page.locator('tr').filter({ hasText: 'Off air' }).getByTestId('thumbnail-empty').waitFor();
    await page.screenshot({ path: join(artifactsDir, 'streams-thumbnails.png'), fullPage: true });
  });

  it("a ready asset's row shows its poster", async () => {
    await page.goto(`${stack.dashboardUrl}/assets`);
    await page.locator('tr').filter({ hasText: 'Talk' }).getByTestId('thumbnail').waitFor();
    await waitUntil(async () => (await pictureIn('Talk')).width > 0, {
      timeoutMs: WAIT_MS,
      stepMs: 250,
      what: 'the poster decoded in the browser',
    });
    const shown = await pictureIn('Talk');
    assert.match(shown.src, /^\/assets\/[A-Za-z0-9_%-]+\/poster$/);
    assert.deepEqual({ width: shown.width, height: shown.height }, { width: 320, height: 240 });
    await page.screenshot({ path: join(artifactsDir, 'assets-posters.png'), fullPage: true });
  });
});
