import type { ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Rendition } from '@tributary/contracts';
import {
  type BroadcastListener,
  type BroadcastMessage,
  encodeFlvHeader,
  encodeFlvTag,
  FlvReader,
  type MediaMessage,
} from '@tributary/rtmp-core';
import type { Logger } from '@tributary/service-kit';
import type { PublishGrant } from '../control-plane/publish-authorizer';
import { audioCodecIdOf, streamNameOf, videoCodecIdOf } from '../streams/renditions';
import type { PublisherSlot, StreamEntry, StreamRegistry } from '../streams/stream-registry';
import { audioInfoOf, videoCodecOf } from '../streams/track-info';
import { FIRST_OUTPUT_FD, transcodeArgs } from './transcode-args';

const AUDIO = 8;
const VIDEO = 9;
/** The last stderr bytes kept for the exit log line. */
const STDERR_TAIL_BYTES = 2048;
/** A run this long resets the restart backoff. */
const HEALTHY_RUN_MS = 10_000;
/** SIGTERM, then SIGKILL after this. */
const KILL_GRACE_MS = 2_000;

/** Starts ffmpeg with these arguments and one pipe per output (fds 3…); child_process.spawn in the edge. */
export type SpawnTranscoder = (args: string[], outputs: number) => ChildProcess;

export interface TranscoderOptions {
  registry: StreamRegistry;
  spawn: SpawnTranscoder;
  preset: string;
  threads: number;
  gopSeconds: number;
  /** Ladders transcoding at once on this edge (each costs cores); past it a stream plays its source only. */
  maxStreams: number;
  /** Source bytes waiting in ffmpeg's stdin before the source skips to its next keyframe. */
  maxInputBufferBytes: number;
  restartMinMs: number;
  restartMaxMs: number;
  /** The renditions' viewers who waited (as for any new publisher). */
  admitWaiting: (entry: StreamEntry) => void;
  logger: Logger;
  now?: () => number;
}

interface Output {
  rendition: Rendition;
  entry?: StreamEntry;
  slot?: PublisherSlot;
}

interface Job {
  readonly playbackId: string;
  readonly grant: PublishGrant;
  readonly source: StreamEntry;
  readonly ladder: readonly Rendition[];
  child?: ChildProcess;
  listener?: BroadcastListener;
  outputs: Output[];
  startedAt: number;
  restarts: number;
  timer?: NodeJS.Timeout;
  stopped: boolean;
}

/**
 * `renditionSource: 'transcode'` (issue 13): while a stream is published here, one supervised ffmpeg
 * makes its ladder. The source goes to ffmpeg's stdin as FLV (a broadcast listener, so a slow ffmpeg
 * costs the source nothing but its own skipped frames); each rendition comes back as FLV on its own
 * pipe and is published here as `<playbackId>_<rendition>`, like an encoder ladder's. ffmpeg dying is
 * logged and it is restarted with backoff while the source is live; the source itself is never touched.
 */
export class Transcoder {
  private readonly jobs = new Map<string, Job>();
  private readonly now: () => number;
  /** Runs of ffmpeg started and exited (for the metrics and tests). */
  readonly stats = { started: 0, exited: 0, refused: 0 };

  constructor(private readonly opts: TranscoderOptions) {
    this.now = opts.now ?? Date.now;
  }

  get activeCount(): number {
    return this.jobs.size;
  }

  /** The source of a transcode ladder started publishing (publish-handler). */
  start(source: StreamEntry, grant: PublishGrant): void {
    const ladder = grant.renditions ?? [];
    if (grant.renditionSource !== 'transcode' || ladder.length === 0 || grant.rendition !== undefined) return;
    this.stop(grant.playbackId, 'restarted');
    const log = this.opts.logger.child({ playbackId: grant.playbackId, liveStreamId: grant.liveStreamId });
    if (this.jobs.size >= this.opts.maxStreams) {
      this.stats.refused++;
      log.warn({ maxStreams: this.opts.maxStreams }, 'transcode refused: edge at TRANSCODE_MAX_STREAMS');
      return;
    }
    const job: Job = {
      playbackId: grant.playbackId,
      grant,
      source,
      ladder,
      outputs: ladder.map((rendition) => ({ rendition })),
      startedAt: this.now(),
      restarts: 0,
      stopped: false,
    };
    this.jobs.set(job.playbackId, job);
    this.run(job, log);
  }

  /** The source stopped (or was revoked): ffmpeg and the renditions go. Idempotent. */
  stop(playbackId: string, reason: string): void {
    const job = this.jobs.get(playbackId);
    if (!job) return;
    this.jobs.delete(playbackId);
    job.stopped = true;
    clearTimeout(job.timer);
    this.detach(job);
    this.releaseOutputs(job);
    const child = job.child;
    job.child = undefined;
    if (child) kill(child);
    this.opts.logger.info({ playbackId, reason }, 'transcode stopped');
  }

  stopAll(reason: string): void {
    for (const id of [...this.jobs.keys()]) this.stop(id, reason);
  }

  isTranscoding(playbackId: string): boolean {
    return this.jobs.has(playbackId);
  }

  /** The ffmpeg of a stream being transcoded (tests, diagnostics). */
  pidOf(playbackId: string): number | undefined {
    return this.jobs.get(playbackId)?.child?.pid;
  }

  private run(job: Job, log: Logger): void {
    const args = transcodeArgs(job.ladder, {
      preset: this.opts.preset,
      threads: this.opts.threads,
      gopSeconds: this.opts.gopSeconds,
    });
    let child: ChildProcess;
    try {
      child = this.opts.spawn(args, job.ladder.length);
    } catch (err) {
      log.error({ err: String(err) }, 'transcoder could not start');
      this.retry(job, log);
      return;
    }
    job.child = child;
    job.startedAt = this.now();
    this.stats.started++;
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
    child.on('error', (err) => {
      // Not started at all (no ffmpeg at TRANSCODE_FFMPEG_PATH): 'exit' never comes, and retrying would
      // not help. The stream plays its source only, as past TRANSCODE_MAX_STREAMS.
      if (child.pid === undefined && job.child === child) {
        log.error({ err: String(err) }, 'transcoder could not start: the stream plays its source only');
        job.child = undefined;
        this.stop(job.playbackId, 'transcoder_unavailable');
        return;
      }
      log.error({ err: String(err) }, 'transcoder error');
    });
    child.once('exit', (code, signal) => {
      this.stats.exited++;
      if (job.child !== child) return;
      job.child = undefined;
      this.detach(job);
      this.releaseOutputs(job);
      log.warn({ code, signal, stderr: stderr.trim().slice(-500) }, 'transcoder exited');
      if (!job.stopped) this.retry(job, log);
    });
    log.info({ pid: child.pid, renditions: job.ladder.map((r) => r.name) }, 'transcoder started');
    for (const [i, output] of job.outputs.entries()) {
      const pipe = child.stdio[FIRST_OUTPUT_FD + i] as Readable | null | undefined;
      if (!pipe) continue;
      const reader = new FlvReader();
      pipe.on('error', () => {});
      pipe.on('data', (chunk: Buffer) => {
        if (job.child !== child) return;
        let tags: ReturnType<FlvReader['push']>;
        try {
          tags = reader.push(chunk);
        } catch (err) {
          log.error({ rendition: output.rendition.name, err: String(err) }, 'transcoder output unreadable');
          kill(child);
          return;
        }
        for (const tag of tags) {
          if (tag.type !== AUDIO && tag.type !== VIDEO) continue;
          this.publish(job, output, {
            typeId: tag.type,
            timestamp: tag.timestampMs,
            payload: tag.payload,
          } as MediaMessage);
        }
      });
    }
    this.feed(job, child, log);
  }

  /** The source, as FLV, into ffmpeg's stdin: from its cached GOP on, skipping to a keyframe when ffmpeg lags. */
  private feed(job: Job, child: ChildProcess, log: Logger): void {
    const stdin = child.stdin as Writable | null;
    if (!stdin) return;
    stdin.on('error', () => {}); // EPIPE when ffmpeg dies: its exit handler deals with it
    stdin.write(encodeFlvHeader({ audio: true, video: true }));
    let skipping = false;
    const listener: BroadcastListener = {
      message: (m: BroadcastMessage) => {
        if (m.typeId !== AUDIO && m.typeId !== VIDEO) return;
        if (stdin.writableLength > this.opts.maxInputBufferBytes) {
          if (!skipping)
            log.warn({ buffered: stdin.writableLength }, 'transcoder behind: source skips to a keyframe');
          skipping = true;
        }
        if (skipping) {
          if (m.role === 'frame' || (m.role === 'keyframe' && m.typeId !== VIDEO)) return;
          if (m.role === 'keyframe' && stdin.writableLength > this.opts.maxInputBufferBytes) return;
          if (m.role === 'keyframe') skipping = false;
        }
        const [header, payload, trailer] = encodeFlvTag(m.typeId, m.timestamp, m.payload);
        stdin.write(Buffer.concat([header, payload, trailer]));
      },
    };
    job.listener = listener;
    job.source.broadcast.listen(listener);
  }

  private publish(job: Job, output: Output, msg: MediaMessage): void {
    const slot = output.slot ?? this.goLive(job, output);
    if (!slot || !output.entry) return;
    slot.lastMediaAt = this.now();
    if (msg.typeId === VIDEO) {
      slot.video ??= trackOf(videoCodecOf(msg.payload), output.rendition);
      slot.codecIds = { ...slot.codecIds, video: videoCodecIdOf(msg.payload) ?? slot.codecIds?.video };
    } else {
      slot.audio ??= audioInfoOf(msg.payload);
      slot.codecIds = { ...slot.codecIds, audio: audioCodecIdOf(msg.payload) ?? slot.codecIds?.audio };
    }
    output.entry.broadcast.pushMedia(msg);
  }

  /** A rendition's first message: it becomes the publisher of `<playbackId>_<rendition>` here. */
  private goLive(job: Job, output: Output): PublisherSlot | undefined {
    const grant: PublishGrant = { ...job.grant, rendition: output.rendition.name };
    const now = this.now();
    const slot: PublisherSlot = {
      connId: `transcode:${streamNameOf(grant)}`,
      keyDigest: 'transcode',
      grant,
      startedAt: now,
      lastMediaAt: now,
      video: null,
      audio: null,
      bytesOutAtStart: 0,
      httpBytesOut: 0,
      viewerMsClosed: 0,
      // Not an encoder: no session, not among the edge's publishers (the source reports for the stream).
      relay: true,
      codecIds: {},
      close: (reason) => this.stop(job.playbackId, reason),
    };
    const claim = this.opts.registry.claimPublisher(slot);
    if (!claim.ok) return undefined;
    output.slot = slot;
    output.entry = claim.entry;
    this.opts.admitWaiting(claim.entry);
    claim.entry.broadcast.start();
    const r = output.rendition;
    claim.entry.broadcast.setMetadata({
      width: r.width,
      height: r.height,
      videodatarate: r.videoBitrateKbps,
      audiodatarate: r.audioBitrateKbps,
      ...(job.grant.eventTitle === null ? {} : { title: job.grant.eventTitle }),
    });
    return slot;
  }

  private releaseOutputs(job: Job): void {
    for (const output of job.outputs) {
      if (output.entry && output.slot) this.opts.registry.releasePublisher(output.entry, output.slot);
      output.entry = undefined;
      output.slot = undefined;
    }
  }

  private detach(job: Job): void {
    if (job.listener) job.source.broadcast.unlisten(job.listener);
    job.listener = undefined;
  }

  private retry(job: Job, log: Logger): void {
    if (job.stopped) return;
    if (this.now() - job.startedAt >= HEALTHY_RUN_MS) job.restarts = 0;
    const delay = Math.min(this.opts.restartMaxMs, this.opts.restartMinMs * 2 ** job.restarts);
    job.restarts++;
    log.info({ delayMs: delay, restarts: job.restarts }, 'transcoder restarts');
    job.timer = setTimeout(() => {
      if (!job.stopped) this.run(job, log);
    }, delay);
    job.timer.unref();
  }
}

function kill(child: ChildProcess): void {
  child.stdin?.destroy();
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, KILL_GRACE_MS);
  timer.unref();
}

function trackOf(codec: string | null, r: Rendition) {
  return codec === null ? null : { codec, width: r.width, height: r.height, frameRate: null };
}
