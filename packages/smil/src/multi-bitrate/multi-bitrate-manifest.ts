import { SmilError, SmilErrorCode } from '../errors';
import {
  checkBaseUrl,
  checkBitrate,
  checkCodecId,
  checkDimension,
  checkLanguage,
  checkStreamSource,
  checkTitle,
} from '../smil/value-rules';

/**
 * A multi-bitrate (adaptive bitrate) manifest: the renditions of one live stream,
 * as Wowza reads them from a SMIL `<switch>` ("Understanding SMIL file syntax",
 * https://www.wowza.com/docs/understanding-smil-file-syntax). Order is meaningful:
 * Wowza lists renditions in the generated manifests in SMIL order, and players
 * start with the first one.
 */
export interface MultiBitrateManifest {
  /** `<smil title>`. */
  title?: string;
  /** `<meta base>`: the application URL the `src` names are relative to. */
  base?: string;
  renditions: Rendition[];
}

/** One `<video>` of the `<switch>`. At least one of the three bitrates is present (Wowza's rule). */
export interface Rendition {
  /** Stream name, optionally with a stream-type prefix (`mp4:`). */
  src: string;
  /** Total bits per second: `system-bitrate` (SMIL 1.0) or `systemBitrate` (SMIL 2.0). */
  systemBitrate?: number;
  /** Video bits per second: Wowza's `videoBitrate` param or `video-bitrate` attribute. */
  videoBitrate?: number;
  /** Audio bits per second: Wowza's `audioBitrate` param or `audio-bitrate` attribute. */
  audioBitrate?: number;
  width?: number;
  height?: number;
  /** RFC 6381 codec of the video track, e.g. `avc1.64001f` (Wowza's `videoCodecId` param). */
  videoCodecId?: string;
  /** RFC 6381 codec of the audio track, e.g. `mp4a.40.2` (Wowza's `audioCodecId` param). */
  audioCodecId?: string;
  /** `systemLanguage` (SMIL 2.0 §10.4), e.g. `eng`. */
  language?: string;
}

/** Apple's HLS authoring guidance uses ladders under ten variants; 32 bounds selection and output. */
export const MAX_RENDITIONS = 32;

/**
 * Bits per second a player needs for a rendition: the declared total when present,
 * else video plus audio. This is the HLS BANDWIDTH and what selection compares.
 */
export function renditionBandwidth(rendition: Rendition): number {
  return rendition.systemBitrate ?? (rendition.videoBitrate ?? 0) + (rendition.audioBitrate ?? 0);
}

export interface ManifestProblem {
  /** Index of the offending rendition; undefined when the manifest as a whole is at fault. */
  rendition?: number;
  detail: string;
}

/** The first rule the manifest breaks, or undefined. Shared by the parser and the generators. */
export function findManifestProblem(manifest: MultiBitrateManifest): ManifestProblem | undefined {
  const { renditions } = manifest;
  if (renditions.length === 0) return { detail: 'the <switch> has no renditions' };
  if (renditions.length > MAX_RENDITIONS) {
    return { detail: `${renditions.length} renditions, more than the limit of ${MAX_RENDITIONS}` };
  }
  const manifestProblem =
    (manifest.title !== undefined ? checkTitle(manifest.title) : undefined) ??
    (manifest.base !== undefined ? prefix('base', checkBaseUrl(manifest.base)) : undefined);
  if (manifestProblem) return { detail: manifestProblem };
  const seen = new Set<string>();
  for (const [index, rendition] of renditions.entries()) {
    const problem = findRenditionProblem(rendition);
    const label = `rendition ${index + 1} (src "${rendition.src}")`;
    if (problem) return { rendition: index, detail: `${label}: ${problem}` };
    if (seen.has(rendition.src)) return { rendition: index, detail: `${label}: src appears twice` };
    seen.add(rendition.src);
  }
  return undefined;
}

/** Throws the first problem as a `SmilError` (for values built in code, which have no position). */
export function assertValidManifest(manifest: MultiBitrateManifest): void {
  const problem = findManifestProblem(manifest);
  if (problem) throw new SmilError(SmilErrorCode.InvalidValue, problem.detail);
}

function findRenditionProblem(r: Rendition): string | undefined {
  const sourceProblem = checkStreamSource(r.src);
  if (sourceProblem) return sourceProblem;
  if (r.systemBitrate === undefined && r.videoBitrate === undefined && r.audioBitrate === undefined) {
    return 'needs a bitrate (system-bitrate, or videoBitrate/audioBitrate)';
  }
  if ((r.width === undefined) !== (r.height === undefined)) return 'width and height go together';
  return (
    optional('system-bitrate', r.systemBitrate, checkBitrate) ??
    optional('videoBitrate', r.videoBitrate, checkBitrate) ??
    optional('audioBitrate', r.audioBitrate, checkBitrate) ??
    optional('width', r.width, checkDimension) ??
    optional('height', r.height, checkDimension) ??
    optional('videoCodecId', r.videoCodecId, checkCodecId) ??
    optional('audioCodecId', r.audioCodecId, checkCodecId) ??
    optional('systemLanguage', r.language, checkLanguage)
  );
}

function optional<T>(
  field: string,
  value: T | undefined,
  check: (v: T) => string | undefined,
): string | undefined {
  return value === undefined ? undefined : prefix(field, check(value));
}

function prefix(field: string, problem: string | undefined): string | undefined {
  return problem === undefined ? undefined : `${field}: ${problem}`;
}
