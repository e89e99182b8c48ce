import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordingUploadQuery, RecordingUploadResponse } from '@tributary/contracts';
import type { Logger } from '@tributary/service-kit';
import { ControlPlaneError } from '../control-plane/api-client';
import type { MetricsRegistry } from '../http/metrics';
import { type Recording, type RecordingInfo, Recordings } from './flv-recorder';

export interface RecordingUploaderOptions {
  recordings: Recordings;
  upload: (
    query: RecordingUploadQuery,
    file: { path: string; size: number } | undefined,
  ) => Promise<RecordingUploadResponse>;
  logger: Logger;
  metrics: MetricsRegistry;
  /** First retry after a failed hand-over; doubles up to 5 minutes. */
  retryMs: number;
}

const MAX_RETRY_MS = 5 * 60_000;

/**
 * Hands finished recordings to the api, one at a time, oldest first: each becomes an asset, then its
 * local files are removed. The api being down is retried with backoff (the file waits on disk); a
 * refusal (the stream was deleted, the tenant is at its asset quota) is final: the files stay for the
 * operator and the log says why. At start it also hands over what an earlier run left (recordings
 * interrupted by a crash, and finished ones it had not handed over yet).
 */
export class RecordingUploader {
  private readonly queue: Array<{ name: string; info: RecordingInfo }> = [];
  private busy = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly handed;

  constructor(private readonly opts: RecordingUploaderOptions) {
    this.handed = opts.metrics.counter<'result'>(
      'tributary_edge_recording_handovers_total',
      'Recordings handed to the api: result = asset | refused (kept on disk) | retry',
    );
  }

  /** Queues what an earlier run of this edge left behind. */
  async start(): Promise<void> {
    await this.opts.recordings.recoverInterrupted();
    let names: string[];
    try {
      names = await readdir(this.opts.recordings.opts.dir);
    } catch {
      return;
    }
    for (const file of names.filter((n) => n.endsWith('.json')).sort()) {
      try {
        const info = JSON.parse(
          await readFile(join(this.opts.recordings.opts.dir, file), 'utf8'),
        ) as RecordingInfo;
        if (info.outcome && !info.refused) this.enqueue(file.slice(0, -'.json'.length), info);
      } catch {
        // not a sidecar of ours
      }
    }
  }

  /** A session's recording ended: hand it over. */
  submit(recording: Recording): void {
    this.enqueue(recording.name, recording.info);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private enqueue(name: string, info: RecordingInfo): void {
    if (this.queue.some((q) => q.name === name)) return;
    this.queue.push({ name, info });
    this.pump(0);
  }

  private pump(delayMs: number): void {
    if (this.busy || this.stopped || this.queue.length === 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.next(delayMs), delayMs);
    this.timer.unref();
  }

  private async next(lastDelayMs: number): Promise<void> {
    const item = this.queue[0];
    if (!item || this.busy || this.stopped) return;
    this.busy = true;
    const { name, info } = item;
    const dir = this.opts.recordings.opts.dir;
    const path = join(dir, `${name}.flv`);
    const failed = info.outcome?.state === 'failed' ? info.outcome.reason : undefined;
    let retryIn: number | undefined;
    try {
      const file = failed ? undefined : { path, size: (await stat(path)).size };
      const query: RecordingUploadQuery = {
        liveStreamId: info.liveStreamId,
        startedAt: info.startedAt,
        ...(info.sessionId ? { sessionId: info.sessionId } : {}),
        ...(failed ? { failed } : {}),
      };
      const asset = await this.opts.upload(query, file);
      this.handed.inc({ result: 'asset' });
      this.opts.logger.info(
        { recording: name, assetId: asset.assetId, liveStreamId: info.liveStreamId },
        'recording handed over',
      );
      await this.opts.recordings.removeFiles(name);
      this.queue.shift();
    } catch (err) {
      const status = err instanceof ControlPlaneError ? err.status : undefined;
      if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
        this.handed.inc({ result: 'refused' });
        this.opts.logger.error(
          { recording: name, liveStreamId: info.liveStreamId, status, err: (err as Error).message },
          'the api refused a recording; its files stay on this edge',
        );
        await this.opts.recordings.markRefused(name, info, status);
        this.queue.shift();
      } else {
        this.handed.inc({ result: 'retry' });
        retryIn = Math.min(MAX_RETRY_MS, lastDelayMs > 0 ? lastDelayMs * 2 : this.opts.retryMs);
        this.opts.logger.warn(
          { recording: name, err: (err as Error).message, retryInMs: retryIn },
          'recording hand-over failed; retrying',
        );
      }
    } finally {
      this.busy = false;
    }
    this.pump(retryIn ?? 0);
  }
}
