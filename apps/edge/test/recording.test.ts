import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bufferSource, indexMediaFile, SAMPLE_VIDEO } from '@tributary/media';
import type { MediaMessage } from '@tributary/rtmp-core';
import { createLogger } from '@tributary/service-kit';
import { run, tempDir, withDeadline } from '@tributary/test-kit';
import { MetricsRegistry } from '../src/http/metrics';
import { type RecordingInfo, Recordings } from '../src/recording/flv-recorder';

/**
 * Recording (issue 12) at the ingest edge: every message of a session written as FLV tags, a file that
 * ffmpeg reads whole when the session ends and that plays up to its last whole tag when the edge is
 * killed mid-write; a full disk ends the recording loudly (metric, log, sidecar) without an exception.
 */

const SECONDS = 4;
const FPS = 25;
const silent = createLogger({ name: 'test', level: 'silent' });

/** The audio and video tags of an FLV file, as the messages a publisher would send. */
function messagesOf(file: Buffer): MediaMessage[] {
  const out: MediaMessage[] = [];
  for (let at = 13; at + 11 <= file.length; ) {
    const size = file.readUIntBE(at + 1, 3);
    const ts = file.readUIntBE(at + 4, 3) | ((file[at + 7] as number) << 24);
    const type = file[at];
    if (type === 8 || type === 9)
      out.push({ typeId: type, timestamp: ts + 5000, payload: file.subarray(at + 11, at + 11 + size) });
    at += 11 + size + 4;
  }
  return out;
}

const videoFrames = (bytes: Buffer) =>
  indexMediaFile(bufferSource(bytes)).then((ix) =>
    ix.samples.flags.reduce((n, f) => n + (f & SAMPLE_VIDEO), 0),
  );

describe('recording live sessions', () => {
  const dir = tempDir('tributary-recording-');
  let source: Buffer;
  const sourcePath = join(dir.path, 'source.flv');

  before(async () => {
    const made = await run('ffmpeg', [
      ...['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=${FPS}`],
      ...['-f', 'lavfi', '-i', 'sine=sample_rate=44100', '-t', String(SECONDS), '-c:v', 'libx264'],
      ...['-preset', 'ultrafast', '-g', String(FPS), '-c:a', 'aac', sourcePath],
    ]);
    assert.equal(made.code, 0, made.stderr);
    source = readFileSync(sourcePath);
  });
  after(() => dir.remove());

  it('writes every message of a session as FLV tags, completed to .flv at its end, which ffmpeg reads whole', async () => {
    const metrics = new MetricsRegistry();
    const recordings = new Recordings({
      dir: join(dir.path, 'complete'),
      maxBytes: 1e9,
      maxQueuedBytes: 64 << 20,
      logger: silent,
      metrics,
    });
    const rec = recordings.open({ tenantId: 'tn_a', liveStreamId: 'ls_a', playbackId: 'pb_a' });
    for (const msg of messagesOf(source)) rec.write(msg);
    const info = await rec.close('ses_1');
    assert.deepEqual(info.outcome, { state: 'complete' });
    assert.equal(info.sessionId, 'ses_1');
    assert.ok(existsSync(rec.path) && !existsSync(`${rec.path}.part`));
    const sidecar = JSON.parse(readFileSync(rec.path.replace(/\.flv$/, '.json'), 'utf8')) as RecordingInfo;
    assert.deepEqual([sidecar.liveStreamId, sidecar.outcome], ['ls_a', { state: 'complete' }]);
    assert.equal(await videoFrames(readFileSync(rec.path)), SECONDS * FPS);
    const probe = await run('ffprobe', [
      ...['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames'],
      ...['-of', 'csv=p=0', rec.path],
    ]);
    assert.equal(probe.stdout.trim(), String(SECONDS * FPS), probe.stderr);
    assert.match(metrics.render(), /tributary_edge_recordings_completed_total 1/);
    assert.match(metrics.render(), /tributary_edge_recordings_active 0/);
  });

  it('leaves a file that plays up to its last whole tag when the edge is killed mid-write, recovered at start', async () => {
    const recordingsDir = join(dir.path, 'crash');
    const child = spawn(
      process.execPath,
      [resolve(__dirname, 'support/record-child.js'), sourcePath, recordingsDir],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await withDeadline(once(child.stdout, 'data'), 'the recording child to write', 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    const part = readdirSync(recordingsDir).find((n) => n.endsWith('.flv.part'));
    assert.ok(part, 'the recording it was writing is on disk');
    const frames = await videoFrames(readFileSync(join(recordingsDir, part)));
    assert.ok(frames >= 30 && frames < SECONDS * FPS, `${frames} frames: what arrived before the kill`);
    // The next start finds it: ended as it is, renamed, ready to become an asset.
    const recordings = new Recordings({
      dir: recordingsDir,
      maxBytes: 1e9,
      maxQueuedBytes: 64 << 20,
      logger: silent,
      metrics: new MetricsRegistry(),
    });
    const recovered = await recordings.recoverInterrupted();
    assert.deepEqual(
      recovered.map((r) => [r.liveStreamId, r.outcome]),
      [['ls_crash', { state: 'complete' }]],
    );
    assert.ok(readdirSync(recordingsDir).some((n) => n.endsWith('.flv') && !n.endsWith('.part')));
  });

  it('ends a recording loudly on a full disk or past its size cap, without throwing into the live path', async (t) => {
    // A 32 KiB tmpfs is a real full disk; without the right to mount one, the size cap shows the same path.
    const mountPoint = join(dir.path, 'small-disk');
    spawnSync('mkdir', ['-p', mountPoint]);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32k', 'tmpfs', mountPoint]).status === 0;
    t.after(() => {
      if (mounted) spawnSync('umount', [mountPoint]);
    });
    for (const [name, opts] of [
      ...(mounted ? ([['disk_full', { dir: mountPoint, maxBytes: 1e9 }]] as const) : []),
      ['too_large', { dir: join(dir.path, 'capped'), maxBytes: 100_000 }],
    ] as const) {
      const metrics = new MetricsRegistry();
      const recordings = new Recordings({ ...opts, maxQueuedBytes: 64 << 20, logger: silent, metrics });
      const rec = recordings.open({ tenantId: 'tn_f', liveStreamId: `ls_${name}`, playbackId: 'pb_f' });
      for (const msg of messagesOf(source)) {
        rec.write(msg);
        // The writes go out as the live path would make them, with turns for the disk in between.
        await new Promise((r) => setImmediate(r));
      }
      const info = await rec.close();
      assert.deepEqual(info.outcome, { state: 'failed', reason: name }, name);
      assert.match(
        metrics.render(),
        new RegExp(`tributary_edge_recordings_failed_total\\{reason="${name}"\\} 1`),
      );
      assert.match(metrics.render(), /tributary_edge_recordings_active 0/);
    }
    if (!mounted) t.diagnostic('tmpfs could not be mounted here: only the size cap was exercised');
  });
});
