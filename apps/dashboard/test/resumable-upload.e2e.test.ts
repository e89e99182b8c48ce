import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Asset, List, Tenant } from '@tributary/contracts';
import { launchChromium, run, tempDir, waitUntil } from '@tributary/test-kit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { collectPageErrors, signIn } from './support/browser';
import { RestSession } from './support/rest';
import { artifactsDir, type Stack, startStack } from './support/stack';

/**
 * The Assets page's resumable upload (issue 12) in Chromium against the real api: the file goes by
 * the tus protocol through the dashboard's relay; the page is reloaded mid-upload (its PATCH cut off),
 * and the same file chosen again goes on from the offset the server kept (the browser remembered the
 * upload) to a ready asset of the file's size. A file over the api's limit is
 * refused at creation with the api's reason.
 */

const WAIT_MS = 60_000;
const MAX_UPLOAD = 8 * 1024 * 1024;

describe('resumable uploads from the Assets page', { timeout: 300_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let rest: RestSession;
  let tenantId: string;
  const dir = tempDir('tributary-dashboard-resumable-');
  const consoleErrors: string[] = [];

  before(async () => {
    stack = await startStack({ apiEnv: { ASSET_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) } });
    rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    tenantId = (await rest.request<Tenant>('POST', '/v1/tenants', { body: { name: 'Uploads tenant' } })).id;
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    collectPageErrors(page, consoleErrors, { consoleMessages: false });
    await signIn(page, stack.dashboardUrl, stack.operator.email, stack.operator.password);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    await dir.remove();
  });

  it('resumes an upload cut off by a page reload from the bytes the server kept', async () => {
    const mp4 = join(dir.path, 'lecture.mp4');
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25'],
      ...['-f', 'lavfi', '-i', 'sine=sample_rate=48000', '-t', '10', '-vf', 'noise=alls=30:allf=t'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '2400k', '-maxrate', '2400k', '-bufsize', '1M'],
      ...['-c:a', 'aac', '-movflags', '+faststart', mp4],
    ]);
    assert.equal(made.code, 0, made.stderr);
    const size = statSync(mp4).size;
    assert.ok(size > 2 * 1024 * 1024, `${size} bytes take seconds at the throttled rate`);

    await page.goto(`${stack.dashboardUrl}/assets`);
    await page.getByRole('heading', { name: 'Assets', exact: true }).waitFor();
    const cdp = await context.newCDPSession(page);
    const throttle = (offline: boolean) =>
      cdp.send('Network.emulateNetworkConditions', {
        offline,
        latency: 0,
        downloadThroughput: -1,
        uploadThroughput: 512 * 1024,
      });
    await throttle(false);
    const patches: { url: string; offset: number }[] = [];
    let posts = 0;
    page.on('request', (req) => {
      if (!req.url().includes('/assets/uploads')) return;
      if (req.method() === 'POST') posts++;
      if (req.method() === 'PATCH')
        patches.push({ url: req.url(), offset: Number(req.headers()['upload-offset']) });
    });
    await page.getByLabel(/^File/).setInputFiles(mp4);
    await page.getByRole('button', { name: 'Upload' }).click();
    const bar = page.getByTestId('upload-progress');
    await bar.waitFor();
    const value = async () => Number(await bar.getAttribute('value').catch(() => '0'));
    await waitUntil(async () => (await value()) > 512 * 1024, {
      timeoutMs: WAIT_MS,
      what: 'half a MiB sent',
    });

    // The page goes away mid-upload (its PATCH is cut off); opened again with the same file, the
    // upload picks up at the offset the server reports, not at zero.
    await page.reload();
    await page.getByRole('heading', { name: 'Assets', exact: true }).waitFor();
    const resumedAt = patches.length;
    await page.getByLabel(/^File/).setInputFiles(mp4);
    await page.getByRole('button', { name: 'Upload' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'Uploaded “lecture.mp4”' })
      .waitFor({ timeout: WAIT_MS });
    assert.equal(patches[0]?.offset, 0, 'the first PATCH started the file');
    const resumed = patches.slice(resumedAt);
    assert.ok(resumed.length > 0, 'the upload went on after the reload');
    assert.equal(resumed[0]?.url, patches[0]?.url, 'the same upload, not a new one');
    assert.ok(
      (resumed[0]?.offset ?? 0) > 0,
      `resumed at the server's offset (${resumed[0]?.offset}), not at zero`,
    );
    assert.equal(posts, 1, 'one upload created');

    let asset: Asset | undefined;
    await waitUntil(
      async () => {
        const list = await rest.request<List<Asset>>('GET', '/v1/assets', { tenantId });
        asset = list.data.find((a) => a.name === 'lecture.mp4');
        return asset !== undefined && asset.status !== 'preparing';
      },
      { timeoutMs: WAIT_MS, what: 'the uploaded asset indexed' },
    );
    assert.equal(asset?.status, 'ready', asset?.error ?? '');
    assert.equal(asset?.sizeBytes, size, 'the asset is the whole file');
    assert.ok(asset?.durationMs && Math.abs(asset.durationMs - 10_000) < 200);
    await page.getByTestId('asset-row').filter({ hasText: 'lecture.mp4' }).getByText('ready').waitFor({
      timeout: WAIT_MS,
    });
    await page.screenshot({ path: join(artifactsDir, 'assets-resumable.png'), fullPage: true });
  });

  it("refuses a file over the api's limit at creation, with the api's reason", async () => {
    const big = join(dir.path, 'too-big.mp4');
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=1280x720:rate=25', '-t', '10'],
      ...['-vf', 'noise=alls=30:allf=t', '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '10M'],
      ...['-maxrate', '10M', '-bufsize', '2M', big],
    ]);
    assert.equal(made.code, 0, made.stderr);
    assert.ok(statSync(big).size > MAX_UPLOAD, `${statSync(big).size} bytes, over the limit`);
    await page.goto(`${stack.dashboardUrl}/assets`);
    await page.getByLabel(/^File/).setInputFiles(big);
    await page.getByRole('button', { name: 'Upload' }).click();
    // (Next's route announcer is an empty alert too.)
    const alert = page.getByRole('alert').filter({ hasText: /\S/ });
    await alert.waitFor({ timeout: WAIT_MS });
    assert.match(await alert.innerText(), /Maximum size exceeded/);
    assert.deepEqual(consoleErrors, []);
  });
});
