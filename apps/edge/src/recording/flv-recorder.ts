import { randomBytes } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaMessage } from '@tributary/rtmp-core';
import type { Logger } from '@tributary/service-kit';
import type { MetricsRegistry } from '../http/metrics';

/**
 * Recording live sessions (issue 12) at the ingest edge, as they arrive: an FLV file (header, then
 * every audio and video message as a tag, in order, each written whole), which is the one container a
 * process killed mid-write leaves playable: a reader stops at the last whole tag (packages/media
 * indexFlv). Written to `<dir>/<name>.flv.part` with a sidecar `<name>.json` naming the stream;
 * renamed to `.flv` when the session ends. Whatever goes wrong (a full disk, a disk too slow to keep
 * up, a file past its size cap) ends that recording loudly (a metric, an error log line, the reason in
 * the sidecar) and never touches the live stream.
 */

/** What a recording is of: written beside it, read back to make it an asset. */
export interface RecordingInfo {
  tenantId: string;
  liveStreamId: string;
  playbackId: string;
  startedAt: string;
  /** The api's ingest session, once known. */
  sessionId?: string;
  /** How it ended: 'complete' (renamed to .flv), 'failed' with the reason, or absent (still being written, or the edge died). */
  outcome?: { state: 'complete' } | { state: 'failed'; reason: RecordingFailure };
  /** The api refused it for good (HTTP status): kept on disk, never handed over again. */
  refused?: number;
}

export interface RecordingsOptions {
  dir: string;
  /** A recording that would grow past this is ended (failed: too large). */
  maxBytes: number;
  /** Bytes queued for the disk past which the recording is ended (the disk does not keep up). */
  maxQueuedBytes: number;
  logger: Logger;
  metrics: MetricsRegistry;
}

const FLV_HEADER = Buffer.from([
  0x46, 0x4c, 0x56, 0x01, 0x05, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00,
]);
const TAG_HEADER = 11;
const PREVIOUS_TAG_SIZE = 4;

export type RecordingFailure = 'disk_full' | 'write_error' | 'disk_too_slow' | 'too_large';

export class Recordings {
  private readonly started;
  private readonly completed;
  private readonly failed;
  private active = 0;

  constructor(readonly opts: RecordingsOptions) {
    this.started = opts.metrics.counter(
      'tributary_edge_recordings_started_total',
      'Recordings of live sessions begun',
    );
    this.completed = opts.metrics.counter(
      'tributary_edge_recordings_completed_total',
      'Recordings whose session ended with every message written',
    );
    this.failed = opts.metrics.counter<'reason'>(
      'tributary_edge_recordings_failed_total',
      'Recordings ended early by a storage problem (disk_full, write_error, disk_too_slow, too_large); the live stream is unaffected',
    );
    opts.metrics.gauge('tributary_edge_recordings_active', 'Recordings being written', () => this.active);
  }

  /** Starts recording a session; never throws (a recording that cannot start is a failed one). */
  open(info: Omit<RecordingInfo, 'startedAt' | 'outcome'>, now = new Date()): Recording {
    const name = `${now.toISOString().replace(/[:.]/g, '-')}-${info.liveStreamId}-${randomBytes(4).toString('hex')}`;
    this.started.inc();
    this.active++;
    return new Recording(this, name, { ...info, startedAt: now.toISOString() }, () => this.active--);
  }

  /** @internal */
  noteCompleted(): void {
    this.completed.inc();
  }

  /** @internal */
  noteFailed(reason: RecordingFailure): void {
    this.failed.inc({ reason });
  }

  /** Removes a recording's files (it became an asset). */
  async removeFiles(name: string): Promise<void> {
    for (const suffix of ['.flv', '.flv.part', '.json'])
      await rm(join(this.opts.dir, `${name}${suffix}`), { force: true });
  }

  /** Notes in the sidecar that the api refused it, so later starts leave it alone. */
  async markRefused(name: string, info: RecordingInfo, status: number): Promise<void> {
    await writeFile(join(this.opts.dir, `${name}.json`), JSON.stringify({ ...info, refused: status })).catch(
      () => {},
    );
  }

  /**
   * Recordings the edge left behind when it died (`.part` with no outcome): each is ended as it is
   * (its last whole tag is its end) and renamed to `.flv`, so it can become an asset like any other.
   */
  async recoverInterrupted(): Promise<RecordingInfo[]> {
    let names: string[];
    try {
      names = await readdir(this.opts.dir);
    } catch {
      return [];
    }
    const recovered: RecordingInfo[] = [];
    for (const file of names.filter((n) => n.endsWith('.flv.part'))) {
      const name = file.slice(0, -'.flv.part'.length);
      const sidecar = join(this.opts.dir, `${name}.json`);
      let info: RecordingInfo;
      try {
        info = JSON.parse(await readFile(sidecar, 'utf8')) as RecordingInfo;
      } catch {
        continue;
      }
      if (info.outcome) continue;
      await rename(join(this.opts.dir, file), join(this.opts.dir, `${name}.flv`));
      info.outcome = { state: 'complete' };
      await writeFile(sidecar, JSON.stringify(info));
      this.opts.logger.info(
        { recording: name, liveStreamId: info.liveStreamId },
        'interrupted recording recovered',
      );
      recovered.push(info);
    }
    return recovered;
  }
}

/** One session's recording. */
export class Recording {
  private stream: WriteStream | undefined;
  private bytes = 0;
  private firstTimestamp: number | undefined;
  private done = false;
  private readonly ready: Promise<void>;

  constructor(
    private readonly owner: Recordings,
    readonly name: string,
    readonly info: RecordingInfo,
    private readonly release: () => void,
  ) {
    this.ready = this.begin();
  }

  get path(): string {
    return join(this.owner.opts.dir, `${this.name}.flv`);
  }

  get failed(): boolean {
    return this.info.outcome?.state === 'failed';
  }

  private get partPath(): string {
    return `${this.path}.part`;
  }

  private get sidecarPath(): string {
    return join(this.owner.opts.dir, `${this.name}.json`);
  }

  private async begin(): Promise<void> {
    try {
      await mkdir(this.owner.opts.dir, { recursive: true, mode: 0o700 });
      await writeFile(this.sidecarPath, JSON.stringify(this.info), { mode: 0o600 });
    } catch (err) {
      this.fail(failureOf(err), err);
      return;
    }
    if (this.done) return;
    const stream = createWriteStream(this.partPath, { mode: 0o600 });
    stream.on('error', (err) => this.fail(failureOf(err), err));
    this.stream = stream;
    this.writeBytes([FLV_HEADER]);
  }

  /** Appends one audio or video message as an FLV tag (timestamps from the session's first message). */
  write(msg: MediaMessage): void {
    if (this.done) return;
    this.firstTimestamp ??= msg.timestamp;
    const ts = Math.max(0, msg.timestamp - this.firstTimestamp) >>> 0;
    const header = Buffer.allocUnsafe(TAG_HEADER);
    header[0] = msg.typeId;
    header.writeUIntBE(msg.payload.length, 1, 3);
    header.writeUIntBE(ts & 0xffffff, 4, 3);
    header[7] = (ts >>> 24) & 0xff;
    header.writeUIntBE(0, 8, 3);
    const previous = Buffer.allocUnsafe(PREVIOUS_TAG_SIZE);
    previous.writeUInt32BE(TAG_HEADER + msg.payload.length);
    this.writeBytes([header, msg.payload, previous]);
  }

  private writeBytes(parts: Buffer[]): void {
    const size = parts.reduce((n, p) => n + p.length, 0);
    if (this.bytes + size > this.owner.opts.maxBytes) {
      this.fail('too_large');
      return;
    }
    const stream = this.stream;
    if (!stream) {
      // Still opening (mkdir, sidecar): the first messages wait for it, bounded like the rest.
      void this.ready.then(() => this.writeBytes(parts));
      return;
    }
    if (stream.writableLength + size > this.owner.opts.maxQueuedBytes) {
      this.fail('disk_too_slow');
      return;
    }
    this.bytes += size;
    // One write per tag: a crash leaves whole tags, then at most one partial one.
    stream.write(parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size));
  }

  /** The session ended: the file is completed (renamed to .flv) unless the recording had failed. */
  async close(sessionId?: string): Promise<RecordingInfo> {
    if (sessionId) this.info.sessionId = sessionId;
    await this.ready;
    if (this.done) return this.info;
    this.done = true;
    this.release();
    const stream = this.stream;
    if (stream) {
      // 'close' comes after the last write either way, and stream.errored says whether one failed
      // (an error can surface after end() was called, as the final writes are flushed).
      const closed = new Promise<void>((resolve) => stream.once('close', () => resolve()));
      stream.end();
      await closed;
      if (stream.errored && !this.failed) this.fail(failureOf(stream.errored), stream.errored);
    }
    if (this.failed) return this.info;
    try {
      await rename(this.partPath, this.path);
      this.info.outcome = { state: 'complete' };
      await writeFile(this.sidecarPath, JSON.stringify(this.info));
      this.owner.noteCompleted();
    } catch (err) {
      this.fail(failureOf(err), err);
    }
    return this.info;
  }

  private fail(reason: RecordingFailure, err?: unknown): void {
    if (this.failed) return;
    const wasDone = this.done;
    this.done = true;
    if (!wasDone) this.release();
    this.info.outcome = { state: 'failed', reason };
    this.owner.noteFailed(reason);
    this.owner.opts.logger.error(
      {
        recording: this.name,
        liveStreamId: this.info.liveStreamId,
        reason,
        err: err instanceof Error ? err.message : undefined,
      },
      'recording failed; the live stream goes on',
    );
    this.stream?.destroy();
    // The partial file stays (it plays up to its last whole tag); the sidecar says why it stopped.
    void writeFile(this.sidecarPath, JSON.stringify(this.info)).catch(() => {});
  }
}

function failureOf(err: unknown): RecordingFailure {
  return (err as { code?: string })?.code === 'ENOSPC' ? 'disk_full' : 'write_error';
}
