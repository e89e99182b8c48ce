// npm run bench: muxing throughput of the test clip (H.264 + AAC from ffmpeg), in MB/s of sample
// payload, for the MPEG-TS muxer, the fMP4 muxer and the whole LL-HLS segmenter. Single core.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Fmp4Muxer } from '../src/fmp4/fmp4-muxer';
import { LiveSegmenter } from '../src/hls/live-segmenter';
import { TsMuxer } from '../src/ts/ts-muxer';
import type { AudioSample, MediaSample, VideoSample } from '../src/types';
import { readFlvTags, samplesFromTags } from '../test/helpers/flv-samples';

const SECONDS = 10;
/** Enough repetitions for a run of a few seconds, so timer and JIT warm-up noise stay small. */
const MIN_RUN_MS = 3000;

function makeClip(dir: string): string {
  const flv = join(dir, 'clip.flv');
  execFileSync('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=1280x720:rate=30',
    '-f',
    'lavfi',
    '-i',
    'sine',
    '-t',
    String(SECONDS),
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-b:v',
    '3M',
    '-g',
    '60',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-f',
    'flv',
    flv,
  ]);
  return flv;
}

function measure(name: string, payloadBytes: number, once: () => number): void {
  once(); // warm-up
  let runs = 0;
  let outBytes = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < MIN_RUN_MS) {
    outBytes += once();
    runs++;
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const mbPerSecond = (payloadBytes * runs) / 1e6 / (elapsedMs / 1000);
  const realtime = (SECONDS * runs * 1000) / elapsedMs;
  console.log(
    JSON.stringify({
      bench: name,
      inputMBps: Number(mbPerSecond.toFixed(1)),
      realtimeFactor: Math.round(realtime),
      overheadPct: Number(((outBytes / runs / payloadBytes - 1) * 100).toFixed(2)),
    }),
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-media-bench-'));
  try {
    const samples: MediaSample[] = samplesFromTags(await readFlvTags(makeClip(dir)));
    const payloadBytes = samples.reduce((sum, s) => sum + s.data.length, 0);
    const video = samples.find((s): s is VideoSample => s.kind === 'video')!.config;
    const audio = samples.find((s): s is AudioSample => s.kind === 'audio')!.config;
    console.log(
      JSON.stringify({
        clip: `${SECONDS}s 1280x720 H.264 3 Mb/s + AAC`,
        samples: samples.length,
        payloadMB: payloadBytes / 1e6,
      }),
    );

    measure('mpegts-muxer', payloadBytes, () => {
      const muxer = new TsMuxer({ video, audio });
      let bytes = muxer.tables().length;
      for (const sample of samples) bytes += muxer.write(sample).length;
      return bytes;
    });
    measure('fmp4-muxer (1 fragment per GOP)', payloadBytes, () => {
      const muxer = new Fmp4Muxer({ video, audio });
      let bytes = muxer.initSegment.length;
      let gop: MediaSample[] = [];
      for (const sample of samples) {
        if (sample.kind === 'video' && sample.keyframe && gop.length > 0) {
          bytes += muxer.fragment(gop, sample.dts).length;
          gop = [];
        }
        gop.push(sample);
      }
      return bytes + muxer.fragment(gop).length;
    });
    for (const format of ['mpegts', 'fmp4'] as const) {
      measure(`ll-hls segmenter (${format}, 2 s segments, 0.5 s parts)`, payloadBytes, () => {
        const segmenter = new LiveSegmenter({ format, lowLatency: true, windowSize: 100 });
        for (const sample of samples) segmenter.push(sample);
        segmenter.end();
        return segmenter.segmentInfo().reduce((sum, s) => sum + s.bytes, 0);
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
