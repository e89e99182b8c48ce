import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CreatedLiveStreamSchema, LiveStream, Tenant } from '@tributary/contracts';
import { launchChromium, type ServiceProcess, startService } from '@tributary/test-kit';
import type { Browser, Page } from 'playwright-core';
import type { z } from 'zod';
import { ffmpegPublishCommand } from '../src/lib/encoder-settings';
import { signIn } from './support/browser';
import { RestSession } from './support/rest';
import { artifactsDir, type Stack, startStack } from './support/stack';

/**
 * The preview of issue 7 against a real edge: ffmpeg runs the very command the stream
 * page offers to paste, the api sees the stream go live, and the dashboard's preview
 * either plays it in Chromium (the edge serves HLS/HTTP-FLV: the video advances) or says
 * clearly that the preview needs browser playback (the edge does not serve it): it must
 * match what the edge really answers on the playback URL, never a fake player.
 */
/** Edge heartbeats and publish callbacks reach the api within seconds; this only bounds a broken run. */
const LIVE_DEADLINE_MS = 30_000;
const POLL_MS = 250;

type CreatedStream = z.infer<typeof CreatedLiveStreamSchema>;

describe('live preview on the stream page', { timeout: 300_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let publisher: ServiceProcess | undefined;
  let stream: CreatedStream;
  let tenantId: string;

  before(async () => {
    stack = await startStack({ edge: true });
    const rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    tenantId = (await rest.request<Tenant>('POST', '/v1/tenants', { body: { name: 'Preview tenant' } })).id;
    stream = await rest.request<CreatedStream>('POST', '/v1/live-streams', {
      tenantId,
      body: { name: 'Preview stream', playbackPolicy: 'signed' },
    });
    browser = await launchChromium();
    page = await browser.newPage();
  });

  after(async () => {
    await publisher?.stop();
    await browser?.close();
    await stack?.stop();
  });

  it('goes live when ffmpeg runs the command the page offers', async () => {
    const server = stream.ingest[0]?.server;
    assert.ok(server, 'the api hands out the edge as ingest');
    assert.equal(server, stack.edge?.rtmpUrl);
    publisher = startService(
      'ffmpeg',
      'sh',
      ['-c', `exec ${ffmpegPublishCommand(server, stream.streamKey)} -loglevel warning`],
      {
        cwd: artifactsDir,
        env: {},
        logFile: join(artifactsDir, 'ffmpeg.log'),
      },
    );
    const rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    const deadline = Date.now() + LIVE_DEADLINE_MS;
    let status = '';
    while (status !== 'active') {
      assert.equal(publisher.process.exitCode, null, `ffmpeg exited; see ${publisher.logFile}`);
      assert.ok(
        Date.now() < deadline,
        `the stream never went live (status ${status}); see edge.log and ffmpeg.log`,
      );
      status = (await rest.request<LiveStream>('GET', `/v1/live-streams/${stream.id}`, { tenantId })).status;
      if (status !== 'active') await new Promise((r) => setTimeout(r, POLL_MS));
    }
  });

  it('plays the preview, or says why it cannot, exactly as the edge serves playback', async () => {
    await signIn(page, stack.dashboardUrl, stack.operator.email, stack.operator.password);
    await page.goto(`${stack.dashboardUrl}/streams/${encodeURIComponent(stream.id)}`);
    await page.getByText('live', { exact: true }).first().waitFor();
    const token = (await page.getByTestId('playback-token').innerText()).trim();
    assert.ok(token.length > 0, 'a fresh signed token is minted for the signed stream');

    const preview = page.getByTestId('preview');
    await page.waitForFunction(() => {
      const state = document.querySelector('[data-testid="preview"]')?.getAttribute('data-state');
      return state === 'playing' || state === 'failed' || state === 'no-http-playback';
    });
    const state = await preview.getAttribute('data-state');
    const hls = stream.playback.hls;
    const edgeServesHls =
      hls !== null &&
      (await fetch(`${hls}${hls.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`)).ok;

    if (edgeServesHls) {
      assert.equal(state, 'playing');
      const start = await preview.locator('video').evaluate((v: HTMLVideoElement) => v.currentTime);
      await page.waitForFunction((t0) => {
        const v = document.querySelector('[data-testid="preview"] video') as HTMLVideoElement | null;
        return v !== null && v.currentTime > t0 + 1 && v.getVideoPlaybackQuality().totalVideoFrames > 0;
      }, start);
    } else {
      assert.notEqual(state, 'playing', 'no player pretends to play what the edge does not serve');
      assert.match(await preview.innerText(), /Preview needs browser playback/);
    }
    await page.screenshot({ path: join(artifactsDir, 'stream-live-preview.png'), fullPage: true });
  });
});
