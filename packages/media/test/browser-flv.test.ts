// Chromium plays our HTTP-FLV with mpegts.js (the maintained flv.js successor), fed live-paced over a
// chunked HTTP response, across a publisher restart (timestamps back to 0).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FlvTag, FlvTagType } from '@tributary/rtmp-core';
import { ffmpegClipArgs, launchChromium, run, tempDir } from '@tributary/test-kit';
import type { Browser } from 'playwright-core';
import { type FlvTagKind, HttpFlvWriter } from '../src/flv/http-flv-writer';
import { readFlvTags } from './helpers/flv-samples';

const CLIP_SECONDS = 3;
/** Past the restart point, so the shifted timeline is what plays. */
const PLAYED_SECONDS = CLIP_SECONDS + 1;
const PLAYER_WAIT_MS = 60_000;
const KINDS: Record<number, FlvTagKind> = {
  [FlvTagType.Audio]: 'audio',
  [FlvTagType.Video]: 'video',
  [FlvTagType.ScriptData]: 'script',
};

const PLAYER_PAGE = `<!doctype html><html><body><video id="v" muted playsinline></video>
<script src="/mpegts.js"></script><script>
window.fatal = null;
const player = mpegts.createPlayer({ type: 'flv', isLive: true, url: '/live.flv' });
player.on(mpegts.Events.ERROR, (type, details) => { window.fatal = type + ':' + details; });
player.attachMediaElement(document.getElementById('v'));
player.load();
player.play();
</script></body></html>`;

describe('mpegts.js in Chromium plays the HTTP-FLV writer output', () => {
  let dir: { path: string; remove: () => Promise<void> };
  let tags: FlvTag[];
  let browser: Browser;
  let server: Server;

  before(async () => {
    dir = tempDir('tributary-media-');
    const flv = join(dir.path, 'clip.flv');
    const made = await run('ffmpeg', ffmpegClipArgs(flv, { seconds: CLIP_SECONDS }));
    assert.equal(made.code, 0, made.stderr);
    tags = await readFlvTags(flv);
    browser = await launchChromium();
  });

  after(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await browser?.close();
    await dir.remove();
  });

  it('plays through a publisher restart', async () => {
    const mpegtsJs = await readFile(require.resolve('mpegts.js/dist/mpegts.js'));
    server = createServer((req, res) => {
      if (req.url === '/player.html')
        return res.writeHead(200, { 'content-type': 'text/html' }).end(PLAYER_PAGE);
      if (req.url === '/mpegts.js')
        return res.writeHead(200, { 'content-type': 'text/javascript' }).end(mpegtsJs);
      if (req.url !== '/live.flv') return res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'video/x-flv', 'cache-control': 'no-cache' });
      const writer = new HttpFlvWriter({ audio: true, video: true });
      res.write(writer.header());
      void (async () => {
        // Two publishers in a row, each at its own pace from timestamp 0.
        for (let publisher = 0; publisher < 2 && !res.destroyed; publisher++) {
          const start = Date.now();
          for (const tag of tags) {
            const due = start + tag.timestampMs - Date.now();
            if (due > 0) await sleep(due);
            if (res.destroyed) return;
            res.cork();
            for (const buffer of writer.tag(KINDS[tag.type]!, tag.timestampMs, tag.payload))
              res.write(buffer);
            res.uncork();
          }
        }
        res.end();
      })();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/player.html`);
    // Browser-side expressions as strings: this package compiles without the DOM library.
    await page.waitForFunction(
      `window.fatal !== null || document.querySelector('video').currentTime > ${PLAYED_SECONDS}`,
      undefined,
      { timeout: PLAYER_WAIT_MS },
    );
    const state = await page.evaluate<{ currentTime: number; frames: number; fatal: string | null }>(`(() => {
      const video = document.querySelector('video');
      return { currentTime: video.currentTime, frames: video.getVideoPlaybackQuality().totalVideoFrames, fatal: window.fatal };
    })()`);
    await page.close();
    assert.equal(state.fatal, null);
    assert.ok(state.currentTime > PLAYED_SECONDS);
    assert.ok(state.frames > 0);
  });
});
