import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PlaybackHttpPaths } from '@tributary/contracts';
import { launchChromium } from '@tributary/test-kit';
import { type RunningEdge, startEdge, until } from './support/edge-harness';
import { Peers } from './support/peers';

/** What the page read: the response head and the FLV tags parsed as flv.js's demuxer does, incrementally. */
interface PageRead {
  status: number;
  contentType: string | null;
  transferEncoding: string | null;
  signature: string;
  tags: { type: number; timestamp: number }[];
  /** Tags whose PreviousTagSize did not match their length (a framing error in the byte stream). */
  badBackPointers: number;
}

describe('HTTP-FLV in a real browser (Chromium fetch, as flv.js and mpegts.js read it)', () => {
  const peers = new Peers();
  const dir = mkdtempSync(join(tmpdir(), 'edge-flv-browser-'));
  const clip = join(dir, 'clip.flv');
  let run: RunningEdge;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  before(async () => {
    await peers.makeClip(clip, 4);
    run = await startEdge();
    run.api.allow('browser-key', { playbackId: 'browserpb' });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await peers.stopAll();
    await run.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams the close-delimited body to fetch(): FLV header, then whole tags with matching back-pointers', async () => {
    const publisher = peers.publish(clip, `${run.rtmpUrl}/browser-key`);
    await until(() => run.edge.registry.get('browserpb')?.isLive === true);
    const page = await browser.newPage();
    try {
      await page.goto(`${run.httpUrl}/healthz`);
      const read = (await page.evaluate(
        async ({ url, wantVideo }) => {
          const res = await fetch(url);
          const out = {
            status: res.status,
            contentType: res.headers.get('content-type'),
            transferEncoding: res.headers.get('transfer-encoding'),
            signature: '',
            tags: [] as { type: number; timestamp: number }[],
            badBackPointers: 0,
          };
          const reader = res.body!.getReader();
          let buf = new Uint8Array(0);
          let at = -1; // -1: before the FLV header
          const deadline = Date.now() + 15_000;
          while (out.tags.filter((t) => t.type === 9).length < wantVideo && Date.now() < deadline) {
            const { value, done } = await reader.read();
            if (done) break;
            const joined = new Uint8Array(buf.length + value.length);
            joined.set(buf);
            joined.set(value, buf.length);
            buf = joined;
            if (at < 0) {
              if (buf.length < 13) continue;
              out.signature = String.fromCharCode(buf[0]!, buf[1]!, buf[2]!);
              at = 13; // 9-byte header + PreviousTagSize0
            }
            const view = new DataView(buf.buffer);
            while (at + 11 <= buf.length) {
              const size = (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!;
              if (at + 11 + size + 4 > buf.length) break;
              const timestamp =
                ((buf[at + 7]! << 24) | (buf[at + 4]! << 16) | (buf[at + 5]! << 8) | buf[at + 6]!) >>> 0;
              out.tags.push({ type: buf[at]! & 0x1f, timestamp });
              if (view.getUint32(at + 11 + size) !== 11 + size) out.badBackPointers++;
              at += 11 + size + 4;
            }
            buf = buf.slice(at);
            at = 0;
          }
          await reader.cancel();
          return out;
        },
        { url: `${run.httpUrl}${PlaybackHttpPaths.flv('browserpb')}`, wantVideo: 60 },
      )) as PageRead;
      assert.equal(read.status, 200);
      assert.equal(read.contentType, 'video/x-flv');
      assert.equal(read.transferEncoding, null, 'close-delimited: no chunked framing');
      assert.equal(read.signature, 'FLV');
      assert.equal(read.badBackPointers, 0);
      const video = read.tags.filter((t) => t.type === 9);
      assert.ok(video.length >= 60, `${video.length} video tags`);
      assert.ok(
        read.tags.some((t) => t.type === 8),
        'audio tags too',
      );
      for (let i = 1; i < video.length; i++)
        assert.ok(video[i]!.timestamp >= video[i - 1]!.timestamp, 'video timestamps never go back');
    } finally {
      await page.close();
      publisher.kill('SIGKILL');
    }
    await until(() => run.edge.registry.get('browserpb')?.isLive !== true);
  });
});
