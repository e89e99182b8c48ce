import { spawn } from 'node:child_process';
import type { Logger } from '@tributary/service-kit';
import type { MetricsRegistry } from '../http/metrics';

export interface FrameGrabberOptions {
  /** THUMBNAIL_FFMPEG_PATH. */
  ffmpegPath: string;
  /** THUMBNAIL_DECODERS: ffmpeg processes at once on this edge. */
  decoders: number;
  /** THUMBNAIL_QUEUE: decodes waiting for a decoder; past it a decode is refused at once (FrameGrabBusy). */
  maxQueued: number;
  /** THUMBNAIL_TIMEOUT_MS: a decode still running after this is killed (SIGKILL). */
  timeoutMs: number;
  /** THUMBNAIL_MAX_BYTES: a JPEG larger than this is refused (and the decoder killed). */
  maxBytes: number;
  /** THUMBNAIL_WIDTH: pictures wider than this are scaled down to it (height keeps the aspect, even). */
  maxWidth: number;
  logger: Logger;
}

/** Every decoder is busy and the queue is full: the caller answers from its cache or 503. */
export class FrameGrabBusy extends Error {
  constructor() {
    super('every thumbnail decoder is busy');
  }
}

/** The decode failed, timed out or made too much: what went wrong, in words for the log. */
export class FrameGrabFailed extends Error {}

export interface FrameGrabStats {
  decodes: number;
  failures: number;
  timeouts: number;
  busy: number;
}

/**
 * Decodes one picture to a JPEG with ffmpeg, bounded: at most `decoders` processes at once on the edge
 * and `maxQueued` waiting (more is FrameGrabBusy), each killed after `timeoutMs` or once its output passes
 * `maxBytes`. The input is a short media file in memory (the live GOP's sequence header and keyframe as
 * FLV, or one on-demand segment as MPEG-TS) written to ffmpeg's stdin: ffmpeg opens no file and no URL.
 */
export class FrameGrabber {
  readonly stats: FrameGrabStats = { decodes: 0, failures: 0, timeouts: 0, busy: 0 };
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(private readonly opts: FrameGrabberOptions) {}

  get active(): number {
    return this.running;
  }

  /** The first video frame of `input` (container `format`: 'flv' or 'mpegts') as a JPEG. */
  async grab(input: Buffer, format: 'flv' | 'mpegts'): Promise<Buffer> {
    if (this.running >= this.opts.decoders) {
      if (this.queue.length >= this.opts.maxQueued) {
        this.stats.busy++;
        throw new FrameGrabBusy();
      }
      // Woken with the slot of a decode that ended (it stays counted in `running`): never one too many.
      await new Promise<void>((r) => this.queue.push(r));
    } else {
      this.running++;
    }
    try {
      return await this.decode(input, format);
    } finally {
      const next = this.queue.shift();
      if (next) next();
      else this.running--;
    }
  }

  private decode(input: Buffer, format: 'flv' | 'mpegts'): Promise<Buffer> {
    const w = this.opts.maxWidth;
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'error',
      '-f',
      format,
      '-i',
      'pipe:0',
      '-an',
      '-frames:v',
      '1',
      '-vf',
      `scale='min(${w},iw)':-2`,
      '-q:v',
      '5',
      '-f',
      'mjpeg',
      'pipe:1',
    ];
    return new Promise<Buffer>((resolve, reject) => {
      this.stats.decodes++;
      const child = spawn(this.opts.ffmpegPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      let outBytes = 0;
      let err = '';
      let failure: string | undefined;
      const fail = (why: string) => {
        failure ??= why;
        child.kill('SIGKILL');
      };
      const timer = setTimeout(() => {
        this.stats.timeouts++;
        fail(`timed out after ${this.opts.timeoutMs} ms`);
      }, this.opts.timeoutMs);
      child.stdout.on('data', (c: Buffer) => {
        outBytes += c.length;
        if (outBytes > this.opts.maxBytes) fail(`picture larger than ${this.opts.maxBytes} bytes`);
        else out.push(c);
      });
      child.stderr.on('data', (c: Buffer) => {
        if (err.length < 2000) err += c.toString('utf8');
      });
      child.stdin.on('error', () => {}); // EPIPE when ffmpeg exits before reading everything
      child.on('error', (e) => fail(`ffmpeg could not start: ${e.message}`));
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const jpeg = Buffer.concat(out);
        const ok = failure === undefined && code === 0 && isJpeg(jpeg);
        if (ok) {
          resolve(jpeg);
          return;
        }
        this.stats.failures++;
        const why =
          failure ??
          `ffmpeg exited ${code ?? signal}${err ? `: ${err.trim().slice(0, 300)}` : ' without a picture'}`;
        this.opts.logger.warn({ why }, 'thumbnail decode failed');
        reject(new FrameGrabFailed(why));
      });
      child.stdin.end(input);
    });
  }
}

/** SOI at the start and EOI at the end: a whole JPEG, not a cut one. */
export function isJpeg(b: Buffer): boolean {
  return (
    b.length >= 4 && b[0] === 0xff && b[1] === 0xd8 && b[b.length - 2] === 0xff && b[b.length - 1] === 0xd9
  );
}

/** The pool's counters on /metrics (tributary_edge_thumbnail_*). */
export function registerFrameGrabberMetrics(m: MetricsRegistry, grabber: FrameGrabber): void {
  m.observedCounter(
    'tributary_edge_thumbnail_decodes_total',
    'Thumbnail and poster decodes started (ffmpeg runs).',
    () => grabber.stats.decodes,
  );
  m.observedCounter(
    'tributary_edge_thumbnail_failures_total',
    'Thumbnail and poster decodes that failed (timeouts and over-size pictures included).',
    () => grabber.stats.failures,
  );
  m.observedCounter(
    'tributary_edge_thumbnail_timeouts_total',
    'Thumbnail and poster decoders killed at THUMBNAIL_TIMEOUT_MS.',
    () => grabber.stats.timeouts,
  );
  m.observedCounter(
    'tributary_edge_thumbnail_busy_total',
    'Thumbnail and poster decodes refused because every decoder was busy and the queue full.',
    () => grabber.stats.busy,
  );
  m.gauge(
    'tributary_edge_thumbnail_decoders_active',
    'ffmpeg thumbnail decoders running now.',
    () => grabber.active,
  );
}
