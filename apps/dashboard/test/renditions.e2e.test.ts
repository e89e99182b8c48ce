import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { LiveStream } from '@tributary/contracts';
import { launchChromium } from '@tributary/test-kit';
import type { Browser, Page } from 'playwright-core';
import { signIn } from './support/browser';
import { RestSession } from './support/rest';
import { artifactsDir, type Stack, startStack } from './support/stack';

/**
 * The stream page's Renditions card (dynamic streaming) in a real browser against a running api: the
 * owner sets an encoder ladder as one line per rendition, sees each rendition's output and playback
 * names and the ffmpeg line, and a malformed line is refused next to the field.
 */
describe('rendition ladder on the stream page', { timeout: 300_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let rest: RestSession;
  let tenantId = '';
  let stream: LiveStream;
  const consoleErrors: string[] = [];
  const owner = { email: 'owner@ladder.test', password: 'owner-password-1' };

  before(async () => {
    stack = await startStack();
    rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    tenantId = (await rest.request<{ id: string }>('POST', '/v1/tenants', { body: { name: 'Ladders' } })).id;
    await rest.request('POST', `/v1/tenants/${tenantId}/users`, {
      body: { email: owner.email, name: 'Lena Ladder', password: owner.password, role: 'owner' },
    });
    stream = await rest.request<LiveStream>('POST', '/v1/live-streams', { body: { name: 'ABR' }, tenantId });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(`${page.url()}: ${msg.text()}`);
    });
    page.on('pageerror', (err) => consoleErrors.push(`${page.url()}: ${err.message}`));
    await signIn(page, stack.dashboardUrl, owner.email, owner.password);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('sets an encoder ladder, shows its outputs and ffmpeg line, and refuses a malformed line', async () => {
    await page.goto(`${stack.dashboardUrl}/streams/${encodeURIComponent(stream.id)}`);
    const card = page
      .locator('section.card')
      .filter({ has: page.getByRole('heading', { name: 'Renditions (dynamic streaming)' }) });
    await card.getByText('No ladder').waitFor();

    await card.getByLabel('Ladder').fill('high 1280x720 2500 128\nlow');
    await card.getByRole('button', { name: 'Save ladder' }).click();
    await card.getByText('Line 2: expected "name WIDTHxHEIGHT videoKbps audioKbps".').waitFor();

    await card.getByLabel('Renditions from').selectOption('encoder');
    await card.getByLabel('Ladder').fill('high 1280x720 2500 128\nlow 426x240 400 64');
    await card.getByRole('button', { name: 'Save ladder' }).click();
    const rows = card.getByTestId('renditions').locator('tbody tr');
    await rows.nth(1).waitFor();
    assert.equal(await rows.count(), 2);
    const low = await rows.nth(1).innerText();
    assert.match(low, /low\s+426x240\s+400 kbps\s+64 kbps\s+<stream key>_low/);
    assert.ok(low.includes(`${stream.playbackId}_low`), low);
    const ffmpeg = await card.getByTestId('ladder-ffmpeg').innerText();
    assert.match(ffmpeg, /\/<stream key>_high' /);
    assert.match(ffmpeg, /-keyint_min 60 -sc_threshold 0/);

    const stored = await rest.request<LiveStream>('GET', `/v1/live-streams/${stream.id}`, { tenantId });
    assert.equal(stored.renditionSource, 'encoder');
    assert.deepEqual(
      stored.renditions.map((r) => [r.name, r.width, r.height, r.videoBitrateKbps, r.audioBitrateKbps]),
      [
        ['high', 1280, 720, 2500, 128],
        ['low', 426, 240, 400, 64],
      ],
    );
    await page.screenshot({ path: join(artifactsDir, 'stream-renditions.png'), fullPage: true });

    // The contract's rules come back from the api next to the field (a duplicate name).
    await card.getByLabel('Ladder').fill('high 1280x720 2500 128\nhigh 426x240 400 64');
    await card.getByRole('button', { name: 'Save ladder' }).click();
    await card.getByText('rendition names must be unique').waitFor();
    assert.deepEqual(consoleErrors, []);
  });
});
