// Chromium plays our HLS with hls.js (a maintained player, MSE in a real browser): an ended MPEG-TS
// playlist, and a live LL-HLS fMP4 stream fed in real time, with the token on every request.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ffmpegClipArgs, launchChromium, run, tempDir } from '@tributary/test-kit';
import type { Browser } from 'playwright-core';
import { LiveSegmenter } from '../src/hls/live-segmenter';
import type { MediaSample } from '../src/types';
import { readFlvTags, samplesFromTags } from './helpers/flv-samples';
import { type HlsTestServer, startHlsServer } from './helpers/hls-server';

const TOKEN = 'viewer-token-1';
/** How far playback must get: past the first segment, so segment boundaries are crossed. */
const PLAYED_SECONDS = 2.5;
/** Generous bound on waiting for the player; a wait, not a speed assertion. */
const PLAYER_WAIT_MS = 60_000;

interface PlayerState {
  sampledAtMs: number;
  currentTime: number;
  frames: number;
  fatal: string | null;
}

describe('hls.js in Chromium plays the segmenter output', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let samples: MediaSample[];
  let browser: Browser;
  const cleanups: (() => Promise<void>)[] = [];

  before(async () => {
    dir = tempDir('tributary-media-');
    const flv = join(dir.path, 'clip.flv');
    const made = await run('ffmpeg', ffmpegClipArgs(flv, { seconds: 6 }));
    assert.equal(made.code, 0, made.stderr);
    samples = samplesFromTags(await readFlvTags(flv));
    browser = await launchChromium();
  });

  after(async () => {
    for (const cleanup of cleanups) await cleanup();
    await browser?.close();
    await dir.remove();
  });

  async function play(
    segmenter: LiveSegmenter,
    feed: () => Promise<void>,
  ): Promise<{ state: PlayerState; server: HlsTestServer }> {
    const server = await startHlsServer(segmenter, TOKEN);
    cleanups.push(() => server.close());
    const page = await browser.newPage();
    cleanups.push(() => page.close());
    await page.goto(`${server.url}/player.html?token=${TOKEN}`);
    const feeding = feed();
    // Browser-side expressions as strings: this package compiles without the DOM library.
    await page.waitForFunction(
      `window.fatal !== null || document.querySelector('video').currentTime > ${PLAYED_SECONDS}`,
      undefined,
      { timeout: PLAYER_WAIT_MS },
    );
    const sampledAtMs = Date.now();
    const state = await page.evaluate<Omit<PlayerState, 'sampledAtMs'>>(`(() => {
      const video = document.querySelector('video');
      return { currentTime: video.currentTime, frames: video.getVideoPlaybackQuality().totalVideoFrames, fatal: window.fatal };
    })()`);
    await feeding;
    return { state: { ...state, sampledAtMs }, server };
  }

  it('plays an ended MPEG-TS playlist', async () => {
    const segmenter = new LiveSegmenter({ format: 'mpegts' });
    for (const sample of samples) segmenter.push(sample);
    segmenter.end();
    const { state, server } = await play(segmenter, async () => {});
    assert.equal(state.fatal, null);
    assert.ok(state.currentTime > PLAYED_SECONDS);
    assert.ok(state.frames > 0);
    assert.deepEqual(server.refused, []);
  });

  it('plays a live LL-HLS fMP4 stream through blocking reloads and preload hints', async (t) => {
    const segmenter = new LiveSegmenter({ format: 'fmp4', lowLatency: { partTargetMs: 500 } });
    cleanups.push(async () => segmenter.close());
    let start = 0;
    const { state, server } = await play(segmenter, async () => {
      // Publish at the clip's own pace, as an encoder would.
      start = Date.now();
      for (const sample of samples) {
        const due = start + sample.dts - Date.now();
        if (due > 0) await sleep(due);
        segmenter.push(sample);
      }
      segmenter.end();
    });
    assert.equal(state.fatal, null);
    assert.ok(state.currentTime > PLAYED_SECONDS);
    assert.ok(state.frames > 0);
    // Reported, not asserted (speed belongs to benches): how far behind the publisher's clock the player was.
    t.diagnostic(
      `player behind live edge: ${Math.round(state.sampledAtMs - start - state.currentTime * 1000)} ms`,
    );
    assert.ok(server.counts.blockingReloads > 0, 'hls.js used _HLS_msn blocking reloads');
    assert.ok(server.counts.parts > 0, 'hls.js loaded parts');
    assert.deepEqual(server.refused, [], 'every playlist, part, segment and init URI carried the token');
  });
});
