import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Asset,
  type CreatedLiveStreamSchema,
  EdgeApiPaths,
  RecordingUploadResponseSchema,
  type Tenant,
} from '@tributary/contracts';
import { launchChromium, run, tempDir, waitUntil } from '@tributary/test-kit';
import type { Browser, Page } from 'playwright-core';
import type { z } from 'zod';
import { collectPageErrors, signIn } from './support/browser';
import { RestSession } from './support/rest';
import { artifactsDir, type Stack, startStack } from './support/stack';

/**
 * A live stream's recordings and the asset player (issue 12) in Chromium against the real api and a
 * real edge: a session's recording (an FLV an edge hands over through the edge contract) is listed
 * on its stream's page and not on another stream's; its asset page plays it with hls.js from the
 * edge (a signed stream's recording: a token is minted), and the seek bar moves playback to the
 * middle, where it plays on.
 */

const CLIP_SECONDS = 10;
const WAIT_MS = 30_000;

type CreatedStream = z.infer<typeof CreatedLiveStreamSchema>;

describe("a stream's recordings and the asset player", { timeout: 300_000 }, () => {
  let stack: Stack;
  let browser: Browser;
  let page: Page;
  let rest: RestSession;
  let tenantId: string;
  let stream: CreatedStream;
  let otherStream: CreatedStream;
  let recording: Asset;
  const dir = tempDir('tributary-dashboard-recordings-');
  const consoleErrors: string[] = [];

  before(async () => {
    stack = await startStack({ edge: true });
    rest = await RestSession.login(stack.apiUrl, stack.operator.email, stack.operator.password);
    tenantId = (await rest.request<Tenant>('POST', '/v1/tenants', { body: { name: 'Recordings tenant' } }))
      .id;
    stream = await rest.request<CreatedStream>('POST', '/v1/live-streams', {
      tenantId,
      body: { name: 'Weekly show', playbackPolicy: 'signed', record: true },
    });
    otherStream = await rest.request<CreatedStream>('POST', '/v1/live-streams', {
      tenantId,
      body: { name: 'Quiet stream', record: false },
    });
    // What an ingest edge hands over when a session ends: an FLV of it (apps/edge recording/).
    const flv = join(dir.path, 'session.flv');
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25'],
      ...['-f', 'lavfi', '-i', 'sine=sample_rate=44100', '-t', String(CLIP_SECONDS)],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-pix_fmt', 'yuv420p', '-c:a', 'aac', flv],
    ]);
    assert.equal(made.code, 0, made.stderr);
    const recorder = await rest.request<{ credential: string }>('POST', '/v1/edges', {
      body: {
        name: 'recorder',
        region: 'local',
        rtmpUrl: 'rtmp://127.0.0.1:1/live',
        httpUrl: 'http://127.0.0.1:1',
      },
    });
    const res = await fetch(
      `${stack.apiUrl}${EdgeApiPaths.recordings}?${new URLSearchParams({
        liveStreamId: stream.id,
        startedAt: new Date().toISOString(),
      })}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${recorder.credential}`,
          'content-type': 'application/octet-stream',
        },
        body: readFileSync(flv),
        signal: AbortSignal.timeout(WAIT_MS),
      },
    );
    assert.equal(res.status, 201, await res.clone().text());
    const { assetId } = RecordingUploadResponseSchema.parse(await res.json());
    await waitUntil(
      async () => {
        recording = await rest.request<Asset>('GET', `/v1/assets/${assetId}`, { tenantId });
        return recording.status !== 'preparing';
      },
      { timeoutMs: WAIT_MS, what: 'the recording indexed' },
    );
    assert.equal(recording.status, 'ready', recording.error ?? '');
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    collectPageErrors(page, consoleErrors);
    await signIn(page, stack.dashboardUrl, stack.operator.email, stack.operator.password);
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    await dir.remove();
  });

  it("lists the recording on its stream's page, not on another stream's", async () => {
    await page.goto(`${stack.dashboardUrl}/streams/${encodeURIComponent(stream.id)}`);
    const row = page.getByTestId('recording-row');
    await row.first().waitFor({ timeout: WAIT_MS });
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), /Weekly show · .* UTC\s+ready\s+0:10/);
    await page.screenshot({ path: join(artifactsDir, 'stream-recordings.png'), fullPage: true });

    await page.goto(`${stack.dashboardUrl}/streams/${encodeURIComponent(otherStream.id)}`);
    await page.getByRole('heading', { name: 'Recordings' }).waitFor();
    assert.equal(await page.getByTestId('recording-row').count(), 0);
    await page.getByText(/Recording is off/).waitFor();
  });

  it('plays the recording on its asset page with hls.js from the edge, and seeks to the middle', async () => {
    await page.goto(`${stack.dashboardUrl}/streams/${encodeURIComponent(stream.id)}`);
    await page.getByTestId('recording-row').getByRole('link').click();
    await page.waitForURL(`${stack.dashboardUrl}/assets/${encodeURIComponent(recording.id)}`);
    assert.equal((await page.getByTestId('asset-duration').innerText()).trim(), '0:10');
    assert.match(
      await page.getByTestId('asset-tracks').innerText(),
      /^h264 640×360 2\d(\.\d+)? fps · aac 44.1 kHz mono$/,
    );

    await page.waitForFunction(
      () => {
        const s = document.querySelector('[data-testid="asset-player"]')?.getAttribute('data-state');
        return s === 'ready' || s === 'failed';
      },
      undefined,
      { timeout: WAIT_MS },
    );
    const player = page.getByTestId('asset-player');
    assert.equal(await player.getAttribute('data-state'), 'ready', await player.innerText());
    const video = page.getByTestId('asset-video');
    // Playing: time advances and frames decode (a signed asset: the page minted a token for it).
    await page.waitForFunction(
      () => {
        const v = document.querySelector('[data-testid="asset-video"]') as HTMLVideoElement | null;
        return v !== null && v.currentTime > 1 && v.getVideoPlaybackQuality().totalVideoFrames > 0;
      },
      undefined,
      { timeout: WAIT_MS },
    );
    const before = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
    assert.ok(before < 5, `still in the first half before the seek (${before} s)`);

    // The seek bar (not the video's own controls): playback jumps to 6 s and plays on from there.
    await page.getByLabel('Seek').fill('6');
    await page.waitForFunction(
      () => {
        const v = document.querySelector('[data-testid="asset-video"]') as HTMLVideoElement | null;
        return v !== null && !v.seeking && v.currentTime > 6.5;
      },
      undefined,
      { timeout: WAIT_MS },
    );
    const after = await video.evaluate((v: HTMLVideoElement) => ({
      t: v.currentTime,
      buffered: Array.from({ length: v.buffered.length }, (_, i) => [v.buffered.start(i), v.buffered.end(i)]),
    }));
    assert.ok(after.t > 6.5 && after.t <= CLIP_SECONDS, `playing after the seek point (${after.t} s)`);
    assert.ok(
      after.buffered.some(([s, e]) => (s as number) <= 6.5 && (e as number) > 6.5),
      `the segment holding 6 s was loaded: ${JSON.stringify(after.buffered)}`,
    );
    assert.match(await page.getByTestId('asset-time').innerText(), /^0:0[6-9] \/ 0:10$|^0:10 \/ 0:10$/);
    await page.screenshot({ path: join(artifactsDir, 'asset-player.png'), fullPage: true });
    assert.deepEqual(consoleErrors, []);
  });
});
